/**
 * The banded run of a near-IR full frame or subarray (ts/pipeline/banded.ts, `banded: true`)
 * gives the products of the run by integrations, array for array and keyword for keyword:
 * snowballs, several integrations, after-jump flagging (the whole frame's GAIN median), 1- and
 * 4-output subarrays, and the fallbacks (fully flagged groups that change jump's detection mode, a
 * reference pixel refpix's border lacks).
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFile } from '../../../ts/datamodels/node.js';
import { readFits, writeFitsFile } from '../../../ts/io/fits/node.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type { KernelPool } from '../../../ts/pool/pool.js';
import type * as PipelineApi from '../../../ts/pipeline/node.js';
import type * as SimApi from '../../../ts/sim/node.js';
import type * as CrdsApi from '../../../ts/crds/node.js';
import type * as CrdsIndexApi from '../../../ts/crds/index.js';
import type * as DatamodelsApi from '../../../ts/datamodels/node.js';
import type { ImageModel } from '../../../ts/datamodels/models.js';
import { compareProducts, formatReport } from '../../golden/compare.js';
import { bandedObstacle } from '../../../ts/pipeline/banded.js';
import type { RampReader } from '../../../ts/datamodels/fits-models.js';

// Worker threads run compiled JavaScript: the pipeline, pool and kernels come from dist/.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'detector1-banded-'));
let pool: KernelPool;
let pipeline: typeof PipelineApi;
let sim: typeof SimApi;
let crds: typeof CrdsApi;
let crdsIndex: typeof CrdsIndexApi;
let datamodels: typeof DatamodelsApi;
beforeAll(async () => {
  if (!existsSync(join(root, 'dist/pipeline/node.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
  await ((await import(join(root, 'dist/kernels/load-node.js'))) as typeof LoaderApi).loadKernels();
  pool = await ((await import(join(root, 'dist/pool/node.js'))) as typeof PoolApi).createNodePool({ size: 2 });
  pipeline = (await import(join(root, 'dist/pipeline/node.js'))) as typeof PipelineApi;
  sim = (await import(join(root, 'dist/sim/node.js'))) as typeof SimApi;
  crds = (await import(join(root, 'dist/crds/node.js'))) as typeof CrdsApi;
  crdsIndex = (await import(join(root, 'dist/crds/index.js'))) as typeof CrdsIndexApi;
  datamodels = (await import(join(root, 'dist/datamodels/node.js'))) as typeof DatamodelsApi;
}, 120_000);
afterAll(async () => {
  await pool?.destroy();
  rmSync(work, { recursive: true, force: true });
});

const RATE_ARRAYS = ['SCI', 'ERR', 'DQ', 'VAR_POISSON', 'VAR_RNOISE'];
const CHAIN_TAKEN = 'pipeline: each band in one worker task (the chain)';

/** A simulated NIRCam exposure (a full frame unless said; or another `mode`) and a mini CRDS cache for it. */
async function simulate(name: string, ngroups: number, nints: number, subarray = 'FULL', mode = { instrument: 'nircam', detector: 'NRCA1', readpatt: 'RAPID' }) {
  const dir = join(work, name);
  const request = {
    ...mode, subarray, ngroups, nints, seed: 11,
    scene: { background: 30, stars: 60, galaxies: 5, starFlux: [1000, 300000] as [number, number], saturateAtGroups: [0, 2] as [number, number] },
    events: { cosmicRaysPerIntegration: 3000, snowballs: 4 },
  };
  const simulated = await sim.simulateToDirectory(request, dir, `jw00000001001_01101_00001_${name}`);
  const cache = await sim.writeMiniCrdsCache(join(dir, 'crds'), [{ plan: simulated.plan }]);
  return { uncal: simulated.uncal, cache: await crds.openCrdsCache(cache.root, { context: cache.context }) };
}

/** `chosen`: files that replace the cache's choice, by reference type. */
async function run(input: string, cache: Awaited<ReturnType<typeof simulate>>['cache'], outputDir: string, banded: boolean | undefined, parameters = {}, workers: KernelPool | undefined = pool, chosen: Record<string, string> = {}) {
  const logs: string[] = [];
  const result = await pipeline.runDetector1File(input, {
    outputDir,
    selectReference: async (reftype, meta) => {
      if (chosen[reftype]) return chosen[reftype];
      const selection = await cache.selectReference(reftype, crdsIndex.crdsHeaderFromMeta(meta));
      return selection.status === 'found' && selection.path ? { path: selection.path, recorded: `crds://${selection.file}` } : undefined;
    },
    parameters,
    context: { pool: workers, log: (_level, message) => logs.push(message) },
    rampFitPool: workers,
    banded,
  });
  return { result, logs, written: Object.fromEntries(result.written) };
}

/** Both products equal, array for array, and their primary keywords but DATE (and so CHECKSUM). */
async function expectSameProducts(ours: Record<string, string>, whole: Record<string, string>) {
  expect(Object.keys(ours).sort()).toEqual(Object.keys(whole).sort());
  for (const suffix of ['rate', 'rateints']) {
    const report = await compareProducts(ours[suffix], whole[suffix], { extensions: RATE_ARRAYS });
    expect(report.arrays.every((a) => a.identical), `${suffix}: ${formatReport(report)}`).toBe(true);
    const cards = async (path: string) => (await readModelFile(path)).primary.cards.filter((c) => !['DATE', 'CHECKSUM'].includes(c.key)).map((c) => [c.key, c.value]);
    expect(await cards(ours[suffix]), suffix).toEqual(await cards(whole[suffix]));
  }
}

/**
 * A simulated exposure (as `simulate` takes it) run by default, which must go by the chain, and
 * by integrations: the same statuses and products.
 */
async function expectChainedAsWhole(name: string, ngroups: number, nints: number, subarray?: string, mode?: Parameters<typeof simulate>[4], parameters = {}) {
  const { uncal, cache } = await simulate(name, ngroups, nints, subarray, mode);
  const chained = await run(uncal, cache, join(work, `${name}-chain`), undefined, parameters);
  const whole = await run(uncal, cache, join(work, `${name}-whole`), false, parameters);
  expect(chained.logs).toContain(CHAIN_TAKEN);
  expect([...chained.result.statuses]).toEqual([...whole.result.statuses]);
  await expectSameProducts(chained.written, whole.written);
  return { uncal, cache, chained };
}

describe('Detector1 by row bands on a NIRCam full frame', () => {
  it('equals the run by integrations, with snowballs', async () => {
    const { uncal, cache } = await simulate('nrca1_one', 4, 1);
    const parameters = { steps: { jump: { expand_large_events: true } } };
    const banded = await run(uncal, cache, join(work, 'one-banded'), true, parameters);
    const whole = await run(uncal, cache, join(work, 'one-whole'), false, parameters);
    // A banded run never holds the products whole (a whole run writes them too, and returns them).
    expect(banded.result.rateSaved && banded.result.rate === null).toBe(true);
    expect([...banded.result.statuses]).toEqual([...whole.result.statuses]);
    expect(banded.logs.some((m) => /snowballs/.test(m))).toBe(true);
    await expectSameProducts(banded.written, whole.written);
  }, 300_000);

  it('by default, on a worker pool, equals the run by integrations, with two integrations and after-jump flagging', async () => {
    const { uncal, cache } = await simulate('nrca1_two', 4, 2);
    const parameters = { steps: { jump: { after_jump_flag_dn1: 1000, after_jump_flag_time1: 30 } } };
    const banded = await run(uncal, cache, join(work, 'two-banded'), undefined, parameters);
    const whole = await run(uncal, cache, join(work, 'two-whole'), false, parameters);
    expect(banded.result.rateSaved && banded.result.rate === null).toBe(true);
    // The bands after the first went through the chain (ts/pool/chain-band.ts).
    expect(banded.logs).toContain(CHAIN_TAKEN);
    await expectSameProducts(banded.written, whole.written);
  }, 300_000);

  it('by default, equals the run by integrations on a NIRSpec full frame (axes swapped: side columns along the science rows)', async () => {
    await expectChainedAsWhole('nrs1_full', 5, 1, 'FULL', { instrument: 'nirspec', detector: 'NRS1', readpatt: 'NRSRAPID' });
  }, 300_000);

  it('by the chain with a GAINFACT (its rows scaled by gain_scale here: the workers\' encoded rows decoded first), equals the run by integrations', async () => {
    const { uncal, cache } = await simulate('nrca1_gainfact', 4, 1);
    const selected = await cache.selectReference('gain', crdsIndex.crdsHeaderFromMeta((await datamodels.readModelFile(uncal)).meta));
    const gain = await readFits(selected.path!);
    const withFactor = join(work, 'gain_gainfact.fits');
    const hdus = await Promise.all(gain.hdus.map(async (hdu, i) => ({ kind: 'raw' as const, header: i === 0 ? hdu.header.clone().set('GAINFACT', 1.7) : hdu.header, data: await gain.readRawData(hdu) })));
    await gain.close();
    await writeFitsFile(withFactor, hdus);
    const chained = await run(uncal, cache, join(work, 'gainfact-chain'), undefined, {}, pool, { gain: withFactor });
    const whole = await run(uncal, cache, join(work, 'gainfact-whole'), false, {}, pool, { gain: withFactor });
    expect(chained.logs).toContain(CHAIN_TAKEN);
    expect([...chained.result.statuses]).toContainEqual(['gain_scale', 'COMPLETE']);
    await expectSameProducts(chained.written, whole.written);
  }, 300_000);

  it('by the chain, records and says what the steps do: one without its reference, one skipped, the others as they run', async () => {
    const { uncal, cache } = await simulate('nrca1_na', 4, 1);
    const parameters = { steps: { ipc: { override_ipc: 'N/A' }, superbias: { skip: true } } };
    const chained = await run(uncal, cache, join(work, 'na-chain'), undefined, parameters);
    const whole = await run(uncal, cache, join(work, 'na-whole'), false, parameters);
    expect(chained.logs).toContain(CHAIN_TAKEN);
    expect([...chained.result.statuses]).toEqual([...whole.result.statuses]);
    expect(new Map(chained.result.statuses).get('ipc')).toBe('SKIPPED');
    await expectSameProducts(chained.written, whole.written);
    // The steps' own messages (jump's count of its band or exposure aside).
    const said = (logs: string[]) => logs.filter((m) => /^(group_scale|dq_init|saturation|ipc|superbias|refpix|linearity|dark_current|jump): /.test(m) && !/primary CRs/.test(m));
    expect(said(chained.logs)).toContain('ipc: no IPC reference; step skipped');
    expect(said(chained.logs)).toEqual(said(whole.logs));
  }, 300_000);

  it('by default, runs by integrations when the chain cannot take the bands (jump by sigma clipping)', async () => {
    const { uncal, cache } = await simulate('nrca1_clip', 4, 2);
    const parameters = { steps: { jump: { minimum_sigclip_groups: 2 } } };
    const auto = await run(uncal, cache, join(work, 'clip-auto'), undefined, parameters);
    const whole = await run(uncal, cache, join(work, 'clip-whole'), false, parameters);
    expect(auto.logs).toContain('pipeline: not by the chain (jump: sigma clipping); running the exposure integration by integration');
    expect(auto.logs).not.toContain(CHAIN_TAKEN);
    expect([...auto.result.statuses]).toEqual([...whole.result.statuses]);
    await expectSameProducts(auto.written, whole.written);
  }, 300_000);

  it('equals the run by integrations in this thread alone (no worker pool), its two bands in flight sharing one fitting slot', async () => {
    const { uncal, cache } = await simulate('nrca1_alone', 4, 1);
    const banded = await run(uncal, cache, join(work, 'alone-banded'), true, {}, undefined);
    const whole = await run(uncal, cache, join(work, 'alone-whole'), false);
    expect(banded.result.rateSaved && banded.result.rate === null).toBe(true);
    expect([...banded.result.statuses]).toEqual([...whole.result.statuses]);
    await expectSameProducts(banded.written, whole.written);
  }, 300_000);

  it('says why a subarray with ZEROFRAME does not go by row bands, and runs it by integrations', async () => {
    const { uncal, cache } = await simulate('nrca1_sub160_zero', 4, 1, 'SUB160', { instrument: 'nircam', detector: 'NRCA1', readpatt: 'BRIGHT2' });
    const banded = await run(uncal, cache, join(work, 'sub160-zero-banded'), true);
    const whole = await run(uncal, cache, join(work, 'sub160-zero-whole'), false);
    expect(banded.result.rate).not.toBeNull();
    expect(banded.logs).toContain('pipeline: not by row bands (ZEROFRAME or REFOUT); running the exposure integration by integration');
    await expectSameProducts(banded.written, whole.written);
  }, 300_000);

  it('writes no products, and leaves no file behind, when every first group is saturated, as the run by integrations', async () => {
    const { uncal, cache } = await simulate('nrca1_saturated', 4, 1);
    // Known only once every band is fitted: the one-pass run has laid out its products by then.
    const ramp = await (await import(join(root, 'dist/datamodels/fits-models.js'))).RampReader.open(await (await import(join(root, 'dist/io/fits/node.js'))).readFits(uncal));
    const model = await ramp.readAll();
    await ramp.file.close();
    model.groupdq.fill(2, 0, 2048 * 2048);
    mkdirSync(join(work, 'saturated-input'));
    const input = join(work, 'saturated-input', 'jw00000001001_01101_00001_nrca1_ramp.fits');
    await datamodels.writeModel(input, model);
    const banded = await run(input, cache, join(work, 'saturated-banded'), true);
    const whole = await run(input, cache, join(work, 'saturated-whole'), false);
    expect(whole.result.noProducts).toBe('all-first-groups-saturated');
    expect(banded.result.noProducts).toBe(whole.result.noProducts);
    expect(banded.result.statuses).toEqual(whole.result.statuses);
    expect([...banded.result.statuses.keys()]).toEqual([...whole.result.statuses.keys()]);
    expect(banded.logs.filter((m) => /integration by integration/.test(m))).toEqual([]);
    expect(banded.written).toEqual({});
    expect(readdirSync(join(work, 'saturated-banded'))).toEqual([]);
  }, 300_000);

  it('runs by integrations when fully flagged groups change jump detection, with the same products', async () => {
    const { uncal, cache } = await simulate('nrca1_flagged', 5, 1);
    // A _ramp input whose last three groups are DO_NOT_USE everywhere: too few usable groups for
    // jump, which the bands, assuming none, cannot know before their end.
    const ramp = await (await import(join(root, 'dist/datamodels/fits-models.js'))).RampReader.open(await (await import(join(root, 'dist/io/fits/node.js'))).readFits(uncal));
    const model = await ramp.readAll();
    await ramp.file.close();
    const plane = 2048 * 2048;
    model.groupdq.fill(1, 2 * plane);
    const input = join(work, 'jw00000001001_01101_00001_nrca1_ramp.fits');
    await datamodels.writeModel(input, model);
    const banded = await run(input, cache, join(work, 'flagged-banded'), true);
    const whole = await run(input, cache, join(work, 'flagged-whole'), false);
    expect(banded.result.rate).not.toBeNull();
    expect(banded.logs.some((m) => /running the exposure integration by integration/.test(m))).toBe(true);
    expect(banded.result.statuses).toEqual(whole.result.statuses);
    await expectSameProducts(banded.written, whole.written);
  }, 300_000);
});

describe('Detector1 by row bands on near-IR subarrays', () => {
  it('by default, equals the run by integrations on a 1-output subarray (refpix from its flagged border pixels), with two integrations', async () => {
    const { chained } = await expectChainedAsWhole('nrca1_sub160', 4, 2, 'SUB160');
    expect(chained.result.rateSaved && chained.result.rate === null).toBe(true);
  }, 300_000);

  it('equals the run by integrations on a 1-output subarray step by step, with snowballs', async () => {
    const { uncal, cache } = await simulate('nrca1_sub160_snow', 5, 1, 'SUB160');
    const parameters = { steps: { jump: { expand_large_events: true } } };
    const banded = await run(uncal, cache, join(work, 'sub160-snow-banded'), true, parameters);
    const whole = await run(uncal, cache, join(work, 'sub160-snow-whole'), false, parameters);
    expect(banded.result.rateSaved && banded.result.rate === null).toBe(true);
    expect(banded.logs).not.toContain(CHAIN_TAKEN);
    await expectSameProducts(banded.written, whole.written);
  }, 300_000);

  it('by default, equals the run by integrations on a 4-output subarray (per-amplifier statistics, side pixels)', async () => {
    await expectChainedAsWhole('nrca1_grism64', 6, 2, 'SUBGRISM64');
  }, 300_000);

  it("fails as the run by integrations does when refpix's signals cannot be computed", async () => {
    const { uncal, cache } = await simulate('nrca1_grism64_bad', 4, 1, 'SUBGRISM64');
    const parameters = { steps: { refpix: { side_smoothing_length: 5001 } } };
    const failure = async (banded: boolean | undefined) => {
      try {
        await run(uncal, cache, join(work, `grism64-bad-${banded}`), banded, parameters);
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    const whole = await failure(false);
    expect(whole).toMatch(/side_smoothing_length/);
    expect(await failure(undefined)).toBe(whole);
    // Nothing half-written is left behind.
    expect(readdirSync(join(work, 'grism64-bad-undefined')).filter((f) => f.endsWith('.fits'))).toEqual([]);
  }, 300_000);

  it('on a NIRSpec subarray whose edge columns are its reference pixels (axes swapped), equals the run by integrations by the chain without ipc, and runs by integrations with it', async () => {
    const withoutIpc = { steps: { ipc: { skip: true } } };
    const { uncal, cache } = await expectChainedAsWhole('nrs1_sub512', 5, 2, 'SUB512', { instrument: 'nirspec', detector: 'NRS1', readpatt: 'NRSRAPID' }, withoutIpc);
    // IPC corrects those columns, which the border's steps take pixel by pixel.
    const withIpc = await run(uncal, cache, join(work, 'sub512-ipc-auto'), undefined);
    const wholeWithIpc = await run(uncal, cache, join(work, 'sub512-ipc-whole'), false);
    expect(withIpc.logs).toContain('pipeline: refpix: a reference pixel that ipc corrects; running the exposure integration by integration');
    expect(new Map(withIpc.result.statuses).get('ipc')).toBe('COMPLETE');
    await expectSameProducts(withIpc.written, wholeWithIpc.written);
  }, 300_000);

  it('runs by integrations, with the same products, when the mask flags a reference pixel off the border (a whole run takes it)', async () => {
    const { uncal, cache } = await simulate('nrca1_sub160_ref', 4, 1, 'SUB160');
    const meta = (await datamodels.readModelFile(uncal)).meta;
    const mask = await readFits((await cache.selectReference('mask', crdsIndex.crdsHeaderFromMeta(meta))).path!);
    const dq = mask.find('DQ')!;
    const [rows, cols] = dq.shape;
    // Science pixel (80, 80), in the mask's frame (larger than the subarray: SUBSTRT1/2 place it).
    const start = (key: string) => mask.primary.header.getNumber(key) ?? 1;
    const [y, x] = [meta.subarray.ystart! - start('SUBSTRT2') + 80, meta.subarray.xstart! - start('SUBSTRT1') + 80];
    expect(y < rows && x < cols).toBe(true);
    const hdus = await Promise.all(
      mask.hdus.map(async (hdu) => {
        const data = await mask.readRawData(hdu);
        if (hdu === dq) {
          // REFERENCE_PIXEL is bit 31: the top bit of the big-endian word, flipped by a BZERO of 2^31.
          const at = (y * cols + x) * 4;
          if (hdu.header.getNumber('BZERO') === 2 ** 31) data[at] &= 0x7f;
          else data[at] |= 0x80;
        }
        return { kind: 'raw' as const, header: hdu.header, data };
      }),
    );
    await mask.close();
    const flagged = join(work, 'mask_interior_ref.fits');
    await writeFitsFile(flagged, hdus);
    const auto = await run(uncal, cache, join(work, 'sub160-ref-auto'), undefined, {}, pool, { mask: flagged });
    const whole = await run(uncal, cache, join(work, 'sub160-ref-whole'), false, {}, pool, { mask: flagged });
    const rate = (await readModelFile(whole.written.rate)) as ImageModel;
    expect(rate.dq[80 * 160 + 80] & 2 ** 31).not.toBe(0);
    expect(auto.logs).toContain('pipeline: refpix: a reference pixel off the border; running the exposure integration by integration');
    await expectSameProducts(auto.written, whole.written);
  }, 300_000);

  it('says when a subarray does not go by row bands: off the detector, or so many integrations that a band of them outgrows two integrations', () => {
    const reader = (shape: [number, number, number, number], subarray: Record<string, number>) =>
      ({ shape, meta: { instrument: { name: 'NIRCAM' }, subarray, exposure: {} }, hasZeroframe: false, hasRefout: false }) as unknown as RampReader;
    const obstacle = (r: RampReader) => bandedObstacle(r, ['dq_init', 'saturation', 'jump'], () => false, () => ({}));
    const sub64 = { xstart: 1, ystart: 1, xsize: 64, ysize: 64 };
    expect(obstacle(reader([100, 10, 64, 64], sub64))).toBeUndefined();
    // 24 rows x 64 x 40000 planes x 4 bytes: 246 MB against 2 x 164 kB.
    expect(obstacle(reader([4000, 10, 64, 64], sub64))).toBe('bands of every integration larger than two integrations');
    // A full frame's bands of 100 integrations stay below two of them.
    expect(obstacle(reader([100, 10, 2048, 2048], { xstart: 1, ystart: 1, xsize: 2048, ysize: 2048 }))).toBeUndefined();
    expect(obstacle(reader([1, 10, 64, 64], { ...sub64, xstart: 2000 }))).toBe('a subarray off the detector');
  });
});
