/**
 * clean_flicker_noise and picture_frame: the parameter and input rules of jwst 3.0 (what fails,
 * what raises a typed error naming the parameter), the ramp rebuilt from cleaned group
 * differences with a user mask, and the extra products through `saveProduct`. Equality with
 * jwst's own steps on simulated exposures: tests/python/test_clean_flicker_noise_vs_jwst.py.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageModel, createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { pixel } from '../../../ts/dq/index.js';
import { encodeFits, Header } from '../../../ts/io/fits/index.js';
import { modelHdus } from '../../../ts/datamodels/index.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { cleanFlickerNoiseDefaults, cleanFlickerNoiseStep, FlickerStepError } from '../../../ts/steps/clean-flicker-noise.js';
import { fitsInMemory } from '../../helpers/fits.js';
import { pictureFrameDefaults, pictureFrameRegions, pictureFrameStep } from '../../../ts/steps/picture-frame.js';
import type { StepContext } from '../../../ts/steps/step.js';

beforeAll(async () => {
  await loadKernels();
});

function ramp(expType: string, shape: [number, number, number, number], data = new Float32Array(shape.reduce((a, b) => a * b, 1))): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.exposure, { type: expType });
  Object.assign(meta.instrument, { name: expType.startsWith('MIR') ? 'MIRI' : expType.startsWith('NRS') ? 'NIRSPEC' : 'NIRCAM' });
  Object.assign(meta.subarray, { name: 'SUB8', slowaxis: 2, fastaxis: -1, xstart: 1, ystart: 1, xsize: shape[3], ysize: shape[2] });
  return createRampModel({ meta, shape, data, pixeldq: new Uint32Array(shape[2] * shape[3]), groupdq: new Uint8Array(data.length) });
}

/** A model as the bytes of a FITS file. */
function fitsBytes(model: Parameters<typeof modelHdus>[0]): Uint8Array {
  const chunks = encodeFits(modelHdus(model, { fileName: 'mask.fits' }));
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** A 16 x 16 full-array reference: primary with its subarray keywords, SCI. */
function referenceHdus(values: Float32Array): Parameters<typeof fitsInMemory>[1] {
  return [
    { kind: 'image', header: new Header().set('SUBSTRT1', 1).set('SUBSTRT2', 1).set('SUBSIZE1', 16).set('SUBSIZE2', 16) },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: values, shape: [16, 16] },
  ];
}

async function rejection(run: Promise<unknown>): Promise<FlickerStepError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FlickerStepError);
  return error as FlickerStepError;
}

describe('clean_flicker_noise rules', () => {
  it("has jwst's defaults", () => {
    expect(cleanFlickerNoiseDefaults).toMatchObject({ fitMethod: 'median', backgroundMethod: 'median', nSigma: 2, singleMask: true, maskScienceRegions: false, skip: true });
  });

  it('fails (data untouched) where jwst refuses: MIRI other than imaging, fft outside NIRSpec', async () => {
    for (const [expType, options] of [['MIR_LRS-SLITLESS', {}], ['NRC_IMAGE', { fitMethod: 'fft' as const }]] as const) {
      const model = ramp(expType, [1, 2, 4, 4], new Float32Array(32).fill(3));
      const warnings: string[] = [];
      const result = await cleanFlickerNoiseStep(model, {}, { log: (_l, m) => warnings.push(m) }, options);
      expect(result.status).toBe('FAILED');
      expect(model.meta.calStep.CLNFNS).toBe('FAILED');
      expect(model.data.every((v) => v === 3)).toBe(true);
      expect(warnings.join()).toMatch(/not supported|cannot be applied/);
    }
  });

  it('raises a typed error naming the parameter for what needs machinery we do not have', async () => {
    const cases: [string, Parameters<typeof cleanFlickerNoiseStep>[3], string][] = [
      // TSO spectra's median images are scaled by extracted spectra (stage 2 steps)
      ['NRC_TSGRISM', { backgroundMethod: 'median_image' }, 'background_method'],
      ['NRS_BRIGHTOBJ', { backgroundMethod: 'median_image' }, 'background_method'],
      ['NIS_SOSS', { backgroundMethod: 'median_image' }, 'background_method'],
      ['NRS_IFU', { maskScienceRegions: true }, 'mask_science_regions'],
      ['NIS_SOSS', { maskScienceRegions: true }, 'mask_science_regions'],
    ];
    for (const [expType, options, parameter] of cases) {
      const error = await rejection(cleanFlickerNoiseStep(ramp(expType, [2, 2, 4, 4]), {}, {}, options));
      expect(error.parameter, `${expType} ${JSON.stringify(options)}`).toBe(parameter);
      expect(error.message).toContain(parameter);
    }
  });

  it('TSO imaging median image: tso_photometry needs XREF_SCI/YREF_SCI (else the step FAILS) and INT_TIMES (else an error)', async () => {
    const shape: [number, number, number, number] = [3, 2, 16, 16];
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let k = 0; k < data.length; k++) data[k] = 100 + 10 * Math.floor(k / 256) + (k % 7);
    const references = {
      gain: await fitsInMemory('gain.fits', referenceHdus(new Float32Array(256).fill(2))),
      readnoise: await fitsInMemory('readnoise.fits', referenceHdus(new Float32Array(256).fill(5))),
    };
    for (const [expType, tsovisit] of [['NRC_TSIMAGE', false], ['MIR_IMAGE', true]] as const) {
      const model = ramp(expType, shape, data.slice());
      Object.assign(model.meta.exposure, { nframes: 1, groupgap: 0, groupTime: 10, frameTime: 10, integrationTime: 20 });
      model.meta.visit.tsovisit = tsovisit;
      const warnings: string[] = [];
      const result = await cleanFlickerNoiseStep(model, references, { log: (_l, m) => warnings.push(m) }, { backgroundMethod: 'median_image' });
      expect(result.status, expType).toBe('FAILED');
      expect(warnings.join(), expType).toMatch(/median image could not be created \(XREF_SCI is missing\)/);
      expect(model.data).toEqual(data);

      model.sciHeader.set('XREF_SCI', 8).set('YREF_SCI', 8);
      const error = await rejection(cleanFlickerNoiseStep(model, references, {}, { backgroundMethod: 'median_image' }));
      expect(error.message).toMatch(/INT_TIMES/);
    }
  });

  it('needs GAIN and READNOISE for the draft rate, unless a user mask replaces it', async () => {
    const error = await rejection(cleanFlickerNoiseStep(ramp('NRC_IMAGE', [1, 2, 4, 4]), {}, {}));
    expect(error.message).toMatch(/GAIN/);
  });

  it('with a user mask: each group difference loses its row medians; products go to saveProduct', async () => {
    // 1 integration, 3 groups of 4 x 4; group g = 10 g + a stripe s(g, row) + one bright pixel.
    const [ngroups, rows, cols] = [3, 4, 4];
    const data = new Float32Array(ngroups * rows * cols);
    const stripe = (g: number, r: number) => (g === 0 ? 0 : ((g * 7 + r * 3) % 5) - 2);
    for (let g = 0; g < ngroups; g++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[(g * rows + r) * cols + c] = 10 * g + stripe(g, r) + (r === 1 && c === 2 ? 100 * g : 0);
    const model = ramp('NRC_IMAGE', [1, ngroups, rows, cols], data.slice());
    model.groupdq[(2 * rows + 3) * cols + 3] = pixel.JUMP_DET; // not used for group 2's stripe
    // the user's mask: everything but the bright pixel
    const maskArray = new Float32Array(rows * cols).fill(1);
    maskArray[1 * cols + 2] = 0;
    const maskModel = createImageModel({
      meta: emptyMeta(),
      shape: [rows, cols],
      data: maskArray,
      err: new Float32Array(16),
      dq: new Uint32Array(16),
      varPoisson: new Float32Array(16),
      varRnoise: new Float32Array(16),
    });
    const bytes = fitsBytes(maskModel);
    const saved = new Map<string, unknown>();
    const context: StepContext = {
      readBytes: async (path) => (path === 'user_mask.fits' ? bytes : undefined),
      saveProduct: async (suffix, product) => void saved.set(suffix, product),
    };
    const result = await cleanFlickerNoiseStep(model, {}, context, {
      userMask: 'user_mask.fits',
      backgroundMethod: null,
      saveMask: true,
      saveBackground: true,
      saveNoise: true,
    });
    expect(result.status).toBe('COMPLETE');
    expect([...saved.keys()]).toEqual(['mask', 'flicker_bkg', 'flicker_noise']);
    expect(Array.from(result.mask!.data)).toEqual(Array.from(maskArray));
    // Without a background every masked row of every difference has median 0; the bright
    // pixel keeps its own signal on top of its row's median.
    for (let g = 1; g < ngroups; g++) {
      for (let r = 0; r < rows; r++) {
        const diffs = Array.from({ length: cols }, (_, c) => model.data[(g * rows + r) * cols + c] - model.data[((g - 1) * rows + r) * cols + c]);
        const used = diffs.filter((_, c) => !(r === 1 && c === 2) && !(g === 2 && r === 3 && c === 3)).sort((a, b) => a - b);
        const median = used.length % 2 ? used[(used.length - 1) / 2] : (used[used.length / 2 - 1] + used[used.length / 2]) / 2;
        expect(median, `group ${g} row ${r}`).toBe(0);
      }
    }
    expect(model.data.subarray(0, 16)).toEqual(data.subarray(0, 16)); // group 0 untouched
    const noise = result.noise!.data;
    for (let k = 0; k < data.length; k++) expect(noise[k]).toBe(model.data[k] - data[k]);
    expect(result.background!.data.every((v) => v === 0)).toBe(true);
  });

  it('a user mask that does not match the data fails the step', async () => {
    const maskModel = createImageModel({
      meta: emptyMeta(),
      shape: [2, 2],
      data: new Float32Array(4).fill(1),
      err: new Float32Array(4),
      dq: new Uint32Array(4),
      varPoisson: new Float32Array(4),
      varRnoise: new Float32Array(4),
    });
    const bytes = fitsBytes(maskModel);
    const model = ramp('NRC_IMAGE', [1, 2, 4, 4]);
    const result = await cleanFlickerNoiseStep(model, {}, { readBytes: async () => bytes }, { userMask: 'm.fits' });
    expect(result.status).toBe('FAILED');
    const missing = await rejection(cleanFlickerNoiseStep(model, {}, { readBytes: async () => undefined }, { userMask: 'nowhere.fits' }));
    expect(missing.parameter).toBe('user_mask');
  });
});

describe('picture_frame rules', () => {
  it("has jwst's defaults and regions", () => {
    expect(pictureFrameDefaults).toEqual({ maskScienceRegions: true, nSigma: 2, saveMask: false, saveCorrection: false, skip: true });
    const { centre, edge } = pictureFrameRegions(new Uint8Array(2048 * 2048).fill(1), 2048, 2048);
    const at = (a: Uint8Array, y: number, x: number) => a[y * 2048 + x];
    expect([at(centre, 76, 76), at(centre, 1983, 1983), at(centre, 75, 100), at(centre, 1984, 100)]).toEqual([1, 1, 0, 0]);
    expect([at(edge, 4, 1000), at(edge, 74, 1000), at(edge, 75, 1000), at(edge, 3, 1000), at(edge, 2042, 1000), at(edge, 2043, 1000), at(edge, 1000, 4)]).toEqual([1, 1, 0, 0, 1, 0, 1]);
  });

  it('skips without a reference, outside NIRSpec full frame and for one group; mask_science_regions needs the WCS', async () => {
    const reference = {} as never;
    expect((await pictureFrameStep(ramp('NRS_FIXEDSLIT', [1, 2, 4, 4]), {})).status).toBe('SKIPPED');
    expect((await pictureFrameStep(ramp('NRS_FIXEDSLIT', [1, 2, 4, 4]), { pictureframe: reference })).status).toBe('SKIPPED');
    const full = ramp('NRS_FIXEDSLIT', [1, 1, 4, 4]);
    full.meta.subarray.name = 'FULL';
    expect((await pictureFrameStep(full, { pictureframe: reference })).status).toBe('SKIPPED');
    const twoGroups = ramp('NRS_FIXEDSLIT', [1, 2, 4, 4]);
    twoGroups.meta.subarray.name = 'FULL';
    const error = await rejection(pictureFrameStep(twoGroups, { pictureframe: reference }));
    expect(error.parameter).toBe('mask_science_regions');
  });
});
