/**
 * jwst's x_irs2 layout helpers (ts/steps/x-irs2.ts) and the ipc step on an IRS2 frame: normal rows
 * out and back, reference rows untouched, and the same bytes in this thread and with pools of
 * 1, 2 and 3 workers (the convolution of the extracted 2048 x 2048 frame runs on row bands).
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { Header } from '../../../ts/io/fits/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import { ipcStep } from '../../../ts/steps/ipc.js';
import { irs2NormalMask } from '../../../ts/steps/refpix-irs2.js';
import { gatherRows, irs2NormalRows, scatterRows, xIrs2NormalMask } from '../../../ts/steps/x-irs2.js';
import { fitsInMemory } from '../../helpers/fits.js';
import { random } from '../../helpers/random.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const [ROWS, COLS] = [3200, 2048];

function irs2Ramp(detector: string, ngroups: number): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRSPEC', detector });
  Object.assign(meta.exposure, { nrsNormal: 16, nrsReference: 4 });
  Object.assign(meta.subarray, { name: 'FULL', xstart: 1, ystart: 1, xsize: 2048, ysize: 2048 });
  const next = random(5);
  const n = ngroups * ROWS * COLS;
  return createRampModel({ meta, shape: [1, ngroups, ROWS, COLS], data: Float32Array.from({ length: n }, () => 1000 + next() * 100), pixeldq: new Uint32Array(ROWS * COLS), groupdq: new Uint8Array(n) });
}

describe('x_irs2 layout', () => {
  it('normal rows are those of make_irs2_mask, backwards for NRS2', () => {
    expect(Array.from(xIrs2NormalMask(ROWS, 16, 4))).toEqual(Array.from(irs2NormalMask(ROWS, 16, 4)));
    const nrs1 = irs2NormalRows(irs2Ramp('NRS1', 1));
    const nrs2 = irs2NormalRows(irs2Ramp('NRS2', 1));
    expect(nrs1.length).toBe(2048);
    expect(nrs1[0]).toBe(640);
    expect(Array.from(nrs2)).toEqual(Array.from(nrs1, (r) => ROWS - 1 - r).reverse());
  });

  it('gathers and scatters rows losslessly', () => {
    const keep = Int32Array.from([3, 0, 2]);
    const source = Float32Array.from({ length: 2 * 4 * 2 }, (_, i) => i);
    const normal = gatherRows(source, 2, 4, 2, keep);
    expect(Array.from(normal)).toEqual([6, 7, 0, 1, 4, 5, 14, 15, 8, 9, 12, 13]);
    const target = new Float32Array(16);
    scatterRows(target, normal, 2, 4, 2, keep);
    expect(Array.from(target)).toEqual(Array.from(source, (v, i) => (Math.floor(i / 2) % 4 === 1 ? 0 : v)));
  });
});

describe('ipc on IRS2 frames', () => {
  let pools: typeof PoolApi;
  const opened: KernelPool[] = [];
  beforeAll(async () => {
    await loadKernels();
    if (!existsSync(join(root, 'dist/pool/node-worker.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
    pools = await import(join(root, 'dist/pool/node.js'));
  });
  afterAll(async () => {
    for (const pool of opened) await pool.destroy();
  });

  it('convolves the normal rows only; 1-3 workers give the bytes of this thread', async () => {
    const kernel = Float32Array.from([0, -0.01, 0, -0.02, 1.06, -0.01, 0, -0.02, 0]);
    const reference = () => fitsInMemory('ipc.fits', [{ kind: 'image', header: new Header() }, { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: kernel, shape: [3, 3] }]);
    const untiled = irs2Ramp('NRS2', 2);
    const raw = untiled.data.slice();
    expect(await ipcStep(untiled, await reference())).toBe('COMPLETE');
    const normal = new Set(irs2NormalRows(untiled));
    const changedRows = new Set<number>();
    for (let i = 0; i < raw.length; i++) if (raw[i] !== untiled.data[i]) changedRows.add(Math.floor(i / COLS) % ROWS);
    expect([...changedRows].every((r) => normal.has(r))).toBe(true);
    expect(changedRows.size).toBe(2048 - 8);
    for (const size of [1, 2, 3]) {
      const pool = await pools.createNodePool({ size });
      opened.push(pool);
      const tiled = irs2Ramp('NRS2', 2);
      await ipcStep(tiled, await reference(), { pool });
      expect(Buffer.from(tiled.data.buffer).equals(Buffer.from(untiled.data.buffer)), `${size} workers`).toBe(true);
    }
  }, 120_000);
});
