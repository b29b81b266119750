/**
 * Piscina worker entry (runs as dist/pool/node-worker.js). It instantiates the module the main
 * thread compiled and never reads the .wasm file, so the code is compiled once per process.
 */
import { workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { instantiateKernels } from '../kernels/module.js';
import type { TileTask } from './pool.js';
import { runTaskHere } from './task-transport.js';
import { warmUpKernels } from './warm-up.js';

export interface NodeWorkerData {
  module: WebAssembly.Module;
}

const { module } = workerData as NodeWorkerData;

export default function runTileTask(task: TileTask): ReturnType<typeof move> {
  const { outcome, transfer } = runTaskHere(task, module);
  // Piscina transfers what a movable result lists instead of cloning it.
  return move({ [transferableSymbol]: transfer, [valueSymbol]: outcome });
}

/** The pool's first task on one worker (`name: 'warmUp'`): see warm-up.ts. */
export async function warmUp(): Promise<void> {
  instantiateKernels(module);
  await warmUpKernels();
}
