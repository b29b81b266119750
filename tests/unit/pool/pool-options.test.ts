import { describe, expect, it } from 'vitest';
import { defaultPoolSize, resolvePoolOptions } from '../../../ts/pool/pool-options.js';

describe('pool options', () => {
  it('leaves a core to the main thread and stops at 8 workers', () => {
    expect([1, 2, 3, 4, 9, 64].map(defaultPoolSize)).toEqual([1, 1, 2, 3, 8, 8]);
    expect(resolvePoolOptions({}, 4)).toEqual({ size: 3, idleTimeout: 10_000 });
    expect(resolvePoolOptions({ size: 12, idleTimeout: 0 }, 4)).toEqual({ size: 12, idleTimeout: 0 });
  });

  it('rejects sizes and idle timeouts that make no sense', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => resolvePoolOptions({ size }, 4)).toThrow(RangeError);
    for (const idleTimeout of [-1, Number.NaN]) {
      expect(() => resolvePoolOptions({ idleTimeout }, 4)).toThrow(RangeError);
    }
  });

  it('treats idle timeouts beyond what timers can wait as never', () => {
    // setTimeout would fire at once for these.
    expect(resolvePoolOptions({ idleTimeout: 2 ** 31 }, 4).idleTimeout).toBe(Infinity);
    expect(resolvePoolOptions({ idleTimeout: Infinity }, 4).idleTimeout).toBe(Infinity);
    expect(resolvePoolOptions({ idleTimeout: 2 ** 31 - 1 }, 4).idleTimeout).toBe(2 ** 31 - 1);
  });

  it('takes a compiled module only, as bytes would be compiled again in every worker', () => {
    const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    expect(() => resolvePoolOptions({ module: bytes as never }, 4)).toThrow(TypeError);
    expect(() => resolvePoolOptions({ module: new WebAssembly.Module(bytes) }, 4)).not.toThrow();
  });
});
