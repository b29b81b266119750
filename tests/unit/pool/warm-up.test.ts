import { beforeAll, describe, expect, it } from 'vitest';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { warmUpKernels } from '../../../ts/pool/warm-up.js';

beforeAll(async () => {
  await loadKernels();
});

describe('warmUpKernels', () => {
  // Every kernel call checks its arrays and parameters: a call that no longer matches its
  // kernel throws here (in a pool the warm-up's failure would go unseen).
  it('runs every kernel on its synthetic ramp, through the flag paths', async () => {
    const summary = await warmUpKernels();
    expect(summary.saturatedSamples).toBeGreaterThan(0);
    expect(summary.jumpSamples).toBeGreaterThan(0);
    expect(summary.finiteRates).toBeGreaterThan(32 * 64 * 0.9);
  });
});
