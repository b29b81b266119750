/**
 * The whole Detector1 pipeline against jwst 3.0.0's Detector1Pipeline on the golden cases:
 * `_rate`, `_rateints` and `_ramp` bit for bit, the same S_* and R_* keywords; one integration per slice and the whole exposure
 * at once give the same files' arrays.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFile, writeModel } from '../../../ts/datamodels/node.js';
import { readFits, writeFitsFile } from '../../../ts/io/fits/node.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type { KernelPool } from '../../../ts/pool/pool.js';
import type * as PipelineApi from '../../../ts/pipeline/node.js';
import type * as StreamApi from '../../../ts/pipeline/product-stream.js';
import type * as WriterApi from '../../../ts/pipeline/banded-writer-node.js';
import { compareProducts, formatReport, goldenCases, goldenCrdsRoot, goldenProduct, goldenReferences } from '../../golden/compare.js';

const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping Detector1 pipeline golden comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

// Worker threads run compiled JavaScript: the pipeline, pool and kernels come from dist/.
const root = fileURLToPath(new URL('../../../', import.meta.url));
let pool: KernelPool;
let runDetector1File: typeof PipelineApi.runDetector1File;
const out = mkdtempSync(join(tmpdir(), 'detector1-pipeline-'));
beforeAll(async () => {
  if (!existsSync(join(root, 'dist/pipeline/node.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
  await ((await import(join(root, 'dist/kernels/load-node.js'))) as typeof LoaderApi).loadKernels();
  pool = await ((await import(join(root, 'dist/pool/node.js'))) as typeof PoolApi).createNodePool({ size: 2 });
  ({ runDetector1File } = (await import(join(root, 'dist/pipeline/node.js'))) as typeof PipelineApi);
});
afterAll(async () => {
  await pool?.destroy();
  rmSync(out, { recursive: true, force: true });
});

const RATE_ARRAYS = ['SCI', 'ERR', 'DQ', 'VAR_POISSON', 'VAR_RNOISE'];

describe.skipIf(!crds)('Detector1 pipeline vs jwst Detector1Pipeline (golden truth)', () => {
  for (const caseName of goldenCases()) {
    for (const perSlice of [1, 1000]) {
      it(`${caseName}, ${perSlice === 1 ? 'one integration per slice' : 'whole exposure'}: _rate, _rateints, _ramp and keywords equal jwst's`, async () => {
        const references = goldenReferences(caseName, 'rate');
        const missing = Object.values(references).find((path) => !existsSync(path));
        if (missing) {
          console.warn(`skipping ${caseName}: ${missing} not generated (real references absent)`);
          return;
        }
        const uncal = goldenProduct(caseName, 'group_scale').input;
        const outputDir = join(out, `${caseName}-${perSlice}`);
        const result = await runDetector1File(uncal, {
          outputDir,
          // As CRDS would: jwst records these references as crds://<file>.
          selectReference: async (reftype) => references[reftype] && { path: references[reftype], recorded: `crds://${basename(references[reftype])}` },
          parameters: { pipeline: { save_calibrated_ramp: true } },
          context: { pool },
          rampFitPool: pool,
          integrationsPerSlice: perSlice,
        });
        const written = Object.fromEntries(result.written);
        expect(Object.keys(written).sort()).toEqual(['ramp', 'rate', 'rateints']);

        for (const [suffix, extensions] of [['rate', RATE_ARRAYS], ['rateints', RATE_ARRAYS], ['ramp', ['SCI', 'PIXELDQ', 'GROUPDQ']]] as const) {
          const truth = goldenProduct(caseName, suffix);
          const report = await compareProducts(written[suffix], truth.file, { extensions: [...extensions] });
          expect(report.arrays.every((a) => a.identical), `${suffix}: ${formatReport(report)}`).toBe(true);
          // The manifest keeps jwst's S_* values, and the base names of its R_* values (crds://x -> x, N/A -> A).
          const cards = (await readModelFile(written[suffix])).primary.cards.filter((c) => /^[SR]_/.test(c.key));
          const references = cards.filter((c) => c.key.startsWith('R_')).map((c) => String(c.value));
          expect(references.every((v) => v === 'N/A' || v.startsWith('crds://')), `${suffix}: ${references.join(', ')}`).toBe(true);
          const ours = Object.fromEntries(cards.map((c) => [c.key, c.key.startsWith('R_') ? String(c.value).split('/').pop() : c.value]));
          expect(ours, suffix).toEqual(truth.entry.keywords);
          // rscd's pixel counts span the whole exposure however it is sliced.
          const counts = async (path: string) =>
            Object.fromEntries((await readModelFile(path)).primary.cards.filter((c) => /^INT[12](SKIP|UGP1|BORS)$/.test(c.key)).map((c) => [c.key, c.value]));
          expect(await counts(written[suffix]), `${suffix} rscd counts`).toEqual(await counts(truth.file));
        }
      });
    }
  }
});

describe.skipIf(!crds)('Detector1 pipeline by row bands vs jwst Detector1Pipeline (golden truth)', () => {
  // A RAPID NIRCam subarray (no ZEROFRAME) goes through the chain; the others say why not.
  const chained = new Set(['nrc_sub64p_rapid']);
  for (const caseName of goldenCases()) {
    it(`${caseName}, as \`detector1 run\` runs it (by row bands where it can): _rate, _rateints and keywords equal jwst's`, async () => {
      const references = goldenReferences(caseName, 'rate');
      if (Object.values(references).some((path) => !existsSync(path))) return; // reported above
      const logs: string[] = [];
      const result = await runDetector1File(goldenProduct(caseName, 'group_scale').input, {
        outputDir: join(out, `${caseName}-bands`),
        selectReference: async (reftype) => references[reftype] && { path: references[reftype], recorded: `crds://${basename(references[reftype])}` },
        context: { pool, log: (_level, message) => logs.push(message) },
        rampFitPool: pool,
      });
      expect(logs.includes('pipeline: each band in one worker task (the chain)'), logs.filter((m) => m.startsWith('pipeline')).join('; ')).toBe(chained.has(caseName));
      const written = Object.fromEntries(result.written);
      for (const suffix of ['rate', 'rateints']) {
        const truth = goldenProduct(caseName, suffix);
        const report = await compareProducts(written[suffix], truth.file, { extensions: RATE_ARRAYS });
        expect(report.arrays.every((a) => a.identical), `${suffix}: ${formatReport(report)}`).toBe(true);
        const cards = (await readModelFile(written[suffix])).primary.cards.filter((c) => /^[SR]_/.test(c.key));
        const ours = Object.fromEntries(cards.map((c) => [c.key, c.key.startsWith('R_') ? String(c.value).split('/').pop() : c.value]));
        expect(ours, suffix).toEqual(truth.entry.keywords);
      }
    });
  }
});

describe.skipIf(!crds)('Detector1 pipeline with large events', () => {
  for (const caseName of goldenCases()) {
    it(`${caseName}: with snowballs and showers on, _ramp equals jwst's JumpStep(expand_large_events, find_showers)`, async () => {
      const references = goldenReferences(caseName, 'rate');
      if (Object.values(references).some((path) => !existsSync(path))) return; // reported above
      const outputDir = join(out, `${caseName}-large`);
      const result = await runDetector1File(goldenProduct(caseName, 'group_scale').input, {
        outputDir,
        selectReference: async (reftype) => references[reftype],
        parameters: { pipeline: { save_calibrated_ramp: true }, steps: { jump: { expand_large_events: true, find_showers: true } } },
        context: { pool },
        rampFitPool: pool,
      });
      const ramp = Object.fromEntries(result.written).ramp;
      const truth = goldenProduct(caseName, 'jumpstep', 'jump_large_events');
      const report = await compareProducts(ramp, truth.file, { extensions: ['SCI', 'PIXELDQ', 'GROUPDQ'] });
      expect(report.arrays.every((a) => a.identical), formatReport(report)).toBe(true);
    });
  }

  it('_rateints streamed band by band through the disk (gain_scale applied there) equals the whole exposure in memory', async () => {
    const caseName = 'nrc_sub64p_medium8_zeroframe';
    const references = goldenReferences(caseName, 'rate');
    // The golden GAIN has no GAINFACT (jwst skips gain_scale): a copy with one makes it apply.
    const gain = await readFits(references.gain);
    const gainWithFactor = join(out, 'gain_gainfact.fits');
    const hdus = await Promise.all(gain.hdus.map(async (hdu, i) => ({ kind: 'raw' as const, header: i === 0 ? hdu.header.clone().set('GAINFACT', 1.7) : hdu.header, data: await gain.readRawData(hdu) })));
    await gain.close();
    await writeFitsFile(gainWithFactor, hdus);
    const products = [];
    for (const perSlice of [1, 1000]) {
      const result = await runDetector1File(goldenProduct(caseName, 'group_scale').input, {
        outputDir: join(out, `${caseName}-gainfact-${perSlice}`),
        selectReference: async (reftype) => (reftype === 'gain' ? gainWithFactor : references[reftype]),
        context: { pool },
        rampFitPool: pool,
        integrationsPerSlice: perSlice,
      });
      expect(result.rateintsSaved ?? false, `perSlice ${perSlice}`).toBe(perSlice === 1);
      expect(result.statuses).toContainEqual(['gain_scale', 'COMPLETE']);
      products.push(Object.fromEntries(result.written));
    }
    const streamed = await readModelFile(products[0].rateints);
    expect(streamed.primary.getString('S_GANSCL')).toBe('COMPLETE');
    expect(streamed.primary.getNumber('GAINFACT')).toBe(1.7);
    for (const suffix of ['rate', 'rateints']) {
      const report = await compareProducts(products[0][suffix], products[1][suffix]);
      expect(report.arrays.every((a) => a.identical), `${suffix}: ${formatReport(report)}`).toBe(true);
    }
    // And the factor was applied: the rates differ from jwst's unscaled ones.
    const unscaled = await compareProducts(products[0].rateints, goldenProduct(caseName, 'rateints').file, { extensions: ['SCI'] });
    expect(unscaled.arrays.every((a) => a.identical)).toBe(false);
  });

  it('snowballs run integration by integration after the jump bands: sliced equals whole exposure', async () => {
    const caseName = 'nrc_sub64p_medium8_zeroframe';
    const references = goldenReferences(caseName, 'rate');
    const products = [];
    for (const perSlice of [1, 1000]) {
      const outputDir = join(out, `${caseName}-snowballs-${perSlice}`);
      const result = await runDetector1File(goldenProduct(caseName, 'group_scale').input, {
        outputDir,
        selectReference: async (reftype) => references[reftype],
        parameters: { pipeline: { save_calibrated_ramp: true }, steps: { jump: { expand_large_events: true, min_jump_area: 3, min_sat_area: 1 } } },
        context: { pool },
        rampFitPool: pool,
        integrationsPerSlice: perSlice,
      });
      products.push({ written: Object.fromEntries(result.written), meta: result.meta });
    }
    expect(products[1].meta.exposure.extendedEmissionEvents, 'the case has snowballs').toBeGreaterThan(0);
    expect(products[0].meta.exposure.extendedEmissionEvents).toBe(products[1].meta.exposure.extendedEmissionEvents);
    expect(products[0].meta.exposure.primaryCosmicRays).toBe(products[1].meta.exposure.primaryCosmicRays);
    for (const suffix of ['ramp', 'rate', 'rateints']) {
      const report = await compareProducts(products[0].written[suffix], products[1].written[suffix]);
      expect(report.arrays.every((a) => a.identical), `${suffix}: ${formatReport(report)}`).toBe(true);
    }
  });
});

describe.skipIf(!crds)('Detector1 pipeline writing its products as the fit goes', () => {
  /** The file's bytes with the primary header's DATE and CHECKSUM cards blanked (the write time). */
  const withoutWriteTime = (path: string) => {
    const bytes = readFileSync(path);
    for (let card = 0; card * 80 < bytes.length; card++) {
      const key = bytes.subarray(card * 80, card * 80 + 8).toString('latin1');
      if (key === 'DATE    ' || key === 'CHECKSUM') bytes.fill(32, card * 80, card * 80 + 80);
      if (key === 'END     ') break;
    }
    return bytes;
  };

  it('a run of one slice writes _rate and _rateints band by band: the files writeModel makes of its products, but for the write time', async () => {
    const caseName = 'nrc_sub64p_medium8_zeroframe';
    const references = goldenReferences(caseName, 'rate');
    if (Object.values(references).some((path) => !existsSync(path))) return; // reported above
    const outputDir = join(out, `${caseName}-streamed`);
    const result = await runDetector1File(goldenProduct(caseName, 'group_scale').input, {
      outputDir,
      selectReference: async (reftype) => references[reftype] && { path: references[reftype], recorded: `crds://${basename(references[reftype])}` },
      context: { pool },
      rampFitPool: pool,
      integrationsPerSlice: 1000,
    });
    expect(result.rateSaved && result.rateintsSaved).toBe(true);
    const written = Object.fromEntries(result.written);
    const whole = join(out, `${caseName}-streamed-whole`);
    mkdirSync(whole);
    for (const [suffix, model] of [['rate', result.rate!], ['rateints', result.rateints!]] as const) {
      const path = join(whole, basename(written[suffix]));
      await writeModel(path, model);
      expect(withoutWriteTime(written[suffix]).equals(withoutWriteTime(path)), suffix).toBe(true);
    }
    expect(readdirSync(outputDir).sort()).toEqual([basename(written.rate), basename(written.rateints)].sort());

    // Final products that are not what the skeletons laid out: nothing is committed, nothing is left.
    const { ProductStream } = (await import(join(root, 'dist/pipeline/product-stream.js'))) as typeof StreamApi;
    const { BandedProductWriter } = (await import(join(root, 'dist/pipeline/banded-writer-node.js'))) as typeof WriterApi;
    const stale = join(out, `${caseName}-stale`);
    mkdirSync(stale);
    const empty = { data: new Float32Array(0), dq: new Uint32Array(0), err: new Float32Array(0), varPoisson: new Float32Array(0), varRnoise: new Float32Array(0) };
    const stream = new ProductStream({ rate: { ...result.rate!, ...empty }, rateints: { ...result.rateints!, ...empty } }, async (suffix, skeleton) => {
      const writer = await BandedProductWriter.create(join(stale, `${suffix}.fits`), skeleton);
      return { writeRows: (i, row0, rows) => writer.writeRows(i, row0, rows), replacePrimaryHeader: (final) => writer.replacePrimaryHeader(final), commit: () => writer.commit(), abort: () => writer.abort() };
    });
    const arrays = (model: typeof result.rate) => ({ slope: model!.data, dq: model!.dq, err: model!.err, varPoisson: model!.varPoisson, varRnoise: model!.varRnoise });
    await stream.writeBand({ row0: 0, rows: result.rate!.shape[0] }, { rate: arrays(result.rate), rateints: arrays(result.rateints as never) }, 'frame');
    const changed = structuredClone(result.rate!.meta);
    changed.exposure.gainFactor = 2;
    expect(await stream.commit({ ...result.rate!, meta: changed }, result.rateints!)).toBe(false);
    expect(readdirSync(stale)).toEqual([]);
  });
});
