/**
 * The Stage's slots (wasm-pkg `Stage`): a slot sized again from band to band reuses its buffer
 * without writing it, and the kernels that act on a slot see its current length only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { kernelMemory } from '../../../ts/kernels/module.js';
import { Stage } from '../../../wasm-pkg/detector1_wasm.js';

beforeAll(async () => {
  await loadKernels();
});

/** A view of slot `slot` sized to `length` (the memory may grow: the address comes first). */
function slotView<T extends Uint32Array | Float32Array>(stage: Stage, kind: 'u32' | 'f32', slot: number, length: number): T {
  const address = stage.slot(kind, slot, length);
  return new (kind === 'u32' ? Uint32Array : Float32Array)(kernelMemory().buffer, address, length) as T;
}

const swapped = (v: number) => ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);

describe('Stage slots', () => {
  it('act on their current length: a slot shrunk and grown again is swapped only where it was in use', () => {
    const stage = new Stage();
    const view = (length: number) => slotView(stage, 'u32', 0, length);
    view(8).set([1, 2, 3, 4, 5, 6, 7, 8].map(swapped));
    view(0);
    const address = stage.slot('u32', 0, 4);
    stage.swap_words('u32', 0);
    expect([...view(4)]).toEqual([1, 2, 3, 4]);
    // Its buffer is reused, not written: the elements beyond its length kept their words.
    expect(stage.slot('u32', 0, 8)).toBe(address);
    expect([...view(8)]).toEqual([1, 2, 3, 4, ...[5, 6, 7, 8].map(swapped)].map((v) => v >>> 0));
    stage.free();
  });

  it('exchange their lengths with their buffers', () => {
    const stage = new Stage();
    const fill = (slot: number, values: number[]) => slotView(stage, 'u32', slot, values.length).set(values.map(swapped));
    fill(0, [1, 2, 3]);
    fill(1, [4, 5, 6, 7, 8]);
    stage.swap_slots('u32', 0, 1);
    stage.swap_words('u32', 0);
    // Growing slot 0 to its buffer's size shows the five words it took, all swapped back.
    expect([...slotView(stage, 'u32', 0, 5)]).toEqual([4, 5, 6, 7, 8]);
    stage.free();
  });

  it('grown beyond their buffer give a buffer of the new length', () => {
    const stage = new Stage();
    stage.slot('f32', 2, 16);
    const length = 1 << 20;
    slotView(stage, 'f32', 2, length).fill(1.5);
    stage.swap_words('f32', 2);
    expect(slotView(stage, 'f32', 2, length).every((v) => v !== 1.5)).toBe(true);
    stage.free();
  });
});
