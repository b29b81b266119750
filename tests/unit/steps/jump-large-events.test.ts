/**
 * jump with snowballs and MIRI showers (spec/steps/jump.md §8): stcal 1.20's own output on
 * synthetic exposures (tests/oracle/jump_large_events_oracle.py; small cases committed in
 * tests/golden/jump_large_events, large ones written locally to tests/oracle/out), jwst 3.0.0's
 * `jump_large_events` golden products, the step with 1-3 workers, integration slices with the
 * snowball-core carry-over, and typed errors for bad parameters.
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Header, type FitsFile } from '../../../ts/io/fits/index.js';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openFits, readRamp } from '../../../ts/datamodels/node.js';
import { pixel } from '../../../ts/dq/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { flagShowers, flagSnowballs, type ShowerParams, type SnowballParams } from '../../../ts/kernels/jump-large-events.js';
import { KernelParameterError, KernelShapeError } from '../../../ts/kernels/errors.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import { jumpLargeEvents, jumpStep, JumpStepError, type JumpCarry, type JumpStepOptions } from '../../../ts/steps/jump.js';
import { compareArrays, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { fitsInMemory } from '../../helpers/fits.js';
import { listCases, readNpy } from './ramp-fit-oracle-data.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const JUMP = pixel.JUMP_DET;
const SAT = pixel.SATURATED;

beforeAll(async () => {
  await loadKernels();
});

function referenceFile(name: string, data: Float32Array, rows: number, cols: number): Promise<FitsFile> {
  return fitsInMemory(name, [
    { kind: 'image', header: new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', cols).set('SUBSIZE2', rows) },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data, shape: [rows, cols] },
  ]);
}

interface Exposure {
  ramp: RampModel;
  gain: Float32Array;
  readnoise: Float32Array;
}

function exposure(shape: [number, number, number, number], data: Float32Array, groupdq: Uint8Array, pixeldq: Uint32Array, groupTime: number, nframes: number, instrument = 'NIRCAM'): RampModel {
  const [, , rows, cols] = shape;
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: instrument });
  Object.assign(meta.subarray, { xstart: 1, ystart: 1, xsize: cols, ysize: rows });
  Object.assign(meta.exposure, { nframes, groupTime });
  return createRampModel({ meta, shape, data, groupdq, pixeldq });
}

async function references(e: Exposure) {
  const [, , rows, cols] = e.ramp.shape;
  return { gain: await referenceFile('gain.fits', e.gain, rows, cols), readnoise: await referenceFile('readnoise.fits', e.readnoise, rows, cols) };
}

/** jwst option names (snake_case) of params.json to our camelCase options. */
function stepOptions(options: Record<string, number | boolean>): Partial<JumpStepOptions> {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), v]));
}

interface OracleCase {
  name: string;
  shape: [number, number, number, number];
  groupTime: number;
  nframes: number;
  options: Partial<JumpStepOptions>;
  primaryCrs: number;
  extendedEvents: number;
  exposure: () => Exposure;
  groupdq: Uint8Array;
  pixeldq: Uint32Array;
}

function loadOracle(dir: string, name: string): OracleCase {
  const caseDir = join(dir, name);
  const params = JSON.parse(readFileSync(join(caseDir, 'params.json'), 'utf8')) as {
    shape: [number, number, number, number];
    group_time: number;
    nframes: number;
    options: Record<string, number | boolean>;
    primary_crs: number;
    extended_events: number;
  };
  const load = (stem: string) => readNpy(join(caseDir, `${stem}.npy`)).data;
  return {
    name,
    shape: params.shape,
    groupTime: params.group_time,
    nframes: params.nframes,
    options: stepOptions(params.options),
    primaryCrs: params.primary_crs,
    extendedEvents: params.extended_events,
    exposure: () => ({
      ramp: exposure(params.shape, load('data') as Float32Array, load('groupdq') as Uint8Array, load('pixeldq') as Uint32Array, params.group_time, params.nframes),
      gain: load('gain') as Float32Array,
      readnoise: load('readnoise') as Float32Array,
    }),
    groupdq: load('groupdq_out') as Uint8Array,
    pixeldq: load('pixeldq_out') as Uint32Array,
  };
}

const oracleDirs = [join(root, 'tests/golden/jump_large_events'), join(root, 'tests/oracle/out/jump_large_events')];

describe('jump large events equal stcal on synthetic exposures', () => {
  for (const dir of oracleDirs) {
    const cases = listCases(dir);
    if (cases.length === 0) {
      it.skip(`${dir}: not generated (tests/oracle/jump_large_events_oracle.py --scale large)`, () => {});
      continue;
    }
    for (const name of cases) {
      it(`${dir.endsWith('out/jump_large_events') ? 'large' : 'small'}/${name}`, async () => {
        const c = loadOracle(dir, name);
        const e = c.exposure();
        const inputGroupdq = e.ramp.groupdq.slice();
        const result = await jumpStep(e.ramp, await references(e), {}, c.options);
        const groupdq = compareArrays('GROUPDQ', e.ramp.groupdq, c.groupdq);
        const pixeldq = compareArrays('PIXELDQ', e.ramp.pixeldq, c.pixeldq);
        const jumps = (a: Uint8Array) => a.reduce((n, f) => n + (f & JUMP ? 1 : 0), 0);
        console.info(
          `jump large events ${name}: stcal ${c.extendedEvents} events, ${jumps(c.groupdq) - jumps(inputGroupdq)} new JUMP groups; ` +
            `GROUPDQ mismatches ${groupdq.outside}/${groupdq.count}`,
          groupdq.examples,
        );
        expect(result.primaryCrs).toBe(c.primaryCrs);
        expect(result.extendedEvents).toBe(c.extendedEvents);
        expect(pixeldq.outside).toBe(0);
        expect(groupdq.fractionOutside).toBeLessThanOrEqual(1e-4);
      });
    }
  }
});

/** The snowballs of the first oracle case must not be a no-op for the tests below to mean anything. */
function nirCase(): OracleCase {
  return loadOracle(oracleDirs[0], 'nir_snowballs');
}

describe('jump step with large events: workers and integration slices', () => {
  let pools: typeof PoolApi;
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/pool/node-worker.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
    pools = await import(join(root, 'dist/pool/node.js'));
  });

  it('1, 2 and 3 workers give the in-thread result (two-point bands, then whole-frame events)', async () => {
    const c = nirCase();
    const inThread = c.exposure();
    await jumpStep(inThread.ramp, await references(inThread), {}, c.options);
    for (const size of [1, 2, 3]) {
      const pool = (await pools.createNodePool({ size })) as KernelPool & { destroy(): Promise<void> };
      try {
        const e = c.exposure();
        await jumpStep(e.ramp, await references(e), { pool }, c.options);
        expect(e.ramp.groupdq, `${size} workers`).toEqual(inThread.ramp.groupdq);
        expect(e.ramp.pixeldq).toEqual(inThread.ramp.pixeldq);
      } finally {
        await pool.destroy();
      }
    }
  });

  it('showers with the noise model on 1 and 2 workers (bands of rows) give the in-thread result', async () => {
    const c = loadOracle(oracleDirs[0], 'miri_showers_ints');
    const inThread = c.exposure();
    const expected = await jumpStep(inThread.ramp, await references(inThread), {}, c.options);
    expect(expected.extendedEvents).toBeGreaterThan(0);
    for (const size of [1, 2]) {
      const pool = (await pools.createNodePool({ size })) as KernelPool & { destroy(): Promise<void> };
      try {
        const e = c.exposure();
        const result = await jumpStep(e.ramp, await references(e), { pool }, c.options);
        expect(e.ramp.groupdq, `${size} workers`).toEqual(inThread.ramp.groupdq);
        expect(result.extendedEvents).toBe(expected.extendedEvents);
      } finally {
        await pool.destroy();
      }
    }
  });

  it('showers searched by integrations on 1, 2 and 3 workers (ramp shared or copied) give the in-thread flags and stcal count', async () => {
    const toShared = <T extends Uint8Array | Uint32Array | Float32Array>(array: T): T => {
      const copy = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(array.byteLength));
      copy.set(array as never);
      return copy;
    };
    // Unclipped (3 integrations) and sigma-clipped (12: its noise model made by row bands on the pool).
    for (const name of ['miri_showers_ints', 'miri_showers_sigclip']) {
      const c = loadOracle(oracleDirs[0], name);
      const inThread = c.exposure();
      const expected = await jumpStep(inThread.ramp, await references(inThread), {}, c.options);
      expect(expected.extendedEvents, name).toBe(c.extendedEvents);
      for (const size of [1, 2, 3]) {
        const pool = (await pools.createNodePool({ size })) as KernelPool & { destroy(): Promise<void> };
        try {
          for (const shared of [true, false]) {
            const e = c.exposure();
            if (shared) Object.assign(e.ramp, { data: toShared(e.ramp.data), groupdq: toShared(e.ramp.groupdq), pixeldq: toShared(e.ramp.pixeldq) });
            const result = await jumpStep(e.ramp, await references(e), { pool }, c.options);
            const what = `${name}, ${size} workers, ${shared ? 'shared' : 'copied'}`;
            expect(e.ramp.groupdq, what).toEqual(inThread.ramp.groupdq);
            expect(e.ramp.groupdq, `${what} vs stcal`).toEqual(c.groupdq);
            expect(result.extendedEvents, what).toBe(c.extendedEvents);
          }
        } finally {
          await pool.destroy();
        }
      }
    }
  });

  it('the two-point pass, then jumpLargeEvents on whole frames, equals the step with both', async () => {
    for (const name of ['nir_snowballs_three_ints', 'miri_showers_ints']) {
      const c = loadOracle(oracleDirs[0], name);
      const both = c.exposure();
      const bothResult = await jumpStep(both.ramp, await references(both), {}, c.options);
      const split = c.exposure();
      await jumpStep(split.ramp, await references(split), {}, { ...c.options, expandLargeEvents: false, findShowers: false });
      const events = await jumpLargeEvents(split.ramp, await references(split), {}, c.options);
      expect(split.ramp.groupdq, name).toEqual(both.ramp.groupdq);
      expect(events.extendedEvents).toBe(bothResult.extendedEvents);
      expect(events.extendedEvents).toBeGreaterThan(0);
    }
  });

  /**
   * Integrations one at a time equal the whole exposure when the snowball cores are carried
   * over. The ramps are flat (no two-point detections, whose medians use every integration):
   * the snowballs come from JUMP and SATURATED flags already in GROUPDQ.
   */
  it('slices of one integration with result.carry equal the whole exposure', async () => {
    const [nints, ngroups, rows, cols] = [3, 6, 64, 64];
    const plane = rows * cols;
    const groupdq = new Uint8Array(nints * ngroups * plane);
    const disc = (int: number, g: number, row: number, col: number, radius: number, flag: number) => {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          if ((r - row) ** 2 + (c - col) ** 2 <= radius ** 2) groupdq[(int * ngroups + g) * plane + r * cols + c] |= flag;
        }
      }
    };
    for (const [int, row, col] of [[0, 30, 30], [1, 20, 40], [2, 40, 20]]) {
      disc(int, 2, row, col, 7, JUMP);
      for (let g = 2; g < ngroups; g++) disc(int, g, row, col, 4, SAT);
    }
    for (let i = 0; i < groupdq.length; i++) if (groupdq[i] & SAT) groupdq[i] &= ~JUMP;
    const make = (ints: number, offset: number) =>
      exposure(
        [ints, ngroups, rows, cols],
        new Float32Array(ints * ngroups * plane).fill(100),
        groupdq.slice(offset * ngroups * plane, (offset + ints) * ngroups * plane),
        new Uint32Array(plane),
        10,
        1,
      );
    const refs = { ramp: make(1, 0), gain: new Float32Array(plane).fill(2), readnoise: new Float32Array(plane).fill(5) };
    const options = { expandLargeEvents: true, edgeSize: 5, snowballTimeMaskedNextInt: 30 };
    const whole = make(nints, 0);
    const wholeResult = await jumpStep(whole, await references(refs), {}, options);
    expect(wholeResult.extendedEvents).toBe(3);
    // The cores of integration 0 are flagged in groups 1-2 of integration 1 (30 s // 10 s = 3).
    expect(whole.groupdq[(1 * ngroups + 1) * plane + 30 * cols + 30]).toBe(JUMP);
    expect(whole.groupdq[(1 * ngroups + 3) * plane + 30 * cols + 30]).toBe(0);

    let carry: JumpCarry | undefined;
    for (let int = 0; int < nints; int++) {
      const slice = make(1, int);
      const result = await jumpStep(slice, await references(refs), { integrationOffset: int }, options, undefined, carry);
      expect(slice.groupdq, `integration ${int}`).toEqual(whole.groupdq.subarray(int * ngroups * plane, (int + 1) * ngroups * plane));
      carry = result.carry;
    }
    expect(carry?.snowballCores).toEqual(wholeResult.carry?.snowballCores);
    await expect(jumpStep(make(1, 1), await references(refs), { integrationOffset: 1 }, options)).rejects.toThrow(/result\.carry/);
  });
});

describe('jump large events: parameters and typed errors', () => {
  const snowballs: SnowballParams = {
    minSatArea: 1,
    minJumpArea: 5,
    expandFactor: 2,
    satRequiredSnowball: true,
    minSatRadiusExtend: 2.5,
    satExpand: 4,
    edgeSize: 25,
    maxExtendedWidth: 400,
    persistGroups: 0,
  };
  const showers: ShowerParams = {
    extendSnrThreshold: 1.2,
    extendMinArea: 90,
    extendInnerRadius: 1,
    ringWidth: 2.6,
    extendEllipseExpandRatio: 1.1,
    maxExtendedWidth: 400,
    groupsMaskedAfter: 5,
    maxShowerAmplitude: 16.65,
    nframes: 1,
    minimumSigclipGroups: 100,
  };
  const shape = { nints: 1, ngroups: 3, rows: 4, cols: 4 };

  it('kernels reject bad shapes and parameters', () => {
    const arrays = { groupdq: new Uint8Array(48), coresBefore: new Uint8Array(0), coresAfter: new Uint8Array(16) };
    expect(flagSnowballs(arrays, shape, snowballs)).toBe(0);
    expect(() => flagSnowballs({ ...arrays, coresBefore: new Uint8Array(3) }, shape, snowballs)).toThrow(KernelShapeError);
    expect(() => flagSnowballs(arrays, shape, { ...snowballs, expandFactor: NaN })).toThrow(KernelParameterError);
    expect(() => flagSnowballs(arrays, shape, { ...snowballs, persistGroups: -1 })).toThrow(KernelParameterError);
    expect(() => flagSnowballs(arrays, shape, { ...snowballs, expandFactor: 0 })).toThrow(/expand_factor/);
    const showerArrays = { data: new Float32Array(48), groupdq: new Uint8Array(48), pixeldq: new Uint32Array(16), gain: new Float32Array(16), readnoise: new Float32Array(16) };
    expect(flagShowers(showerArrays, shape, showers)).toBe(0);
    expect(() => flagShowers({ ...showerArrays, gain: new Float32Array(15) }, shape, showers)).toThrow(KernelShapeError);
    expect(() => flagShowers(showerArrays, shape, { ...showers, ringWidth: 0 })).toThrow(/ring_width/);
    expect(() => flagShowers(showerArrays, shape, { ...showers, nframes: 0 })).toThrow(KernelParameterError);
  });

  it('showers with the noise model in bands of rows equal one band', () => {
    // 6 integrations x 12 groups of 48 x 40: noisy ramps, a faint disc from group 6 of the
    // first integration, a few flags.
    const [nints, ngroups, rows, cols] = [6, 12, 48, 40];
    const plane = rows * cols;
    let seed = 5;
    const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
    const data = new Float32Array(nints * ngroups * plane);
    const groupdq = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const [g, p] = [Math.floor(i / plane) % ngroups, i % plane];
      const [r, c] = [Math.floor(p / cols), p % cols];
      const disc = i < ngroups * plane && g >= 6 && (r - 24) ** 2 + (c - 20) ** 2 <= 100;
      data[i] = 10 * g + 6 * (rnd() - 0.5) + (disc ? 8 : 0);
      if (rnd() < 0.01) groupdq[i] = rnd() < 0.5 ? JUMP : SAT;
    }
    const arrays = () => ({ data, groupdq: groupdq.slice(), pixeldq: new Uint32Array(plane), gain: new Float32Array(plane).fill(1), readnoise: new Float32Array(plane).fill(3) });
    const shape = { nints, ngroups, rows, cols };
    // One median over everything, and sigma-clipped statistics per difference (6 integrations >= 6).
    for (const params of [showers, { ...showers, minimumSigclipGroups: 6 }]) {
      const whole = arrays();
      const count = flagShowers(whole, shape, params);
      expect(count).toBeGreaterThan(0);
      // 5 bytes a sample: bands of 7 rows, the last one shorter.
      const banded = arrays();
      expect(flagShowers(banded, shape, params, nints * ngroups * cols * 5 * 7)).toBe(count);
      expect(banded.groupdq).toEqual(whole.groupdq);
      expect(whole.groupdq).not.toEqual(groupdq);
    }
  });

  it('the step rejects bad options and a wrong carry', async () => {
    const plane = 16;
    const make = (nints = 1) => exposure([nints, 3, 4, 4], new Float32Array(nints * 3 * plane), new Uint8Array(nints * 3 * plane), new Uint32Array(plane), 10, 1);
    const refs = await references({ ramp: make(), gain: new Float32Array(plane).fill(1), readnoise: new Float32Array(plane).fill(5) });
    await expect(jumpStep(make(), refs, {}, { expandLargeEvents: true, minJumpArea: -1 })).rejects.toThrow(JumpStepError);
    await expect(jumpStep(make(), refs, {}, { findShowers: true, extendOuterRadius: 0 })).rejects.toThrow(/ring width/);
    await expect(jumpStep(make(), refs, {}, { expandLargeEvents: true, expandFactor: NaN })).rejects.toThrow(JumpStepError);
    await expect(jumpStep(make(), refs, {}, { expandLargeEvents: true }, undefined, { snowballCores: new Uint8Array(3) })).rejects.toThrow(/snowballCores/);
    // A band of rows (the pipeline's banded pass) cannot see whole frames.
    await expect(jumpStep(make(), refs, {}, { findShowers: true }, { doNotUsePlanes: [0] })).rejects.toThrow(/jumpLargeEvents/);
    await expect(jumpStep(make(), refs, {}, { findShowers: true, minimumSigclipGroups: 2.5 })).rejects.toThrow(/minimumSigclipGroups/);
    // Off by default: no count, no carry.
    const result = await jumpStep(make(), refs);
    expect(result).toMatchObject({ status: 'COMPLETE', primaryCrs: 0 });
    expect(result.extendedEvents).toBeUndefined();
    expect(result.carry).toBeUndefined();
  });
});

const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden jump_large_events comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

describe.skipIf(!crds)('jump with expand_large_events and find_showers vs golden truth (jwst 3.0.0)', () => {
  for (const caseName of goldenCases()) {
    if (!goldenManifest().cases[caseName].products.some((p) => p.variant === 'jump_large_events')) continue;
    it(`${caseName}: GROUPDQ on >= 99.99 % of elements, PIXELDQ, PRIMECRS, EXTNCRS`, async () => {
      const truth = goldenProduct(caseName, 'jumpstep', 'jump_large_events');
      const refs = goldenReferences(caseName, 'jumpstep', 'jump_large_events');
      const missing = [refs.gain, refs.readnoise, truth.file, truth.input].filter((p) => !p || !existsSync(p));
      if (missing.length > 0) {
        console.warn(`skipping jump_large_events on ${caseName}: not generated: ${missing.join(', ')}`);
        return;
      }
      const ramp = await readRamp(truth.input);
      const gain = await openFits(refs.gain);
      const readnoise = await openFits(refs.readnoise);
      try {
        expect((await jumpStep(ramp, { gain, readnoise }, {}, { expandLargeEvents: true, findShowers: true })).status).toBe('COMPLETE');
      } finally {
        await gain.close();
        await readnoise.close();
      }
      const expected = await readRamp(truth.file);
      const groupdq = compareArrays('GROUPDQ', ramp.groupdq, expected.groupdq);
      const pixeldq = compareArrays('PIXELDQ', ramp.pixeldq, expected.pixeldq);
      // How much the large events changed jwst's flags: the comparison is only as strong as this.
      const plain = await readRamp(goldenProduct(caseName, 'jump').file);
      const changed = compareArrays('GROUPDQ', plain.groupdq, expected.groupdq).outside;
      console.info(
        `jump_large_events ${caseName}: ${changed} GROUPDQ elements differ from the plain jump product; ` +
          `GROUPDQ mismatches ${groupdq.outside}/${groupdq.count}; EXTNCRS ours ${ramp.meta.exposure.extendedEmissionEvents} ` +
          `truth ${expected.meta.exposure.extendedEmissionEvents}`,
        groupdq.examples,
      );
      expect(groupdq.fractionOutside).toBeLessThanOrEqual(1e-4);
      expect(pixeldq.outside).toBe(0);
      expect(ramp.meta.exposure.primaryCosmicRays).toBe(expected.meta.exposure.primaryCosmicRays);
      expect(ramp.meta.exposure.extendedEmissionEvents).toBe(expected.meta.exposure.extendedEmissionEvents);
    });
  }
});
