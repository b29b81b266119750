import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Header } from '../../../ts/io/fits/index.js';
import { writeFitsFile } from '../../../ts/io/fits/node.js';

// The CLI runs from the build (`make test` builds dist/ before vitest), as users run it.
const cli = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'detector1-preview-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'preview', ...args], { encoding: 'utf8' });

/** Width, height, channels and top-down rows of a PNG written with filter type 0. */
function readPng(path: string) {
  const png = readFileSync(path);
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  const channels = png[25] === 2 ? 3 : 1;
  const idatLength = png.readUInt32BE(33);
  expect(png.subarray(37, 41).toString('latin1')).toBe('IDAT');
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  const stride = width * channels;
  const rows = Array.from({ length: height }, (_, r) => [...raw.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1))]);
  return { width, height, channels, rows };
}

const rows = 16;
const cols = 16;
/** Row r, column c holds 16 r + c (0..255), so rows are easy to tell apart; (0, 1) is NaN. */
const ramp = Float32Array.from({ length: rows * cols }, (_, i) => (i === 1 ? NaN : i));
const rate = join(work, 'ramp_rate.fits');
const cube = join(work, 'cube_rateints.fits');
const allNan = join(work, 'nan_rate.fits');
const table = join(work, 'table.fits');

beforeAll(async () => {
  const sci = (data: Float32Array, shape: number[]) => ({ kind: 'image' as const, header: new Header().set('EXTNAME', 'SCI'), data, shape });
  await writeFitsFile(rate, [{ kind: 'image', header: new Header() }, sci(ramp, [rows, cols])]);
  // Integration 1 is integration 0 upside down.
  const flipped = Float32Array.from({ length: rows * cols }, (_, i) => ramp[(rows - 1 - Math.floor(i / cols)) * cols + (i % cols)]);
  const planes = new Float32Array(2 * rows * cols);
  planes.set(ramp);
  planes.set(flipped, rows * cols);
  await writeFitsFile(cube, [{ kind: 'image', header: new Header() }, sci(planes, [2, rows, cols])]);
  await writeFitsFile(allNan, [{ kind: 'image', header: new Header() }, sci(new Float32Array(64).fill(NaN), [8, 8])]);
  await writeFitsFile(table, [
    { kind: 'image', header: new Header() },
    { kind: 'bintable', header: new Header().set('EXTNAME', 'SCI'), columns: [{ name: 'A', format: 'E', data: new Float32Array(2) }], nrows: 2 },
  ]);
});

describe.skipIf(!existsSync(cli))('detector1 preview', () => {
  /**
   * CASE: minmax + linear on 0..255 (NaN at (0, 1)): vmin 0, vmax 255, byte = floor(v / 255 * 256)
   * capped at 255; the PNG's first row is the image's last (FITS row 0 at the bottom).
   */
  it('draws minmax/linear bytes by hand, last image row first, NaN black', () => {
    const out = join(work, 'linear.png');
    const result = run(rate, '-o', out, '--interval', 'minmax', '--stretch', 'linear');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/16 x 16 gray PNG of ramp_rate\.fits SCI/);
    expect(result.stdout).toMatch(/minmax limits 0 255, linear, 1 NaN pixels/);
    const png = readPng(out);
    expect([png.width, png.height, png.channels]).toEqual([16, 16, 1]);
    const expected = (v: number) => Math.min(255, Math.floor((v / 255) * 256));
    expect(png.rows[0]).toEqual(Array.from({ length: 16 }, (_, c) => expected(240 + c)));
    expect(png.rows[15]).toEqual([0, 0, ...Array.from({ length: 14 }, (_, c) => expected(c + 2))]);
  });

  it('picks the integration of a 3-D cube (0-based, default 0)', () => {
    const first = readPngAfter(cube, 'first.png');
    const second = readPngAfter(cube, 'second.png', '--integration', '1');
    expect(second.rows).toEqual([...first.rows].reverse());
    const outOfRange = run(cube, '-o', join(work, 'x.png'), '--integration', '2');
    expect(outOfRange.status).toBe(1);
    expect(outOfRange.stderr).toMatch(/has 2 integrations; --integration 2 is out of range/);
  });

  it('draws NaN in RGB when the colour is not a gray', () => {
    const png = readPngAfter(rate, 'red.png', '--nan-color', 'red', '--interval', 'minmax');
    expect(png.channels).toBe(3);
    expect(png.rows[15].slice(3, 6)).toEqual([255, 0, 0]);
    expect(png.rows[15].slice(0, 3)).toEqual([0, 0, 0]);
    // Gray colours stay gray PNGs.
    expect(readPngAfter(rate, 'white.png', '--nan-color', '#ffffff').channels).toBe(1);
  });

  it('block-averages with --size (zscale limits still from the full image)', () => {
    const out = join(work, 'small.png');
    const full = run(rate, '-o', join(work, 'full.png'));
    const small = run(rate, '-o', out, '--size', '5');
    expect(small.status).toBe(0);
    // ceil(16 / 5) = 4: 4 x 4 blocks of 4 x 4 pixels.
    expect(small.stdout).toMatch(/4 x 4 gray PNG of ramp_rate\.fits SCI, block-averaged 4x4/);
    const limits = (text: string) => /zscale limits (\S+) (\S+)/.exec(text)!.slice(1);
    expect(limits(small.stdout)).toEqual(limits(full.stdout));
    expect(readPng(out).rows.length).toBe(4);
  });

  it('exits 1 naming the problem for files it cannot draw', () => {
    const notFits = join(work, 'notfits.fits');
    writeFileSync(notFits, 'not a FITS file'.padEnd(2880, ' '));
    const cases: [string[], RegExp][] = [
      [[notFits], /notfits\.fits/],
      [[rate, '--ext', 'ERR'], /ramp_rate\.fits: no ERR extension/],
      [[table], /table\.fits: SCI is a table, not an image/],
      [[rate, '--ext', '0'], /ramp_rate\.fits: PRIMARY has shape \(\)/],
      [[allNan], /nan_rate\.fits: SCI has no finite pixel \(all NaN or infinite\)/],
      [[rate, '--integration', '0'], /SCI is 2-D; --integration is for 3-D/],
    ];
    for (const [args, message] of cases) {
      const result = run(...args, '-o', join(work, 'fail.png'));
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(message);
    }
    expect(existsSync(join(work, 'fail.png'))).toBe(false);
  });

  it('exits 2 with usage on bad arguments', () => {
    for (const [args, message] of [
      [[rate], /needs -o OUT\.png/],
      [[rate, '-o', 'x.png', '--interval', 'percentile:0'], /--interval must be/],
      [[rate, '-o', 'x.png', '--stretch', 'log'], /--stretch must be asinh or linear/],
      [[rate, '-o', 'x.png', '--nan-color', 'mauve'], /--nan-color must be/],
      [[rate, '-o', 'x.png', '--size', '0'], /--size must be an integer >= 1/],
      [[rate, '-o', 'x.png', '--frobnicate'], /Unknown option/],
    ] as [string[], RegExp][]) {
      const result = run(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/detector1 preview <file\.fits>/);
    }
  });
});

function readPngAfter(input: string, name: string, ...args: string[]) {
  const out = join(work, name);
  const result = run(input, '-o', out, ...args);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return readPng(out);
}
