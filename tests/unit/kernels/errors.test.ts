import { describe, expect, it } from 'vitest';
import { fromWasmError, KernelError, KernelShapeError } from '../../../ts/kernels/errors.js';

describe('errors crossing the wasm boundary', () => {
  it('maps the Rust error code to a typed error', () => {
    const error = fromWasmError(new Error('[shape_mismatch] argument `bias` has 3 elements but its shape needs 4'), 'superbias');
    expect(error).toBeInstanceOf(KernelShapeError);
    expect((error as KernelShapeError).code).toBe('shape_mismatch');
    expect((error as Error).message).toBe('superbias: argument `bias` has 3 elements but its shape needs 4');
  });

  it('reports a trap without a code as a KernelError naming the kernel', () => {
    const error = fromWasmError(new Error('unreachable'), 'superbias');
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).code).toBe('wasm_trap');
    expect((error as Error).message).toBe('superbias: unreachable');
  });
});
