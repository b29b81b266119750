/**
 * Band buffers in wasm memory (the wasm crate's `Stage`). A kernel with a staged form takes a
 * band's rows straight from the caller's arrays into wasm memory and gives its outputs straight
 * back: one copy each way, where the plain call copies the band out of the arrays, into wasm
 * memory, out of it and back into the arrays (on the MIRI TSO shape, jump's band copies alone
 * took ~2 s of its ~10 s in one thread).
 */
import { Stage } from '../../wasm-pkg/detector1_wasm.js';
import { FILE_WORDS_SWAPPED, planeCount, type KernelArray, type Layout, type TileShape } from './arrays.js';
import type { StoredDq } from './dq-translate.js';
import { callWasm } from './errors.js';
import { kernelMemory } from './module.js';

export type StageKind = 'f32' | 'u8' | 'u16' | 'u32';

export interface StagedKernel {
  /** The staged wasm function's slots: array names by element type, in slot order. */
  slots: Partial<Record<StageKind, readonly string[]>>;
  /**
   * Runs the staged wasm function on `stage`, which holds a band of `shape` whose own rows are
   * `core` (the others are halo rows of context).
   */
  run(stage: Stage, shape: TileShape, params: unknown, core: { row0: number; rows: number }): void;
}

const viewTypes = { f32: Float32Array, u8: Uint8Array, u16: Uint16Array, u32: Uint32Array } as const;

/** One stage per thread, reused from band to band (its buffers keep their largest size). */
let stage: Stage | undefined;

/**
 * Runs `staged` on a band of `shape`: `fill(key, view)` writes each present array's band into
 * its slot (the slots of absent arrays are emptied; write-only outputs are not filled), the
 * kernel runs, and `drain(key, view)` reads each output back. Views are of wasm memory, valid
 * only inside the callbacks. The words of the arrays named in `bigEndian` are filled in file
 * order and put in host order in their slots; those of `storedDq` are filled as their file
 * stores them and translated to standard flags.
 */
export function runStagedBand(
  kernel: string,
  staged: StagedKernel,
  specs: Record<string, { layout: Layout; output: boolean; writeOnly?: boolean }>,
  shape: TileShape,
  params: unknown,
  core: { row0: number; rows: number },
  present: (key: string) => boolean,
  fill: (key: string, view: KernelArray) => void,
  drain: (key: string, view: KernelArray) => void,
  bigEndian: readonly string[] = [],
  storedDq: Readonly<Record<string, StoredDq>> = {},
): void {
  stage ??= callWasm(kernel, () => new Stage());
  const placed: { key: string; kind: StageKind; slot: number; address: number; length: number }[] = [];
  for (const [kind, keys] of Object.entries(staged.slots) as [StageKind, readonly string[]][]) {
    keys.forEach((key, slot) => {
      const length = present(key) ? planeCount(specs[key].layout, shape) * shape.rows * shape.cols : 0;
      const address = callWasm(kernel, () => stage!.slot(kind, slot, length));
      if (length > 0) placed.push({ key, kind, slot, address, length });
    });
  }
  // Made after the last call that may grow the memory, used before the next one (swap_words never grows it).
  const view = ({ kind, address, length }: (typeof placed)[number]) => new viewTypes[kind](kernelMemory().buffer, address, length);
  for (const slot of placed) {
    if (specs[slot.key].writeOnly) continue;
    fill(slot.key, view(slot));
    if (bigEndian.includes(slot.key)) callWasm(kernel, () => stage!.swap_words(slot.kind, slot.slot));
    const dq = storedDq[slot.key];
    if (dq && slot.kind === 'u32') callWasm(kernel, () => stage!.translate_dq(slot.slot, FILE_WORDS_SWAPPED, dq.unsigned ? 0x80000000 : 0, dq.bitFlags));
    else if (dq) throw new RangeError(`${kernel}: stored DQ array "${slot.key}" is not in a u32 slot`);
  }
  staged.run(stage, shape, params, core);
  for (const slot of placed) if (specs[slot.key].output) drain(slot.key, view(slot));
}
