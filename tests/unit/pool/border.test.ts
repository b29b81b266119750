/**
 * refpix's border layout (ts/pool/chain-band.ts): the workers write the border pixels of their
 * rows at `borderPixels` offsets, and the statistics find science pixels by `borderPosition`.
 */
import { describe, expect, it } from 'vitest';
import { borderPixels, borderPosition } from '../../../ts/pool/chain-band.js';

describe('refpix border layout', () => {
  it('numbers the border pixels row by row, left to right, and nothing else', () => {
    for (const [ny, nx, width] of [
      [2048, 2048, 4],
      [12, 10, 4],
      [9, 7, 2],
    ]) {
      const seen: number[] = [];
      let inside = 0;
      for (let r = 0; r < ny; r++) {
        for (let c = 0; c < nx; c++) {
          const onBorder = r < width || r >= ny - width || c < width || c >= nx - width;
          const position = borderPosition(r * nx + c, ny, nx, width);
          if (onBorder) seen.push(position);
          else if (position !== -1) inside++;
        }
      }
      expect(inside, 'interior pixels given a position').toBe(0);
      // In scan order, each once: positions 0, 1, 2, ...
      expect(seen).toEqual(Array.from({ length: borderPixels(0, ny, ny, nx, width) }, (_, i) => i));
    }
  });

  it('gives each run of rows the offset of its first row', () => {
    const [ny, nx, width] = [2048, 2048, 4];
    for (const r0 of [0, 3, 4, 5, 1024, 2043, 2044, 2047]) {
      expect(borderPixels(0, r0, ny, nx, width)).toBe(r0 === 0 ? 0 : borderPosition(r0 * nx, ny, nx, width));
      expect(borderPixels(0, r0, ny, nx, width) + borderPixels(r0, ny, ny, nx, width)).toBe(borderPixels(0, ny, ny, nx, width));
    }
  });
});
