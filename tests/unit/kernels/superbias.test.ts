import { beforeAll, describe, expect, it } from 'vitest';
import { KernelShapeError, KernelTypeError, superbias } from '../../../ts/kernels/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { pixel } from '../../../ts/dq/index.js';

beforeAll(async () => {
  await loadKernels();
});

describe('superbias kernel through wasm', () => {
  /** CASE (spec/steps/superbias.md): data 12000, bias 10000.5 -> 1999.5; ZEROFRAME 0 stays 0; NaN bias is 0. */
  it('matches the spec example', () => {
    const shape = { nints: 2, ngroups: 1, rows: 1, cols: 2 };
    const data = new Float32Array([12000, 500, 12000, 600]);
    const zeroframe = new Float32Array([0, 400, 11000, 0]);
    const pixeldq = new Uint32Array([pixel.HOT, 0]);
    superbias(
      { data, zeroframe, pixeldq, bias: new Float32Array([10000.5, NaN]), biasDq: new Uint32Array([pixel.DEAD, 0]) },
      shape,
    );
    expect([...data]).toEqual([1999.5, 500, 1999.5, 600]);
    expect([...zeroframe]).toEqual([0, 400, 999.5, 0]);
    expect([...pixeldq]).toEqual([pixel.HOT | pixel.DEAD, 0]);
  });

  it('rejects a wrong-length array, naming the argument and the shape', () => {
    const shape = { nints: 1, ngroups: 2, rows: 3, cols: 4 };
    const call = () =>
      superbias(
        {
          data: new Float32Array(24),
          pixeldq: new Uint32Array(12),
          bias: new Float32Array(11),
          biasDq: new Uint32Array(12),
        },
        shape,
      );
    expect(call).toThrow(KernelShapeError);
    expect(call).toThrow(/superbias: argument `bias` has 11 elements but shape \(3, 4\) needs 12/);
  });

  it('rejects a wrong element type', () => {
    const shape = { nints: 1, ngroups: 1, rows: 1, cols: 1 };
    const call = () =>
      superbias(
        {
          data: new Float64Array(1) as unknown as Float32Array,
          pixeldq: new Uint32Array(1),
          bias: new Float32Array(1),
          biasDq: new Uint32Array(1),
        },
        shape,
      );
    expect(call).toThrow(KernelTypeError);
    expect(call).toThrow(/`data` must be a Float32Array, got Float64Array/);
  });

  it('rejects a non-positive dimension', () => {
    const call = () =>
      superbias(
        { data: new Float32Array(0), pixeldq: new Uint32Array(0), bias: new Float32Array(0), biasDq: new Uint32Array(0) },
        { nints: 1, ngroups: 0, rows: 1, cols: 1 },
      );
    expect(call).toThrow(/shape.ngroups must be a positive integer/);
  });
});
