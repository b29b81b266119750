/** reusedAcrossSlices: what a step reads once per exposure while the pipeline runs it slice by slice. */
import { describe, expect, it } from 'vitest';
import { reusedAcrossSlices } from '../../../ts/steps/step.js';

describe('reusedAcrossSlices', () => {
  it('loads once per key, reloads when the key changes, and always loads without a cache', async () => {
    let loads = 0;
    const load = async () => ({ planes: new Float32Array([++loads]) });
    const context = { sliceCache: new Map<string, unknown>() };
    const first = await reusedAcrossSlices(context, 'dark_current', ['dark.fits', [0]], load);
    expect(await reusedAcrossSlices(context, 'dark_current', ['dark.fits', [0]], load)).toBe(first);
    // MIRI: the first slice uses dark integration 0, the next ones integration 1.
    const second = await reusedAcrossSlices(context, 'dark_current', ['dark.fits', [1]], load);
    expect(second).not.toBe(first);
    expect(second.planes[0]).toBe(2);
    // Another step's entry does not evict it.
    await reusedAcrossSlices(context, 'reset', ['reset.fits'], load);
    expect(await reusedAcrossSlices(context, 'dark_current', ['dark.fits', [1]], load)).toBe(second);
    expect(loads).toBe(3);
    await reusedAcrossSlices({}, 'dark_current', ['dark.fits', [1]], load);
    await reusedAcrossSlices({}, 'dark_current', ['dark.fits', [1]], load);
    expect(loads).toBe(5);
  });
});
