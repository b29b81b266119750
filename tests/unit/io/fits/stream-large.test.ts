import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Header, encodeFits, FitsError } from '../../../../ts/io/fits/index.js';
import { writeFitsFile } from '../../../../ts/io/fits/node.js';

const dir = mkdtempSync(join(tmpdir(), 'fits-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFitsFile streams large images in slices', () => {
  // More pixels than one streaming slice (2^20), with an uneven last slice.
  const data = Float32Array.from({ length: 5 * 450_001 }, (_, i) => Math.sin(i) * 1e4);
  const hdus = [
    { kind: 'image' as const, header: new Header().set('INSTRUME', 'NIRCAM') },
    { kind: 'image' as const, header: new Header().set('EXTNAME', 'SCI'), data, shape: [1, data.length / 5, 5] },
  ];

  it('writes the same bytes as encodeFits, checksums included', async () => {
    const path = join(dir, 'big.fits');
    await writeFitsFile(path, hdus);
    const expected = Buffer.concat(encodeFits(hdus, { name: path }));
    expect(readFileSync(path).equals(expected)).toBe(true);
  });

  it('rejects a shape that does not match the data and leaves no file behind', async () => {
    const path = join(dir, 'bad.fits');
    const bad = [hdus[0], { ...hdus[1], shape: [2, data.length / 5, 5] }];
    await expect(writeFitsFile(path, bad)).rejects.toThrow(FitsError);
    await expect(writeFitsFile(path, bad)).rejects.toThrow(/does not match/);
    expect(readdirSync(dir).filter((f) => f.includes('bad'))).toEqual([]);
  });
});
