import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesSource, ChunkSink, FitsFile } from '../../../ts/io/fits/index.js';
import {
  DetectorModel,
  linearityArrays,
  nonlinear,
  planExposure,
  resolveMode,
  saturationThresholds,
  SimulationInputError,
  simulateIntegrations,
  writeUncal,
  type SimulationRequest,
} from '../../../ts/sim/index.js';

const work = mkdtempSync(join(tmpdir(), 'detector1-sim-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const small: SimulationRequest = {
  instrument: 'nircam',
  detector: 'NRCA1',
  subarray: 'SUB64P',
  readpatt: 'MEDIUM8',
  ngroups: 3,
  nints: 2,
  seed: 11,
  zeroframe: true,
  events: { cosmicRaysPerIntegration: 5, snowballs: 1 },
  scene: { background: 20, stars: 3, galaxies: 1, saturateAtGroups: [0, 1] },
};

async function uncalBytes(request: SimulationRequest): Promise<Uint8Array> {
  const sink = new ChunkSink();
  await writeUncal(planExposure(request), sink, 'test_uncal.fits');
  return sink.concat();
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('simulator determinism', () => {
  it('writes byte-identical files for the same request, different ones for another seed', async () => {
    const a = await uncalBytes(small);
    const b = await uncalBytes(small);
    expect(sha(a)).toBe(sha(b));
    const c = await uncalBytes({ ...small, seed: 12 });
    expect(sha(c)).not.toBe(sha(a));
  });

  it('simulates each MIRI and NIRSpec mode deterministically too', async () => {
    for (const request of [
      { instrument: 'miri', subarray: 'SUB64', readpatt: 'FAST', ngroups: 4, nints: 2, seed: 5 },
      { instrument: 'nirspec', subarray: 'SUB512', readpatt: 'NRSRAPID', ngroups: 3, nints: 1, seed: 5 },
    ]) {
      expect(sha(await uncalBytes(request))).toBe(sha(await uncalBytes(request)));
    }
  });
});

describe('uncal layout', () => {
  it('has the real uncal keyword set, SCI/ZEROFRAME/GROUP/INT_TIMES/ASDF and consistent timing', async () => {
    const fits = await FitsFile.open(bytesSource(await uncalBytes(small), 'test_uncal.fits'));
    expect(fits.hdus.map((h) => h.extname ?? 'PRIMARY')).toEqual(['PRIMARY', 'SCI', 'ZEROFRAME', 'GROUP', 'INT_TIMES', 'ASDF']);
    const h = fits.primary.header;
    for (const key of ['DATE', 'ORIGIN', 'FILENAME', 'DATAMODL', 'TELESCOP', 'DATE-OBS', 'TIME-OBS', 'INSTRUME', 'DETECTOR', 'EXP_TYPE', 'READPATT', 'NINTS', 'NGROUPS', 'NFRAMES', 'GROUPGAP', 'FRMDIVSR', 'TFRAME', 'TGROUP', 'EFFINTTM', 'DURATION', 'ZEROFRAM', 'SUBARRAY', 'SUBSTRT1', 'SUBSTRT2', 'SUBSIZE1', 'SUBSIZE2', 'FASTAXIS', 'SLOWAXIS', 'NOUTPUTS', 'TSOVISIT']) {
      expect(h.has(key), key).toBe(true);
    }
    expect(h.getString('DATAMODL')).toBe('Level1bModel');
    expect(h.getInt('NFRAMES')).toBe(8);
    expect(h.getInt('GROUPGAP')).toBe(2);
    expect(h.getBool('ZEROFRAM')).toBe(true);
    // SUB64P, 1 output: (64 + 12) x (64 + 1) x 10 us
    expect(h.getNumber('TFRAME')).toBeCloseTo(0.0494, 6);
    expect(h.getNumber('TGROUP')).toBeCloseTo(10 * 0.0494, 6);
    // the file's dates come from the seed, not the clock
    expect(h.getString('DATE')!.startsWith('2024') || h.getString('DATE')!.startsWith('2025')).toBe(true);
    expect(fits.get('SCI').shape).toEqual([2, 3, 64, 64]);
    expect(fits.get('SCI').header.getNumber('BZERO')).toBe(32768);
    expect(fits.get('ZEROFRAME').shape).toEqual([2, 64, 64]);
    const group = await fits.readTable(fits.get('GROUP'));
    expect(group.nrows).toBe(6);
    expect(group.column('group_end_time').data[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const intTimes = await fits.readTable(fits.get('INT_TIMES'));
    expect(intTimes.nrows).toBe(2);
    const start = intTimes.column('int_start_MJD_UTC').data as Float64Array;
    expect(start[1]).toBeGreaterThan(start[0]);
  });

  it('holds raw uint16 ramps that rise with the signal and a ZEROFRAME below the first group', async () => {
    const plan = planExposure(small);
    const [first] = simulateIntegrations(plan);
    const plane = 64 * 64;
    // a science pixel in the flat region: group means rise by about rate x tgroup
    const flat = plan.scene.flatRegion!;
    let rise = 0;
    let n = 0;
    for (let y = flat.y0; y < flat.y0 + flat.ny; y++) {
      for (let x = flat.x0; x < flat.x0 + flat.nx; x++) {
        const i = y * 64 + x;
        rise += first.sci[2 * plane + i] - first.sci[i];
        n++;
      }
    }
    const expected = 2 * plan.mode.tgroup * (20 / plan.model.physics.gain);
    expect(rise / n).toBeGreaterThan(expected * 0.5);
    expect(rise / n).toBeLessThan(expected * 1.5);
    expect(first.zeroframe).toBeDefined();
  });

  it('saturates the brightest star from the first group (a fully saturated ramp)', () => {
    const plan = planExposure(small);
    const [first] = simulateIntegrations(plan);
    const star = plan.scene.sources[0];
    const i = Math.round(star.y) * 64 + Math.round(star.x);
    const { threshold } = saturationThresholds(plan.model, plan.region);
    expect(first.sci[i]).toBeGreaterThanOrEqual(threshold[i]);
  });
});

describe('references consistent with the simulation', () => {
  it('the LINEARITY polynomial undoes the simulated non-linearity', () => {
    const mode = resolveMode('nircam', 'NRCA1', 'SUB64P');
    const model = new DetectorModel(mode.info, mode.detector);
    const region = { x0: 10, y0: 10, nx: 4, ny: 4 };
    const { coeffs, ncoeffs } = linearityArrays(model, region);
    const { a, b } = model.linearity(region);
    for (let i = 0; i < 16; i++) {
      for (const s of [100, 5000, 30000]) {
        const m = nonlinear(s, a[i], b[i]);
        let corrected = 0;
        for (let k = ncoeffs - 1; k >= 0; k--) corrected = corrected * m + coeffs[k * 16 + i];
        if (Number.isNaN(corrected)) continue; // a NaN-coefficient pixel (jwst skips it)
        expect(Math.abs(corrected - s) / s).toBeLessThan(1e-5);
      }
    }
  });

  it('MIRI linearity coefficients act on raw DN (pedestal included)', () => {
    const mode = resolveMode('miri', 'MIRIMAGE', 'SUB64');
    const model = new DetectorModel(mode.info, mode.detector);
    const region = { x0: 20, y0: 800, nx: 3, ny: 3 };
    const { coeffs, ncoeffs } = linearityArrays(model, region);
    const { a, b } = model.linearity(region);
    const pedestal = model.bias(region);
    for (let i = 0; i < 9; i++) {
      const s = 20000;
      const raw = pedestal[i] + nonlinear(s, a[i], b[i]);
      let corrected = 0;
      for (let k = ncoeffs - 1; k >= 0; k--) corrected = corrected * raw + coeffs[k * 9 + i];
      if (Number.isNaN(corrected)) continue;
      expect(corrected - pedestal[i]).toBeCloseTo(s, -1); // float32 coefficients: within a few DN
    }
  });

  it('detector properties of a subarray equal the same pixels of the full frame', () => {
    const mode = resolveMode('nircam', 'NRCB1', 'FULL');
    const model = new DetectorModel(mode.info, mode.detector);
    const full = model.bias({ x0: 0, y0: 0, nx: 70, ny: 70 });
    const sub = model.bias({ x0: 5, y0: 6, nx: 10, ny: 10 });
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) expect(sub[y * 10 + x]).toBe(full[(y + 6) * 70 + x + 5]);
  });
});

describe('bad requests', () => {
  it('throws SimulationInputError for an unknown instrument, ngroups 0 and an unknown subarray', () => {
    expect(() => planExposure({ ...small, instrument: 'wfc3' })).toThrow(SimulationInputError);
    expect(() => planExposure({ ...small, instrument: 'wfc3' })).toThrow(/unknown instrument "wfc3"/);
    expect(() => planExposure({ ...small, ngroups: 0 })).toThrow(/ngroups must be an integer from 1/);
    expect(() => planExposure({ ...small, subarray: 'SUB999' })).toThrow(/NIRCAM has no subarray "SUB999"/);
    expect(() => planExposure({ ...small, readpatt: 'FAST' })).toThrow(/no readout pattern "FAST"/);
    expect(() => planExposure({ ...small, instrument: 'miri', detector: 'MIRIMAGE', subarray: 'SUB64', readpatt: 'FAST', zeroframe: true })).toThrow(/MIRI has no ZEROFRAME/);
  });
});

// The CLI runs from the build, as users run it (`make test` builds dist/ first).
const cli = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe.skipIf(!existsSync(cli))('detector1 simulate', () => {
  it('writes the uncal, truth and sidecar files, and a CRDS cache when asked', () => {
    const out = join(work, 'cli');
    const result = run('simulate', '--instrument', 'nirspec', '--subarray', 'SUB512', '--ngroups', '3', '--seed', '4', '--output-dir', out, '--crds-cache', join(out, 'crds'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/simulated NIRSPEC NRS1 SUB512 NRSRAPID: 1 x 3 x 32 x 512/);
    expect(readdirSync(out).sort()).toEqual(['crds', 'jw09999001001_01101_00004_nrs1_sim.json', 'jw09999001001_01101_00004_nrs1_truth.fits', 'jw09999001001_01101_00004_nrs1_uncal.fits']);
    expect(readdirSync(join(out, 'crds', 'mappings', 'jwst'))).toContain('jwst_0001.pmap');
    const sidecar = JSON.parse(readFileSync(join(out, 'jw09999001001_01101_00004_nrs1_sim.json'), 'utf8'));
    expect(sidecar.flatRegionMedianRateDnPerSecond).toBeGreaterThan(0);
  });

  it('exits 2 with a clear message for bad input', () => {
    const cases: [string[], RegExp][] = [
      [['--instrument', 'wfc3', '--ngroups', '3'], /unknown instrument "wfc3"/],
      [['--instrument', 'nircam', '--ngroups', '0'], /--ngroups must be at least 1/],
      [['--instrument', 'nircam', '--ngroups', '3', '--subarray', 'SUB999'], /NIRCAM has no subarray "SUB999"/],
      [['--instrument', 'nircam'], /--ngroups is required/],
      [['--ngroups', '3'], /--instrument is required/],
      [['--instrument', 'nircam', '--ngroups', 'many'], /--ngroups must be a non-negative integer/],
    ];
    for (const [args, message] of cases) {
      const result = run('simulate', '--output-dir', join(work, 'bad'), ...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/usage:/);
    }
    expect(existsSync(join(work, 'bad'))).toBe(false);
  });
});
