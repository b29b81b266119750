/**
 * jump's sigma-clipping detector (many integrations, spec §7): our step against stcal 1.20.0 on
 * the synthetic cases of tests/oracle/jump_sigclip_oracle.py (GROUPDQ, PIXELDQ and the primary
 * CR count, bit for bit, in this thread and with 1-3 workers), hand-made cases through the
 * kernel, and tiled == untiled.
 */
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Header, type FitsFile } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { pixel } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { jumpSigmaClip } from '../../../ts/kernels/jump.js';
import { KernelParameterError, KernelShapeError } from '../../../ts/kernels/errors.js';
import type { KernelArray, TileShape } from '../../../ts/kernels/arrays.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import { jumpStep, type JumpStepOptions } from '../../../ts/steps/jump.js';
import { random } from '../../helpers/random.js';
import { fitsInMemory } from '../../helpers/fits.js';
import { expectTiledEqualsUntiled } from './tiled-equivalence.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { JUMP_DET: JUMP, DO_NOT_USE: DNU, SATURATED: SAT } = pixel;

beforeAll(async () => {
  await loadKernels();
});

interface OracleCase {
  name: string;
  seed: number;
  shape: [number, number, number, number];
  only_use_ints: boolean;
  nframes: number;
  flag_4_neighbors: boolean;
  after: [number, number, number, number];
  reset_plane: [number, number] | null;
  groupdq: string;
  pixeldq: string;
  primary_crs: number;
  jump_groups: number;
}

const oracle = JSON.parse(readFileSync(join(root, 'tests/golden/jump_sigclip.json'), 'utf8')) as { group_time: number; cases: OracleCase[] };

/** The oracle script's `make_inputs`, draw for draw (mulberry32; only exact float64 arithmetic). */
function oracleInputs(c: OracleCase) {
  const [nints, ngroups, rows, cols] = c.shape;
  const rand = random(c.seed);
  const plane = rows * cols;
  const gain = Float32Array.from({ length: plane }, () => (rand() < 0.02 ? NaN : 1.5 + rand()));
  const readnoise = Float32Array.from({ length: plane }, () => 5 + 10 * rand());
  const rate = Array.from({ length: plane }, () => 50 * rand());
  const data = new Float32Array(nints * ngroups * plane);
  const groupdq = new Uint8Array(data.length);
  for (let i = 0; i < nints; i++) {
    for (let p = 0; p < plane; p++) {
      let level = 1000 * rand();
      for (let g = 0; g < ngroups; g++) {
        const k = (i * ngroups + g) * plane + p;
        if (g > 0 && rand() < 0.02) {
          const u = rand();
          level += 3000 * u * u;
        }
        level += 4 * Math.floor((rate[p] + 8 * (rand() - 0.5)) / 4);
        data[k] = rand() < 0.003 ? NaN : level;
        const r = rand();
        groupdq[k] = r < 0.01 ? SAT : r < 0.02 ? DNU : r < 0.025 ? JUMP : 0;
      }
    }
  }
  if (c.reset_plane) {
    const [i, g] = c.reset_plane;
    const start = (i * ngroups + g) * plane;
    for (let p = 0; p < plane; p++) groupdq[start + p] = p % 3 === 0 ? JUMP : DNU;
  }
  return { data, groupdq, gain, readnoise };
}

function referenceFile(name: string, data: Float32Array, rows: number, cols: number): Promise<FitsFile> {
  return fitsInMemory(name, [
    { kind: 'image', header: new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', cols).set('SUBSIZE2', rows) },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data, shape: [rows, cols] },
  ]);
}

async function oracleRun(c: OracleCase, pool?: KernelPool) {
  const [, , rows, cols] = c.shape;
  const inputs = oracleInputs(c);
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM' });
  Object.assign(meta.subarray, { xstart: 1, ystart: 1, xsize: cols, ysize: rows });
  Object.assign(meta.exposure, { nframes: c.nframes, groupTime: oracle.group_time });
  const ramp: RampModel = createRampModel({ meta, shape: c.shape, data: inputs.data, groupdq: inputs.groupdq, pixeldq: new Uint32Array(rows * cols) });
  const refs = { gain: await referenceFile('gain.fits', inputs.gain, rows, cols), readnoise: await referenceFile('readnoise.fits', inputs.readnoise, rows, cols) };
  const [afterJumpFlagDn1, afterJumpFlagTime1, afterJumpFlagDn2, afterJumpFlagTime2] = c.after;
  const options: Partial<JumpStepOptions> = {
    onlyUseInts: c.only_use_ints,
    flag4Neighbors: c.flag_4_neighbors,
    afterJumpFlagDn1,
    afterJumpFlagTime1,
    afterJumpFlagDn2,
    afterJumpFlagTime2,
  };
  const log: string[] = [];
  const result = await jumpStep(ramp, refs, { pool, log: (_, m) => log.push(m) }, options);
  return { ramp, result, log };
}

const sha = (a: KernelArray) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);
const jumpCount = (groupdq: Uint8Array) => groupdq.reduce((n, f) => n + (f & JUMP ? 1 : 0), 0);

describe('jump sigma clipping equals stcal (tests/golden/jump_sigclip.json)', () => {
  for (const c of oracle.cases) {
    it(`${c.name}: ${c.shape.join('x')}, only_use_ints ${c.only_use_ints}`, async () => {
      const { ramp, result, log } = await oracleRun(c);
      expect(log.some((m) => /sigma clipping/.test(m))).toBe(true);
      expect({ jumpGroups: jumpCount(ramp.groupdq), primaryCrs: result.primaryCrs }).toEqual({ jumpGroups: c.jump_groups, primaryCrs: c.primary_crs });
      expect(sha(ramp.groupdq)).toBe(c.groupdq);
      expect(sha(ramp.pixeldq)).toBe(c.pixeldq);
    });
  }

  it('the plane reset case has work to do: its preset JUMP-only pixels end at 0', async () => {
    const c = oracle.cases.find((x) => x.reset_plane)!;
    const [, ngroups, rows, cols] = c.shape;
    const [i, g] = c.reset_plane!;
    const { ramp } = await oracleRun(c);
    const plane = ramp.groupdq.subarray((i * ngroups + g) * rows * cols, (i * ngroups + g + 1) * rows * cols);
    expect([...plane].filter((f, p) => p % 3 === 0 && f === 0).length).toBe(Math.ceil((rows * cols) / 3));
  });
});

describe('jump sigma clipping with workers', () => {
  let pools: typeof PoolApi;
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/pool/node-worker.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
    pools = await import(join(root, 'dist/pool/node.js'));
  });

  it('the step gives stcal bytes with 1, 2 and 3 workers', async () => {
    for (const size of [1, 2, 3]) {
      const pool = await pools.createNodePool({ size });
      try {
        for (const c of oracle.cases) {
          const { ramp } = await oracleRun(c, pool);
          expect(sha(ramp.groupdq), `${c.name}, ${size} workers`).toBe(c.groupdq);
          expect(sha(ramp.pixeldq), `${c.name}, ${size} workers`).toBe(c.pixeldq);
        }
      } finally {
        await pool.destroy();
      }
    }
  });

  it('the kernel, tiled == untiled in bands of 1-16 rows (both clipping axes)', async () => {
    // A smaller exposure of the first case's recipe: the byte comparisons dominate the time.
    const c: OracleCase = { ...oracle.cases[0], shape: [100, 3, 7, 4] };
    const [nints, ngroups, rows, cols] = c.shape;
    const { data, groupdq, gain } = oracleInputs(c);
    for (const onlyUseInts of [true, false]) {
      const checked = await expectTiledEqualsUntiled('jumpSigmaClip', { data, groupdq, gain }, { nints, ngroups, rows, cols }, { rejectionThreshold: 4, onlyUseInts }, [1, 2, 3, 5, 16]);
      expect(checked).toContain('3w/1');
    }
  }, 120_000);
});

/** `nints` integrations of one row of pixels ramping by 10 DN per group; gain 1. */
function flatRamps(nints: number, ngroups: number, cols: number) {
  const shape: TileShape = { nints, ngroups, rows: 1, cols };
  const data = new Float32Array(nints * ngroups * cols);
  for (let i = 0; i < nints; i++) for (let g = 0; g < ngroups; g++) for (let p = 0; p < cols; p++) data[(i * ngroups + g) * cols + p] = 10 * g + ((i * 7 + g * 3 + p) % 5);
  return { shape, arrays: { data, groupdq: new Uint8Array(data.length), gain: new Float32Array(cols).fill(1) } };
}

describe('jump sigma clipping kernel', () => {
  const at = (shape: TileShape, i: number, g: number, p: number) => (i * shape.ngroups + g) * shape.rows * shape.cols + p;

  it('flags a jump far outside the spread of its difference across integrations, not at SAT/DNU groups', () => {
    const { shape, arrays } = flatRamps(40, 4, 3);
    // Pixel 0: +500 DN from group 2 of integration 7. Pixel 1: the same jump, but group 2 is SATURATED.
    for (const p of [0, 1]) for (let g = 2; g < 4; g++) arrays.data[at(shape, 7, g, p)] += 500;
    arrays.groupdq[at(shape, 7, 2, 1)] = SAT;
    jumpSigmaClip(arrays, shape, { rejectionThreshold: 4, onlyUseInts: true });
    const flagged = [...arrays.groupdq.keys()].filter((k) => arrays.groupdq[k] & JUMP);
    expect(flagged).toEqual([at(shape, 7, 2, 0)]);
  });

  it('all differences together: a jump in one integration is measured against every difference', () => {
    const { shape, arrays } = flatRamps(30, 5, 2);
    for (let g = 3; g < 5; g++) arrays.data[at(shape, 4, g, 1)] += 80;
    const together = { data: arrays.data, groupdq: arrays.groupdq.slice(), gain: arrays.gain };
    jumpSigmaClip(together, shape, { rejectionThreshold: 4, onlyUseInts: false });
    expect([...together.groupdq.keys()].filter((k) => together.groupdq[k] & JUMP)).toEqual([at(shape, 4, 3, 1)]);
  });

  it('rejects bad shapes and thresholds with typed errors', () => {
    const { shape, arrays } = flatRamps(3, 3, 2);
    expect(() => jumpSigmaClip({ ...arrays, gain: new Float32Array(3) }, shape, { rejectionThreshold: 4, onlyUseInts: true })).toThrow(KernelShapeError);
    expect(() => jumpSigmaClip(arrays, shape, { rejectionThreshold: NaN, onlyUseInts: true })).toThrow(KernelParameterError);
  });
});
