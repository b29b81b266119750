/**
 * Reads the cases written by tests/oracle/ramp_fit_oracle.py (stcal's OLS_C or LIKELY run on
 * synthetic exposures): `.npy` arrays plus `params.json`, and compares our arrays with stcal's.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RampFitAlgorithm, RampFitInput } from '../../../ts/kernels/ramp-fit.js';

export interface Npy {
  shape: number[];
  data: Float32Array | Uint32Array | Uint8Array | Float64Array;
}

/** Minimal `.npy` reader (format 1-3, little-endian f4/f8/u4/u1, C order). */
export function readNpy(path: string): Npy {
  const bytes = readFileSync(path);
  if (bytes.readUInt32BE(0) !== 0x934e554d || bytes.toString('latin1', 4, 6) !== 'PY') throw new Error(`${path}: not .npy`);
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  if (fortran !== 'False') throw new Error(`${path}: Fortran order is not supported`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const body = bytes.subarray(start + headerLen);
  const copy = new Uint8Array(body).buffer; // aligned copy
  const types = { '<f4': Float32Array, '<f8': Float64Array, '<u4': Uint32Array, '|u1': Uint8Array } as const;
  const Type = types[descr as keyof typeof types];
  if (!Type) throw new Error(`${path}: dtype ${descr} is not supported`);
  const data = new Type(copy);
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`${path}: ${data.length} elements for shape [${shape}]`);
  return { shape, data };
}

export interface OracleParams {
  frame_time: number;
  group_time: number;
  nframes: number;
  groupgap: number;
  drop_frames1: number | null;
  instrument: string;
  suppress_one_group: boolean;
  save_opt: boolean;
  firstgroup: number | null;
  lastgroup: number | null;
  seed: number;
  shape: [number, number, number, number];
  no_products: boolean;
  /** Written for LIKELY cases only (absent = OLS_C). */
  algorithm?: RampFitAlgorithm;
}

export interface OracleCase {
  name: string;
  dir: string;
  params: OracleParams;
  input: RampFitInput;
  shape: { nints: number; ngroups: number; rows: number; cols: number };
  /** stcal's arrays by file stem, e.g. `rate_slope`, `fitopt_crmag`. */
  expected: Record<string, Npy>;
}

export function listCases(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'params.json')))
    .map((d) => d.name)
    .sort();
}

export function loadCase(root: string, name: string): OracleCase {
  const dir = join(root, name);
  const params = JSON.parse(readFileSync(join(dir, 'params.json'), 'utf8')) as OracleParams;
  const load = (stem: string) => readNpy(join(dir, `${stem}.npy`));
  const optional = (stem: string) => (existsSync(join(dir, `${stem}.npy`)) ? load(stem) : undefined);
  const [nints, ngroups, rows, cols] = params.shape;
  const input: RampFitInput = {
    data: load('data').data as Float32Array,
    groupdq: load('groupdq').data as Uint8Array,
    pixeldq: load('pixeldq').data as Uint32Array,
    gain: load('gain').data as Float32Array,
    readnoise: load('readnoise').data as Float32Array,
    zeroframe: optional('zeroframe')?.data as Float32Array | undefined,
    averageDarkCurrent: optional('average_dark_current')?.data as Float32Array | undefined,
    frameTime: params.frame_time,
    groupTime: params.group_time,
    nframes: params.nframes,
    groupgap: params.groupgap,
    dropFrames1: params.drop_frames1 ?? undefined,
    suppressOneGroup: params.suppress_one_group,
    firstgroup: params.firstgroup,
    lastgroup: params.lastgroup,
    saveOpt: params.save_opt,
    instrument: params.instrument,
    algorithm: params.algorithm ?? 'OLS_C',
  };
  const expected: Record<string, Npy> = {};
  for (const file of readdirSync(dir)) {
    const stem = file.replace(/\.npy$/, '');
    if (/^(rate|rateints|fitopt)_/.test(stem)) expected[stem] = load(stem);
  }
  return { name, dir, params, input, shape: { nints, ngroups, rows, cols }, expected };
}

export interface Diff {
  array: string;
  n: number;
  maxAbs: number;
  maxRel: number;
  /** Elements outside the tolerance. */
  bad: number;
  /** Elements where exactly one side is NaN. */
  nanMismatch: number;
}

/**
 * Differences of `ours` from `theirs`: an element is within tolerance when both are NaN, or
 * |a - b| <= max(rel * |b|, abs).
 */
export function compare(
  array: string,
  ours: ArrayLike<number>,
  theirs: ArrayLike<number>,
  rel: number,
  abs: number,
): Diff {
  if (ours.length !== theirs.length) throw new Error(`${array}: ${ours.length} elements vs stcal's ${theirs.length}`);
  let maxAbs = 0;
  let maxRel = 0;
  let bad = 0;
  let nanMismatch = 0;
  for (let k = 0; k < ours.length; k++) {
    const a = ours[k];
    const b = theirs[k];
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) {
        nanMismatch++;
        bad++;
      }
      continue;
    }
    if (a === b) continue; // also equal infinities (fitopt weights 1/0)
    const d = Math.abs(a - b);
    const r = d === 0 ? 0 : d / Math.max(Math.abs(b), Number.MIN_VALUE);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, r);
    if (d > Math.max(rel * Math.abs(b), abs)) bad++;
  }
  return { array, n: ours.length, maxAbs, maxRel, bad, nanMismatch };
}

/** Number of elements whose DQ bits differ. */
export function dqMismatches(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  let n = 0;
  for (let k = 0; k < ours.length; k++) if (ours[k] >>> 0 !== theirs[k] >>> 0) n++;
  return n;
}

/** Pixels of `(planes, plane)` arrays whose values differ bit for bit (NaN = NaN). */
export function differingPixels(ours: ArrayLike<number>, theirs: ArrayLike<number>, plane: number): Set<number> {
  const out = new Set<number>();
  for (let k = 0; k < ours.length; k++) {
    if (!Object.is(ours[k], theirs[k])) out.add(k % plane);
  }
  return out;
}
