/**
 * CRDS-layout reference files consistent with the simulator (spec/reference_files.md §1-2): the
 * same detector maps the exposures are drawn from, cut to a region, written with the standard
 * reference keywords (REFTYPE, INSTRUME, DETECTOR, SUBARRAY, SUBSTRT/SUBSIZE, READPATT, USEAFTER,
 * PEDIGREE...), a DQ_DEF table and an ASDF extension.
 */
import { Header, type WritableHdu } from '../io/fits/index.js';
import { asdfHdu } from '../datamodels/asdf.js';
import { pixel, standardDqDefinitions } from '../dq/index.js';
import { DetectorModel, nonlinear, PixelClass, type Region } from './detector.js';
import { miriDarkExtra, miriResetShape, MIRI_REFERENCE_INTS, MIRI_RESET_GROUPS, rscdRows } from './miri.js';
import type { InstrumentInfo, DetectorInfo } from './modes.js';
import { pixelHash, hashString } from './prng.js';
import { simulatorAsdf } from './uncal.js';
import { REFERENCE_DATE, SIMULATED_USEAFTER, SIMULATOR_VERSION } from './constants.js';

export { SIMULATED_USEAFTER } from './constants.js';

export type SimulatedReftype = 'mask' | 'saturation' | 'superbias' | 'linearity' | 'dark' | 'gain' | 'readnoise' | 'ipc' | 'reset' | 'rscd';

/** What a reference file is for: a detector region and the modes it serves. */
export interface ReferenceSpec {
  info: InstrumentInfo;
  detector: DetectorInfo;
  /** Full-frame rectangle covered by the file (0-based). */
  region: Region;
  /** SUBARRAY keyword: the subarray name, FULL, or GENERIC for a region that steps cut. */
  subarrayName: string;
  readpatts?: string[];
  expTypes?: string[];
  noutputs?: number;
  filters?: string[];
  /** Dark: seconds per frame and frames to hold (NIR: frames; MIRI: groups). */
  tframe?: number;
  nframes?: number;
  /** A bias the exposures used instead of the model's (e.g. a real SUPERBIAS), region-sized. */
  bias?: Float32Array;
  fileName: string;
}

const DATAMODEL: Record<SimulatedReftype, string> = {
  mask: 'MaskModel',
  saturation: 'SaturationModel',
  superbias: 'SuperBiasModel',
  linearity: 'LinearityModel',
  dark: 'DarkModel',
  gain: 'GainModel',
  readnoise: 'ReadnoiseModel',
  ipc: 'IPCModel',
  reset: 'ResetModel',
  rscd: 'RSCDModel',
};

const DESCRIPTION: Record<SimulatedReftype, string> = {
  mask: 'Simulated bad-pixel mask',
  saturation: 'Simulated saturation thresholds',
  superbias: 'Simulated superbias',
  linearity: 'Simulated linearity coefficients',
  dark: 'Simulated dark current',
  gain: 'Simulated gain',
  readnoise: 'Simulated CDS read noise',
  ipc: 'Simulated IPC deconvolution kernel',
  reset: 'Simulated MIRI reset anomaly',
  rscd: 'Simulated MIRI RSCD group skips',
};

/** `A|B|` pattern keyword value (P_ keywords). */
const pattern = (values: string[]) => values.map((v) => `${v}|`).join('');

function primaryHeader(reftype: SimulatedReftype, spec: ReferenceSpec, model?: string): Header {
  const h = new Header();
  const set = (key: string, value: string | number | boolean, comment: string) => h.set(key, value, comment);
  set('DATE', REFERENCE_DATE, 'Date this file was created (UTC)');
  set('ORIGIN', 'jwst-detector1', 'Organization responsible for creating file');
  set('FILENAME', spec.fileName, 'Name of the file');
  set('DATAMODL', model ?? DATAMODEL[reftype], 'Type of data model');
  set('TELESCOP', 'JWST', 'Telescope used to acquire the data');
  set('INSTRUME', spec.info.name, 'Instrument used to acquire the data');
  set('DETECTOR', spec.detector.name, 'Name of detector used to acquire the data');
  if (spec.filters?.length) {
    set('FILTER', spec.filters.length === 1 ? spec.filters[0] : 'N/A', 'Name of the filter element used');
    if (spec.filters.length > 1) set('P_FILTER', pattern(spec.filters), 'Applicable filters');
  }
  if (spec.expTypes?.length) {
    set('EXP_TYPE', spec.expTypes.length === 1 ? spec.expTypes[0] : 'N/A', 'Type of data in the exposure');
    if (spec.expTypes.length > 1) set('P_EXP_TY', pattern(spec.expTypes), 'Applicable exposure types');
  }
  if (spec.readpatts?.length) {
    set('READPATT', spec.readpatts.length === 1 ? spec.readpatts[0] : 'ANY', 'Readout pattern');
    if (spec.readpatts.length > 1) set('P_READPA', pattern(spec.readpatts), 'Applicable readout patterns');
  }
  if (spec.noutputs !== undefined) set('NOUTPUTS', spec.noutputs, 'Number of detector outputs used');
  set('SUBARRAY', spec.subarrayName, 'Subarray used');
  set('SUBSTRT1', spec.region.x0 + 1, 'Starting pixel in axis 1 direction');
  set('SUBSTRT2', spec.region.y0 + 1, 'Starting pixel in axis 2 direction');
  set('SUBSIZE1', spec.region.nx, 'Number of pixels in axis 1 direction');
  set('SUBSIZE2', spec.region.ny, 'Number of pixels in axis 2 direction');
  set('FASTAXIS', spec.detector.fastaxis, 'Fast readout axis direction');
  set('SLOWAXIS', spec.detector.slowaxis, 'Slow readout axis direction');
  set('REFTYPE', reftype.toUpperCase(), 'Reference file type');
  set('DESCRIP', DESCRIPTION[reftype], 'Description of the reference file');
  set('AUTHOR', 'jwst-detector1 simulator', 'Author of the reference file');
  set('PEDIGREE', 'SIMULATION', 'The pedigree of the reference file');
  set('USEAFTER', SIMULATED_USEAFTER, 'Use after date of the reference file');
  h.add('HISTORY', `Made by the jwst-detector1 simulator (format ${SIMULATOR_VERSION}) from the same detector maps`);
  h.add('HISTORY', 'as the simulated exposures, so that calibrating them recovers the injected signal.');
  return h;
}

function image(extname: string, data: Float32Array | Uint32Array, shape: number[], bunit?: string): WritableHdu {
  const h = new Header();
  h.set('EXTNAME', extname, 'extension name');
  if (bunit) h.set('BUNIT', bunit, 'physical units of the array values');
  return { kind: 'image', header: h, data, shape };
}

function dqDefHdu(): WritableHdu {
  const defs = standardDqDefinitions();
  const h = new Header();
  h.set('EXTNAME', 'DQ_DEF', 'extension name');
  return {
    kind: 'bintable',
    header: h,
    nrows: defs.length,
    columns: [
      { name: 'BIT', format: 'J', data: Int32Array.from(defs, (d) => d.bit) },
      { name: 'VALUE', format: 'J', data: Uint32Array.from(defs, (d) => d.value) },
      { name: 'NAME', format: '40A', data: defs.map((d) => d.name) },
      { name: 'DESCRIPTION', format: '80A', data: defs.map((d) => d.description) },
    ],
  };
}

const asdf = () => asdfHdu(simulatorAsdf());

/** Linear signal (DN) where the saturation flag trips: 98.5% of the response at full well. */
export const SATURATION_MARGIN = 0.985;

export function saturationThresholds(model: DetectorModel, region: Region, bias?: Float32Array): { threshold: Float32Array; dq: Uint32Array } {
  const base = bias ?? model.bias(region);
  const well = model.well(region);
  const { a, b } = model.linearity(region);
  const noCheck = model.defect(region, 'no-sat-check', model.physics.fractions.noSatCheck);
  const n = region.nx * region.ny;
  const threshold = new Float32Array(n);
  const dq = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    threshold[i] = base[i] + SATURATION_MARGIN * nonlinear(well[i], a[i], b[i]);
    if (noCheck[i]) {
      dq[i] = pixel.NO_SAT_CHECK;
      // half of them as NaN thresholds (jwst treats NaN as NO_SAT_CHECK too)
      if (i % 2 === 0) threshold[i] = NaN;
    }
  }
  return { threshold, dq };
}

/** The superbias arrays (also used by `detector1 demo`). */
export function superbiasArrays(model: DetectorModel, region: Region, bias?: Float32Array): { sci: Float32Array; err: Float32Array; dq: Uint32Array } {
  const sci = Float32Array.from(bias ?? model.bias(region));
  const unreliable = model.defect(region, 'unreliable-bias', model.physics.fractions.unreliableBias);
  const dq = new Uint32Array(sci.length);
  const key = hashString(`${model.key}/bias-nan`);
  let x = region.x0;
  let y = region.y0;
  for (let i = 0; i < sci.length; i++) {
    if (unreliable[i]) {
      dq[i] = pixel.UNRELIABLE_BIAS;
      if (pixelHash(key, x, y) < 0.3) sci[i] = NaN;
    }
    if (++x === region.x0 + region.nx) {
      x = region.x0;
      y++;
    }
  }
  return { sci, err: new Float32Array(sci.length).fill(2), dq };
}

/** COEFFS (and INV_COEFFS for NIR) of the LINEARITY reference. */
export function linearityArrays(model: DetectorModel, region: Region): { coeffs: Float32Array; inv?: Float32Array; dq: Uint32Array; ncoeffs: number } {
  const n = region.nx * region.ny;
  const ncoeffs = 5;
  const { a, b, flags } = model.linearity(region);
  const miri = model.info.instrument === 'miri';
  const pedestal = miri ? model.bias(region) : undefined;
  const coeffs = new Float32Array(ncoeffs * n);
  const inv = miri ? undefined : new Float32Array(ncoeffs * n);
  const dq = new Uint32Array(n);
  const classes = model.classes(region);
  for (let i = 0; i < n; i++) {
    const identity = classes[i] === PixelClass.REFERENCE || flags[i] === 1;
    if (identity) dq[i] = pixel.NO_LIN_CORR;
    const ai = identity ? 0 : a[i];
    const bi = identity ? 0 : b[i];
    let c: number[];
    if (pedestal) {
      // MIRI data are not bias-subtracted: P(r - p) + p expanded in powers of the raw value r
      const p = pedestal[i];
      c = [ai * p * p - bi * p * p * p, 1 - 2 * ai * p + 3 * bi * p * p, ai - 3 * bi * p, bi, 0];
    } else {
      c = [0, 1, ai, bi, 0];
    }
    if (flags[i] === 2) c[2] = NaN; // a NaN coefficient: jwst uses the identity and flags NO_LIN_CORR
    for (let k = 0; k < ncoeffs; k++) coeffs[k * n + i] = c[k];
    if (inv) {
      // series inverse of m + a m^2 + b m^3 (Lagrange inversion to 4th order)
      const ic = [0, 1, -ai, 2 * ai * ai - bi, -5 * ai * ai * ai + 5 * ai * bi];
      for (let k = 0; k < ncoeffs; k++) inv[k * n + i] = ic[k];
    }
  }
  return { coeffs, inv, dq, ncoeffs };
}

/** Mean dark signal per frame (NIR) or per integration and group (MIRI), DN. */
export function darkArrays(model: DetectorModel, region: Region, tframe: number, nframes: number): { sci: Float32Array; dq: Uint32Array; shape: number[]; avgDark: number } {
  const n = region.nx * region.ny;
  const classes = model.classes(region);
  const rate = model.darkRate(region, classes);
  const gain = model.gain(region);
  const unreliable = model.defect(region, 'unreliable-dark', model.physics.fractions.unreliableDark);
  const miri = model.info.instrument === 'miri';
  const nints = miri ? MIRI_REFERENCE_INTS : 1;
  const sci = new Float32Array(nints * nframes * n);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const dnPerSecond = gain[i] > 0 ? rate[i] / gain[i] : 0;
    if (classes[i] === PixelClass.NORMAL) {
      sum += rate[i];
      count++;
    }
    for (let int = 0; int < nints; int++) {
      for (let f = 0; f < nframes; f++) {
        const sensitive = classes[i] !== PixelClass.REFERENCE && classes[i] !== PixelClass.DEAD;
        const extra = miri && sensitive ? miriDarkExtra(int, f) : 0;
        sci[(int * nframes + f) * n + i] = dnPerSecond * (f + 1) * tframe + extra;
      }
    }
  }
  const dq = new Uint32Array(miri ? nints * n : n);
  for (let i = 0; i < n; i++) if (unreliable[i]) for (let int = 0; int < (miri ? nints : 1); int++) dq[int * n + i] = pixel.UNRELIABLE_DARK;
  const shape = miri ? [nints, nframes, region.ny, region.nx] : [nframes, region.ny, region.nx];
  return { sci, dq, shape, avgDark: count > 0 ? sum / count : 0 };
}

/** The 3x3 IPC deconvolution kernel: first-order inverse of the coupling the simulator applies. */
export function ipcKernel(model: DetectorModel): Float32Array {
  const a = model.physics.ipcAlpha;
  return Float32Array.from([0, -a, 0, -a, 1 + 4 * a, -a, 0, -a, 0]);
}

/** The HDUs of one simulated reference file. */
export function referenceHdus(reftype: SimulatedReftype, spec: ReferenceSpec): WritableHdu[] {
  const model = new DetectorModel(spec.info, spec.detector);
  const { region } = spec;
  const plane = [region.ny, region.nx];
  const miri = spec.info.instrument === 'miri';
  switch (reftype) {
    case 'mask':
      return [{ kind: 'image', header: primaryHeader(reftype, spec) }, image('DQ', model.maskFlags(region), plane), dqDefHdu(), asdf()];
    case 'saturation': {
      const { threshold, dq } = saturationThresholds(model, region, spec.bias);
      return [{ kind: 'image', header: primaryHeader(reftype, spec) }, image('SCI', threshold, plane, 'DN'), image('DQ', dq, plane), dqDefHdu(), asdf()];
    }
    case 'superbias': {
      const { sci, err, dq } = superbiasArrays(model, region, spec.bias);
      return [
        { kind: 'image', header: primaryHeader(reftype, spec) },
        image('SCI', sci, plane, 'DN'),
        image('ERR', err, plane, 'DN'),
        image('DQ', dq, plane),
        dqDefHdu(),
        asdf(),
      ];
    }
    case 'linearity': {
      const { coeffs, inv, dq, ncoeffs } = linearityArrays(model, region);
      const hdus: WritableHdu[] = [{ kind: 'image', header: primaryHeader(reftype, spec) }, image('COEFFS', coeffs, [ncoeffs, ...plane])];
      if (inv) hdus.push(image('INV_COEFFS', inv, [ncoeffs, ...plane]));
      hdus.push(image('DQ', dq, plane), dqDefHdu(), asdf());
      return hdus;
    }
    case 'dark': {
      const nframes = spec.nframes ?? 10;
      const { sci, dq, shape, avgDark } = darkArrays(model, region, spec.tframe ?? 10.73676, nframes);
      const header = primaryHeader(reftype, spec, miri ? 'DarkMIRIModel' : 'DarkModel');
      header.set('NFRAMES', 1, 'Number of frames per group');
      header.set('GROUPGAP', 0, 'Number of frames dropped between groups');
      header.set('NGROUPS', nframes, 'Number of groups in integration');
      if (miri) header.set('NINTS', MIRI_REFERENCE_INTS, 'Number of integrations in exposure');
      header.set('AVDRKCUR', Number(avgDark.toFixed(6)), '[e/s] Average dark current');
      const dqShape = miri ? [MIRI_REFERENCE_INTS, 1, ...plane] : plane;
      return [
        { kind: 'image', header },
        image('SCI', sci, shape, 'DN'),
        image('ERR', new Float32Array(sci.length).fill(0.5), shape, 'DN'),
        image('DQ', dq, dqShape),
        dqDefHdu(),
        asdf(),
      ];
    }
    case 'gain':
      return [{ kind: 'image', header: primaryHeader(reftype, spec) }, image('SCI', model.gain(region), plane, 'ELECTRONS/DN'), asdf()];
    case 'readnoise':
      return [{ kind: 'image', header: primaryHeader(reftype, spec) }, image('SCI', model.readnoise(region), plane, 'DN'), asdf()];
    case 'ipc':
      return [{ kind: 'image', header: primaryHeader(reftype, spec) }, image('SCI', ipcKernel(model), [3, 3]), asdf()];
    case 'reset': {
      const amp = model.resetAmplitude(region);
      const classes = model.classes(region);
      const n = region.nx * region.ny;
      const shape = [MIRI_REFERENCE_INTS, MIRI_RESET_GROUPS, ...plane];
      const sci = new Float32Array(MIRI_REFERENCE_INTS * MIRI_RESET_GROUPS * n);
      for (let int = 0; int < MIRI_REFERENCE_INTS; int++) {
        for (let g = 0; g < MIRI_RESET_GROUPS; g++) {
          const factor = miriResetShape(int, g);
          for (let i = 0; i < n; i++) sci[(int * MIRI_RESET_GROUPS + g) * n + i] = amp[i] * factor;
        }
      }
      void classes;
      const header = primaryHeader(reftype, spec);
      header.set('NINTS', MIRI_REFERENCE_INTS, 'Number of integrations in exposure');
      header.set('NGROUPS', MIRI_RESET_GROUPS, 'Number of groups in integration');
      return [
        { kind: 'image', header },
        image('SCI', sci, shape, 'DN'),
        image('ERR', new Float32Array(sci.length).fill(1), shape, 'DN'),
        image('DQ', new Uint32Array(n), plane),
        dqDefHdu(),
        asdf(),
      ];
    }
    case 'rscd': {
      const rows = rscdRows();
      const h = new Header();
      h.set('EXTNAME', 'RSCD_GROUP_SKIP', 'extension name');
      return [
        { kind: 'image', header: primaryHeader(reftype, spec) },
        {
          kind: 'bintable',
          header: h,
          nrows: rows.length,
          columns: [
            { name: 'subarray', format: '17A', data: rows.map((r) => r.subarray) },
            { name: 'readpatt', format: '12A', data: rows.map((r) => r.readpatt) },
            { name: 'group_skip1', format: 'J', data: Int32Array.from(rows, (r) => r.skip1) },
            { name: 'group_skip', format: 'J', data: Int32Array.from(rows, (r) => r.skip) },
          ],
        },
        asdf(),
      ];
    }
  }
}
