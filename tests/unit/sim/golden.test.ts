import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareArrays, compareProducts, formatReport, GOLDEN_DIR, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';

const hasManifest = existsSync(join(GOLDEN_DIR, 'manifest.json'));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('compareArrays', () => {
  it('reports identical arrays, NaN = NaN', () => {
    const r = compareArrays('SCI', Float32Array.from([1, NaN, 3]), Float32Array.from([1, NaN, 3]));
    expect(r.identical).toBe(true);
    expect(r.outside).toBe(0);
  });

  it('reports max abs/rel differences and the fraction outside the tolerance', () => {
    const truth = Float32Array.from([100, 200, 300, 400]);
    const ours = Float32Array.from([100, 200.5, 300, 404]);
    const r = compareArrays('SCI', ours, truth, { rtol: 0, atol: 1 });
    expect(r.identical).toBe(false);
    expect(r.maxAbs).toBe(4);
    expect(r.maxRel).toBeCloseTo(0.01, 6);
    expect(r.outside).toBe(1);
    expect(r.fractionOutside).toBe(0.25);
    expect(r.examples).toEqual([{ index: 3, ours: 404, truth: 400 }]);
  });

  it('counts NaN against a number as outside, and requires exact integers by default', () => {
    expect(compareArrays('SCI', Float32Array.from([NaN]), Float32Array.from([1]), { atol: 10 }).nanMismatch).toBe(1);
    expect(compareArrays('DQ', Uint32Array.from([4]), Uint32Array.from([6])).outside).toBe(1);
    expect(compareArrays('DQ', Uint32Array.from([4]), Uint32Array.from([4, 5])).error).toMatch(/1 elements, truth has 2/);
  });
});

describe.skipIf(!hasManifest)('golden truth', () => {
  it('has every stored file and input with the manifest SHA-256', () => {
    const manifest = goldenManifest();
    expect(goldenCases().length).toBeGreaterThanOrEqual(5);
    for (const [name, c] of Object.entries(manifest.cases)) {
      for (const [file, digest] of Object.entries(c.inputs)) expect(sha256(join(GOLDEN_DIR, name, file)), `${name}/${file}`).toBe(digest);
      for (const p of c.products) {
        if (p.sha256) expect(sha256(join(GOLDEN_DIR, name, p.file)), `${name}/${p.file}`).toBe(p.sha256);
        else expect(p.same_arrays_as ?? p.same_values_as, `${name}/${p.file} is stored or an alias`).toBeDefined();
      }
    }
  });

  it('covers every default step of both branches and the requested variants', () => {
    const steps = (name: string) => new Set(goldenManifest().cases[name].products.map((p) => `${p.variant}:${p.step}`));
    const nir = steps('nrc_sub64p_rapid');
    for (const s of ['group_scale', 'dq_init', 'saturation', 'ipc', 'superbias', 'refpix', 'linearity', 'dark_current', 'jump', 'ramp_fit', 'gain_scale']) {
      expect(nir.has(`pipeline:${s}`), s).toBe(true);
    }
    const miri = steps('miri_sub64_fast');
    for (const s of ['emicorr', 'saturation', 'lastframe', 'reset', 'linearity', 'rscd', 'dark_current', 'refpix', 'jump', 'ramp_fit']) {
      if (s === 'emicorr') continue; // skipped by default (class default skip=True): no product
      expect(miri.has(`pipeline:${s}`), s).toBe(true);
    }
    for (const name of goldenCases()) {
      const all = steps(name);
      expect(all.has('jump_large_events:jump')).toBe(true);
      expect(all.has('ramp_fit_save_opt:ramp_fit')).toBe(true);
      expect(all.has('ramp_fit_likely:ramp_fit')).toBe(true);
    }
    expect(goldenProduct('nrc_sub64p_rapid', 'fitopt', 'ramp_fit_save_opt').file).toMatch(/_fitopt\.fits$/);
    expect(goldenProduct('miri_sub64_fast', 'likely_chisq', 'ramp_fit_likely').file).toMatch(/_likely_chisq\.fits$/);
  });

  it('resolves products and inputs, and compares a truth file with itself as identical', async () => {
    const { file, input } = goldenProduct('nrc_sub64p_rapid', 'saturation');
    expect(input).toMatch(/_dq_init\.fits$/);
    // group_scale was skipped (NFRAMES = FRMDIVSR), so dq_init starts from the uncal itself
    expect(goldenProduct('nrc_sub64p_rapid', 'dq_init').input).toMatch(/_uncal\.fits$/);
    const report = await compareProducts(file, file);
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.arrays.map((a) => a.name)).toEqual(expect.arrayContaining(['SCI', 'PIXELDQ', 'GROUPDQ']));
  });
});

describe.skipIf(!hasManifest || !goldenCrdsRoot())('golden references (generated cache)', () => {
  it('gives the files jwst used, by reference type, real ones included', () => {
    const refs = goldenReferences('nrs1_sub512_real_refs', 'dark_current');
    expect(Object.keys(refs).sort()).toEqual(['dark', 'ipc', 'linearity', 'mask', 'saturation', 'superbias']);
    expect(refs.dark).toMatch(/jwst_nirspec_dark_0046\.fits$/);
    expect(refs.superbias).toMatch(/jwst_nirspec_superbias_0075\.fits$/);
    for (const path of Object.values(refs)) expect(existsSync(path), path).toBe(true);
    const miri = goldenReferences('miri_sub64_fast', 'rscd');
    expect(Object.keys(miri).sort()).toEqual(['ipc', 'linearity', 'mask', 'reset', 'rscd', 'saturation']);
  });
});
