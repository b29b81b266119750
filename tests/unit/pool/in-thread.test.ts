import { beforeAll, describe, expect, it } from 'vitest';
import { superbias } from '../../../ts/kernels/superbias.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { runTiled } from '../../../ts/pool/pool.js';
import { copyOf, outputBytes, superbiasTile, unevenTile } from './superbias-tile.js';

beforeAll(async () => {
  await loadKernels();
});

describe('runTiled without a pool', () => {
  const input = superbiasTile(unevenTile, 11);
  const whole = copyOf(input);
  beforeAll(() => superbias(whole, unevenTile));

  it.each([1, 2, 5, 36, 37, 100])('gives the untiled result bit for bit with bands of %i rows', async (maxBandRows) => {
    const tiled = copyOf(input);
    await runTiled(undefined, 'superbias', { ...tiled }, unevenTile, { maxBandRows });
    expect(outputBytes(tiled)).toEqual(outputBytes(whole));
  });

  it('stops at an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      runTiled(undefined, 'superbias', { ...copyOf(input) }, unevenTile, { signal: controller.signal }),
    ).rejects.toThrow(/abort/i);
  });
});
