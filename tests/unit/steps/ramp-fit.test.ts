/**
 * The ramp_fit step: parameters as jwst's RampFitStep, products and metadata, the "no
 * products" cases, and the committed stcal truth reached through RampModels.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { fitRamps } from '../../../ts/kernels/ramp-fit.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { rampFitStep, RampFitStepError, resolveMaximumCores } from '../../../ts/steps/ramp-fit.js';
import { pixel } from '../../../ts/dq/index.js';
import { compare, dqMismatches, loadCase, type OracleCase } from './ramp-fit-oracle-data.js';
import type { TileTask } from '../../../ts/pool/pool.js';

const golden = join(fileURLToPath(new URL('../../../', import.meta.url)), 'tests/golden/ramp_fit');

beforeAll(async () => {
  await loadKernels();
});

/** A RampModel with the inputs and metadata of an oracle case. */
function modelOf(c: OracleCase): RampModel {
  const meta = emptyMeta();
  meta.instrument.name = c.params.instrument;
  Object.assign(meta.exposure, {
    frameTime: c.params.frame_time,
    groupTime: c.params.group_time,
    nframes: c.params.nframes,
    groupgap: c.params.groupgap,
    nints: c.shape.nints,
    ngroups: c.shape.ngroups,
    type: 'NRC_IMAGE',
  });
  if (c.params.drop_frames1 !== null) meta.exposure.dropFrames1 = c.params.drop_frames1;
  return createRampModel({
    shape: [c.shape.nints, c.shape.ngroups, c.shape.rows, c.shape.cols],
    data: c.input.data.slice(),
    groupdq: c.input.groupdq.slice(),
    pixeldq: c.input.pixeldq.slice(),
    zeroframe: c.input.zeroframe?.slice(),
    avdrkcur: c.input.averageDarkCurrent?.slice(),
    meta,
  });
}

function stepOptions(c: OracleCase) {
  return {
    gain: c.input.gain,
    readnoise: c.input.readnoise,
    saveOpt: c.params.save_opt,
    suppressOneGroup: c.params.suppress_one_group,
    firstgroup: c.params.firstgroup,
    lastgroup: c.params.lastgroup,
  };
}

describe('rampFitStep on the committed stcal cases', () => {
  for (const name of ['mixed', 'miri_trim', 'first_last_group', 'zeroframe_suppress_off', 'one_group', 'multi_int']) {
    it(`${name}: products equal stcal's and the kernel API's`, async () => {
      const c = loadCase(golden, name);
      const model = modelOf(c);
      const groupdqBefore = model.groupdq.slice();
      const out = await rampFitStep(model, stepOptions(c));
      // The input model is left alone (jwst modifies its groupdq in place; we never do).
      expect(model.groupdq).toEqual(groupdqBefore);
      for (const [prefix, product] of [
        ['rate', out.rate!],
        ['rateints', out.rateints!],
      ] as const) {
        for (const [stem, key] of [
          ['slope', 'data'],
          ['err', 'err'],
          ['var_poisson', 'varPoisson'],
          ['var_rnoise', 'varRnoise'],
        ] as const) {
          const d = compare(`${prefix}_${stem}`, product[key], c.expected[`${prefix}_${stem}`].data, 1e-5, 1e-6);
          expect(d.bad, `${name} ${prefix}_${stem}`).toBe(0);
        }
        expect(dqMismatches(product.dq, c.expected[`${prefix}_dq`].data)).toBe(0);
      }
      const direct = fitRamps(c.input, c.shape)!;
      expect(out.rate!.data).toEqual(direct.rate.slope);
      expect(out.rateints!.data).toEqual(direct.rateints.slope);
      if (c.params.save_opt) {
        const f = out.fitopt!;
        expect(f.shape).toEqual(c.expected.fitopt_slope.shape);
        expect(f.slope).toEqual(c.expected.fitopt_slope.data);
        expect(f.crmag).toEqual(c.expected.fitopt_crmag.data);
        expect(f.pedestal).toEqual(c.expected.fitopt_pedestal.data);
      } else {
        expect(out.fitopt).toBeUndefined();
      }
    });
  }
});

describe('rampFitStep products and metadata', () => {
  const c = () => loadCase(golden, 'clean');

  it('makes an ImageModel and a CubeModel (also for NINTS = 1) with S_RAMP = COMPLETE', async () => {
    const model = modelOf(c());
    model.meta.exposure.gainFactor = undefined;
    const out = await rampFitStep(model, { ...stepOptions(c()), gainFactor: 2.5 });
    expect(out.rate!.model).toBe('ImageModel');
    expect(out.rate!.shape).toEqual([8, 8]);
    expect(out.rateints!.model).toBe('CubeModel');
    expect(out.rateints!.shape).toEqual([1, 8, 8]);
    for (const product of [out.rate!, out.rateints!]) {
      expect(product.meta.calStep.RAMP).toBe('COMPLETE');
      expect(product.meta.exposure.gainFactor).toBe(2.5);
      expect(product.meta.exposure.frameTime).toBe(model.meta.exposure.frameTime);
    }
    expect(model.meta.calStep.RAMP).toBeUndefined();
    expect(model.meta.exposure.gainFactor).toBeUndefined();
  });

  it('makes an IFUImageModel for NRS_IFU and MIR_MRS', async () => {
    for (const type of ['NRS_IFU', 'MIR_MRS']) {
      const model = modelOf(c());
      model.meta.exposure.type = type;
      expect((await rampFitStep(model, stepOptions(c()))).rate!.model).toBe('IFUImageModel');
    }
    const lamp = modelOf(c());
    lamp.meta.exposure.type = 'NRS_LAMP';
    lamp.meta.instrument.lampMode = 'IFU';
    expect((await rampFitStep(lamp, stepOptions(c()))).rate!.model).toBe('IFUImageModel');
  });

  it('pads an empty fitopt segment axis to one plane of zeros', async () => {
    // Every group JUMP only: no segment anywhere, no cosmic-ray magnitude beyond group 0.
    const meta = emptyMeta();
    Object.assign(meta.exposure, { frameTime: 10, groupTime: 10, nframes: 1, groupgap: 0 });
    const model = createRampModel({
      shape: [1, 2, 1, 2],
      data: Float32Array.of(1, 2, 3, 4),
      groupdq: new Uint8Array(4).fill(pixel.JUMP_DET),
      pixeldq: new Uint32Array(2),
      meta,
    });
    const out = await rampFitStep(model, { gain: Float32Array.of(2, 2), readnoise: Float32Array.of(10, 10), saveOpt: true });
    expect(out.fitopt!.shape).toEqual([1, 1, 1, 2]);
    expect([...out.fitopt!.slope]).toEqual([0, 0]);
    expect(out.fitopt!.maxCr).toBe(1);
    expect([...out.rate!.data]).toEqual([0, 0]);
  });

  it('returns no products when every pixel is saturated in group 0', async () => {
    const all = loadCase(golden, 'all_saturated');
    const out = await rampFitStep(modelOf(all), stepOptions(all));
    expect(out).toEqual({ rate: null, rateints: null, noProducts: 'all-first-groups-saturated' });
    const miri = loadCase(golden, 'miri_all_dnu');
    expect((await rampFitStep(modelOf(miri), stepOptions(miri))).noProducts).toBe('miri-all-groups-do-not-use');
  });

  it("rejects unknown algorithms, and runs LIKELY as OLS_C below 4 groups as jwst does", async () => {
    const model = modelOf(c());
    await expect(rampFitStep(model, { ...stepOptions(c()), algorithm: 'GLS' })).rejects.toThrow(RampFitStepError);
    await expect(rampFitStep(model, { ...stepOptions(c()), algorithm: 'GLS' })).rejects.toThrow(/'OLS_C' or 'LIKELY'/);
    const short = loadCase(golden, 'two_groups');
    const out = await rampFitStep(modelOf(short), { ...stepOptions(short), algorithm: 'LIKELY' });
    expect(out.rate!.data).toEqual(short.expected.rate_slope.data);
  });

  it('switches to LIKELY with jwst\'s warning when the ramp has read times, and fits with them', async () => {
    const mixed = c();
    const { ngroups } = mixed.shape;
    const readTimes = Array.from({ length: ngroups }, (_, k) => (k % 2 === 0 ? [11.3 * k + 1, 11.3 * k + 2.5] : [11.3 * k + 4]));
    const model = modelOf(mixed);
    model.meta.exposure.readTimes = readTimes;
    const messages: string[] = [];
    const log = (level: string, message: string) => messages.push(`${level}: ${message}`);
    const out = await rampFitStep(model, { ...stepOptions(mixed), saveOpt: false, log });
    expect(messages).toEqual(['warning: Setting the algorithm to LIKELY for unevenly sampled exposure']);
    const likely = fitRamps({ ...mixed.input, saveOpt: false, algorithm: 'LIKELY', readTimes }, mixed.shape)!;
    expect(out.rate!.data).toEqual(likely.rate.slope);
    expect(out.rateints!.err).toEqual(likely.rateints.err);
    // Without read times it stays OLS_C, silently.
    messages.length = 0;
    const plain = await rampFitStep(modelOf(mixed), { ...stepOptions(mixed), saveOpt: false, log });
    expect(messages).toEqual([]);
    expect(plain.rate!.data).not.toEqual(out.rate!.data);
    // Below 4 groups LIKELY falls back to OLS_C, with jwst's message.
    const short = loadCase(golden, 'two_groups');
    const shortModel = modelOf(short);
    shortModel.meta.exposure.readTimes = [[1], [12.5]];
    messages.length = 0;
    const fallback = await rampFitStep(shortModel, { ...stepOptions(short), log });
    expect(messages[0]).toMatch(/^warning: Setting the algorithm to LIKELY/);
    expect(messages[1]).toMatch(/^info: .*ngroups = 2.*changed to OLS_C/);
    expect(fallback.rate!.data).toEqual(short.expected.rate_slope.data);
  });

  it('names a missing exposure keyword', async () => {
    const model = modelOf(c());
    model.meta.exposure.groupTime = undefined;
    await expect(rampFitStep(model, stepOptions(c()))).rejects.toThrow(/no TGROUP/);
  });

  it('maps maximum_cores like stcal compute_num_cores and uses a pool it creates', async () => {
    expect(resolveMaximumCores('1', 100, 8)).toBe(1);
    expect(resolveMaximumCores('none', 100, 8)).toBe(1);
    expect(resolveMaximumCores('quarter', 100, 8)).toBe(2);
    expect(resolveMaximumCores('half', 100, 3)).toBe(1);
    expect(resolveMaximumCores('all', 100, 8)).toBe(8);
    expect(resolveMaximumCores('6', 4, 8)).toBe(4);
    expect(resolveMaximumCores('16', 100, 8)).toBe(8);
    expect(resolveMaximumCores(3, 100, 8)).toBe(3);

    // A stand-in pool that runs tasks in this thread and records its size.
    const { executeTile } = await import('../../../ts/kernels/registry.js');
    let created = 0;
    let destroyed = false;
    const fake = async (size: number) => {
      created = size;
      return {
        size,
        run: async (task: TileTask) =>
          executeTile(task.kernel, task.arrays, task.shape, task.params),
        destroy: async () => {
          destroyed = true;
        },
      };
    };
    const base = await rampFitStep(modelOf(c()), stepOptions(c()));
    const out = await rampFitStep(modelOf(c()), { ...stepOptions(c()), maximumCores: 'all', availableCores: 4, createPool: fake });
    expect([created, destroyed]).toEqual([4, true]);
    expect(out.rate!.data).toEqual(base.rate!.data);
  });
});
