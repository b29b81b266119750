/** reusedAcrossSlices: what a step reads once per exposure while the pipeline runs it slice by slice. */
import { describe, expect, it } from 'vitest';
import { isShared } from '../../../ts/kernels/arrays.js';
import { reusedAcrossSlices } from '../../../ts/steps/step.js';

describe('reusedAcrossSlices', () => {
  it('loads once per key, reloads when the key changes, and always loads without a cache', async () => {
    let loads = 0;
    const load = async () => ({ planes: new Float32Array([++loads]) });
    const context = { sliceCache: new Map<string, unknown>() };
    const first = await reusedAcrossSlices(context, 'dark_current', ['dark.fits', [0]], load);
    expect(await reusedAcrossSlices(context, 'dark_current', ['dark.fits', [0]], load)).toBe(first);
    // Kept planes are moved to shared memory, values unchanged; uncached ones stay as they are.
    expect(isShared(first.planes)).toBe(true);
    expect(Array.from(first.planes)).toEqual([1]);
    expect(isShared((await reusedAcrossSlices({}, 'x', [], load)).planes)).toBe(false);
    // MIRI: the first slice uses dark integration 0, the next ones integration 1.
    const second = await reusedAcrossSlices(context, 'dark_current', ['dark.fits', [1]], load);
    expect(second).not.toBe(first);
    expect(second.planes[0]).toBe(3);
    // Another step's entry does not evict it.
    await reusedAcrossSlices(context, 'reset', ['reset.fits'], load);
    expect(await reusedAcrossSlices(context, 'dark_current', ['dark.fits', [1]], load)).toBe(second);
    expect(loads).toBe(4);
    await reusedAcrossSlices({}, 'dark_current', ['dark.fits', [1]], load);
    await reusedAcrossSlices({}, 'dark_current', ['dark.fits', [1]], load);
    expect(loads).toBe(6);
  });
});
