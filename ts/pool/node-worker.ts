/**
 * Piscina worker entry (runs as dist/pool/node-worker.js). It instantiates the module the main
 * thread compiled and never reads the .wasm file, so the code is compiled once per process.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { workerData } from 'node:worker_threads';
import { instantiateKernels } from '../kernels/module.js';
import type { TileTask } from './pool.js';
import { runTaskHere, serializeError, type SerializedError } from './task-transport.js';
import { runBorderBand, runChainBand, runRefpixGroups as runRefpixGroupsHere, type BorderTask, type ChainResult, type ChainTask, type RefpixGroupsTask } from './chain-band.js';
import { warmUpKernels } from './warm-up.js';

export interface NodeWorkerData {
  module: WebAssembly.Module;
}

const { module } = workerData as NodeWorkerData;

/**
 * What Piscina's `move` does, from the two modules of Piscina that its worker runtime (which
 * runs this file) has loaded already. Importing 'piscina' here loaded its whole main-thread side
 * into every worker: 10-25 ms more of each worker's boot, which a run waits for. They are taken
 * from the module cache where that runtime left them (resolving the package took ~4 ms).
 */
const require = createRequire(import.meta.url);
const piscinaModule = (file: string) => {
  const suffix = `${sep}piscina${sep}dist${sep}${file}`;
  const loaded = Object.keys(require.cache).find((path) => path.endsWith(suffix));
  return require(loaded ?? join(dirname(require.resolve('piscina')), file));
};
const { markMovable } = piscinaModule('common.js') as { markMovable(value: object): void };
const { kTransferable, kValue } = piscinaModule('symbols.js') as { kTransferable: symbol; kValue: symbol };

export default function runTileTask(task: TileTask): object {
  const { outcome, transfer } = runTaskHere(task, module);
  // Piscina transfers what a movable result lists instead of cloning it.
  const result = { [kTransferable]: transfer, [kValue]: outcome };
  markMovable(result);
  return result;
}

/** The pool's first task on one worker (`name: 'warmUp'`): see warm-up.ts. */
export async function warmUp(): Promise<void> {
  instantiateKernels(module);
  await warmUpKernels();
}

/** The files a task reads, and those it writes, each opened once for the task (closed when it ends). */
const descriptors = new Map<string, number>();
const writable = new Map<string, number>();

/**
 * Positioned reads for the tasks. One function for every task: a new closure per task made V8
 * deoptimise the reads' callers ("wrong call target").
 */
function read(path: string, offset: number, into: Uint8Array): void {
  let fd = descriptors.get(path);
  if (fd === undefined) descriptors.set(path, (fd = openSync(path, 'r')));
  for (let done = 0; done < into.length; ) {
    const count = readSync(fd, into, done, into.length - done, offset + done);
    if (count === 0) throw new RangeError(`${path}: the file ends at byte ${offset + done}, before the ${into.length} bytes read at ${offset} (was it truncated meanwhile?)`);
    done += count;
  }
}

/** Positioned writes into existing files (the products' temporary files), as `read`. */
function write(path: string, offset: number, bytes: Uint8Array): void {
  let fd = writable.get(path);
  if (fd === undefined) writable.set(path, (fd = openSync(path, 'r+')));
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
}

/** Runs `work` with the reads and writes, its failure as data (see task-transport.ts). */
function withFiles<T>(work: (reader: typeof read, writer: typeof write) => T): { result: T } | { error: SerializedError } {
  try {
    instantiateKernels(module);
    return { result: work(read, write) };
  } catch (error) {
    return { error: serializeError(error) };
  } finally {
    for (const open of [descriptors, writable]) {
      open.forEach((fd) => closeSync(fd));
      open.clear();
    }
  }
}

/** A chain task (`name: 'runChain'`, see chain-band.ts): the band's files read, and its products written, with positioned reads and writes. */
export function runChain(task: ChainTask): { result: ChainResult } | { error: SerializedError } {
  return withFiles((reader, writer) => runChainBand(task, reader, writer));
}

/** A task of refpix's border (`name: 'runBorder'`, see chain-band.ts). */
export function runBorder(task: BorderTask): { result: true } | { error: SerializedError } {
  return withFiles((reader) => (runBorderBand(task, reader), true as const));
}

/** A task of refpix's statistics (`name: 'runRefpixGroups'`, see chain-band.ts). */
export function runRefpixGroups(task: RefpixGroupsTask): { result: true } | { error: SerializedError } {
  return withFiles(() => (runRefpixGroupsHere(task), true as const));
}
