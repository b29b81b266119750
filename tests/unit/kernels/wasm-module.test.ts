import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kernelWasmUrl } from '../../../ts/kernels/module.js';

describe('shipped wasm module', () => {
  // binaryen's disassembler (installed by `make deps`) decodes every instruction of the module.
  const text = execFileSync('wasm-dis', [fileURLToPath(kernelWasmUrl())], { maxBuffer: 64 << 20 }).toString();

  it('contains SIMD128 instructions', () => {
    const simd = text.match(/\b(v128|[fi](8x16|16x8|32x4|64x2))\.[a-z_]+/g) ?? [];
    expect(simd.length).toBeGreaterThan(20);
  });

  it('vectorises the superbias subtraction (f32x4.sub)', () => {
    expect(text).toMatch(/f32x4\.sub/);
  });
});
