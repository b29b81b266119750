/**
 * Comparing our products with the golden truth (jwst's products of the simulated cases, see
 * tests/golden/README.md). For steps' tests:
 *
 *   const truth = goldenProduct('nrc_sub64p_rapid', 'saturation');   // paths of truth and its input
 *   const refs = await goldenReferences('nrc_sub64p_rapid', 'saturation'); // reftype -> file in the cache
 *   ... run our step on truth.input with refs, write or keep the result ...
 *   const report = await compareProducts(ourPathOrArrays, truth.file, { tolerance: { rtol: 0, atol: 0 } });
 *   expect(report.ok, formatReport(report)).toBe(true);
 *
 * Float arrays: |ours - truth| <= atol + rtol |truth|, NaN matches NaN only. Integer (DQ) arrays:
 * exact unless a tolerance says otherwise. The report gives, per array, the max absolute and
 * relative differences and the fraction of elements outside the tolerance.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFits } from '../../ts/io/fits/node.js';
import type { ImageArray } from '../../ts/io/fits/index.js';

export const GOLDEN_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(GOLDEN_DIR, '..', '..');

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface ArrayComparison {
  name: string;
  count: number;
  identical: boolean;
  /** Largest |ours - truth| over elements where both are finite (0 when none). */
  maxAbs: number;
  /** Largest |ours - truth| / |truth| over finite elements with truth != 0. */
  maxRel: number;
  /** Elements outside the tolerance (NaN against a number counts). */
  outside: number;
  fractionOutside: number;
  /** Elements where exactly one side is NaN. */
  nanMismatch: number;
  /** First few offending flat indices, for messages. */
  examples: { index: number; ours: number; truth: number }[];
  tolerance: Tolerance;
  error?: string;
}

export interface ProductComparison {
  ours: string;
  truth: string;
  arrays: ArrayComparison[];
  ok: boolean;
}

type Numeric = Exclude<ImageArray, BigInt64Array> | Float64Array;

const isFloat = (a: ArrayLike<number>) => a instanceof Float32Array || a instanceof Float64Array;

/** Compares two arrays element by element (same length required). */
export function compareArrays(name: string, ours: ArrayLike<number>, truth: ArrayLike<number>, tolerance?: Partial<Tolerance>): ArrayComparison {
  const floats = isFloat(truth) || isFloat(ours);
  const tol: Tolerance = { rtol: tolerance?.rtol ?? 0, atol: tolerance?.atol ?? 0 };
  const result: ArrayComparison = {
    name,
    count: truth.length,
    identical: true,
    maxAbs: 0,
    maxRel: 0,
    outside: 0,
    fractionOutside: 0,
    nanMismatch: 0,
    examples: [],
    tolerance: tol,
  };
  if (ours.length !== truth.length) {
    return { ...result, identical: false, outside: truth.length, fractionOutside: 1, error: `${ours.length} elements, truth has ${truth.length}` };
  }
  for (let i = 0; i < truth.length; i++) {
    const a = ours[i];
    const b = truth[i];
    if (Object.is(a, b) || a === b) continue;
    const aNaN = a !== a;
    const bNaN = b !== b;
    if (aNaN && bNaN) continue;
    result.identical = false;
    let bad: boolean;
    if (aNaN || bNaN) {
      result.nanMismatch++;
      bad = true;
    } else {
      const diff = Math.abs(a - b);
      if (diff > result.maxAbs) result.maxAbs = diff;
      if (b !== 0 && diff / Math.abs(b) > result.maxRel) result.maxRel = diff / Math.abs(b);
      bad = floats ? !(diff <= tol.atol + tol.rtol * Math.abs(b)) : diff > tol.atol;
    }
    if (bad) {
      result.outside++;
      if (result.examples.length < 5) result.examples.push({ index: i, ours: a, truth: b });
    }
  }
  result.fractionOutside = truth.length > 0 ? result.outside / truth.length : 0;
  return result;
}

/** Our product: a FITS path, or arrays by EXTNAME. */
export type OurProduct = string | Record<string, ArrayLike<number>>;

async function readArrays(path: string, extensions?: string[]): Promise<Map<string, Numeric>> {
  const fits = await readFits(path);
  try {
    const out = new Map<string, Numeric>();
    for (const hdu of fits.hdus) {
      if (hdu.kind !== 'image' || !hdu.extname || hdu.shape.length === 0 || hdu.extname === 'ASDF') continue;
      if (extensions && !extensions.includes(hdu.extname)) continue;
      const { data } = await fits.readImage(hdu);
      if (data instanceof BigInt64Array) continue;
      out.set(hdu.extname, data as Numeric);
    }
    return out;
  } finally {
    await fits.close();
  }
}

/**
 * Compares every image extension of the truth file (or `extensions`) with ours. `tolerance` is one
 * tolerance for all arrays or one per EXTNAME (missing names: exact).
 */
export async function compareProducts(
  ours: OurProduct,
  truthPath: string,
  options: { extensions?: string[]; tolerance?: Partial<Tolerance> | Record<string, Partial<Tolerance>> } = {},
): Promise<ProductComparison> {
  const truth = await readArrays(truthPath, options.extensions);
  const mine = typeof ours === 'string' ? await readArrays(ours, options.extensions) : new Map(Object.entries(ours));
  const arrays: ArrayComparison[] = [];
  const tolFor = (name: string): Partial<Tolerance> | undefined => {
    const t = options.tolerance as Record<string, Partial<Tolerance>> | Partial<Tolerance> | undefined;
    if (!t) return undefined;
    if ('rtol' in t || 'atol' in t) return t as Partial<Tolerance>;
    return (t as Record<string, Partial<Tolerance>>)[name];
  };
  for (const [name, expected] of truth) {
    const actual = mine.get(name);
    if (!actual) {
      arrays.push({ ...compareArrays(name, [], expected), error: 'missing from our product' });
      continue;
    }
    arrays.push(compareArrays(name, actual, expected, tolFor(name)));
  }
  return {
    ours: typeof ours === 'string' ? ours : '(arrays)',
    truth: truthPath,
    arrays,
    ok: arrays.every((a) => a.outside === 0 && !a.error),
  };
}

/** One line per array: identical, or max abs/rel difference and the fraction outside tolerance. */
export function formatReport(report: ProductComparison): string {
  const lines = [`${report.ours} vs ${report.truth}: ${report.ok ? 'OK' : 'DIFFERS'}`];
  for (const a of report.arrays) {
    if (a.error) {
      lines.push(`  ${a.name}: ${a.error}`);
    } else if (a.identical) {
      lines.push(`  ${a.name}: identical (${a.count} elements)`);
    } else {
      const ex = a.examples.map((e) => `[${e.index}] ${e.ours} vs ${e.truth}`).join(', ');
      lines.push(
        `  ${a.name}: max |diff| ${a.maxAbs.toPrecision(4)}, max rel ${a.maxRel.toPrecision(4)}, ` +
          `${a.outside}/${a.count} (${(100 * a.fractionOutside).toPrecision(3)}%) outside rtol ${a.tolerance.rtol} atol ${a.tolerance.atol}` +
          (a.nanMismatch ? `, ${a.nanMismatch} NaN mismatches` : '') +
          (ex ? `; e.g. ${ex}` : ''),
      );
    }
  }
  return lines.join('\n');
}

// ---- the manifest ----

export interface ManifestProduct {
  file: string;
  variant: string;
  step: string;
  input: string;
  arrays: Record<string, string>;
  keywords: Record<string, string>;
  sha256?: string;
  same_arrays_as?: string;
  same_values_as?: string;
}

export interface ManifestCase {
  description: string;
  request: Record<string, unknown>;
  stem: string;
  instrument: string;
  inputs: Record<string, string>;
  references: Record<string, { sha256: string; real: boolean }>;
  products: ManifestProduct[];
}

export interface Manifest {
  tolerance: { float: Tolerance; integer: string; reason: string };
  generator: { versions: Record<string, string> };
  cases: Record<string, ManifestCase>;
}

let manifestCache: Manifest | undefined;

export function goldenManifest(): Manifest {
  manifestCache ??= JSON.parse(readFileSync(join(GOLDEN_DIR, 'manifest.json'), 'utf8')) as Manifest;
  return manifestCache;
}

export function goldenCases(): string[] {
  return Object.keys(goldenManifest().cases);
}

/**
 * A truth product of a case by step (pipeline variant by default) or by file suffix
 * ('rate', 'rateints', 'fitopt', 'likely_chisq', '0_rampfitstep'...). Aliases are resolved: `file`
 * is a stored file with the product's values; `input` is the stored file the step started from
 * (the uncal for the first step: open it as a RampModel).
 */
export function goldenProduct(caseName: string, stepOrSuffix: string, variant = 'pipeline'): { file: string; input: string; entry: ManifestProduct } {
  const c = goldenManifest().cases[caseName];
  if (!c) throw new Error(`no golden case "${caseName}" (cases: ${goldenCases().join(', ')})`);
  const matches = c.products.filter(
    (p) => p.variant === variant && (p.file.endsWith(`_${stepOrSuffix}.fits`) || (p.step === stepOrSuffix && p.file.endsWith(`_${p.step}.fits`))),
  );
  if (matches.length !== 1) {
    const known = c.products.filter((p) => p.variant === variant).map((p) => p.file.slice(p.file.lastIndexOf('/') + 1));
    throw new Error(`golden ${caseName}/${variant}: ${matches.length} products match "${stepOrSuffix}" (products: ${known.join(', ')})`);
  }
  const entry = matches[0];
  const caseDir = join(GOLDEN_DIR, caseName);
  return { file: join(caseDir, entry.same_values_as ?? entry.same_arrays_as ?? entry.file), input: join(caseDir, entry.input), entry };
}

/**
 * The generated mini CRDS cache (scripts/golden-inputs.mjs; `make golden-inputs`): env
 * DETECTOR1_GOLDEN_CRDS, else target/golden-crds. Undefined when it has not been generated.
 */
export function goldenCrdsRoot(): string | undefined {
  const root = process.env.DETECTOR1_GOLDEN_CRDS ?? join(REPO, 'target', 'golden-crds');
  return existsSync(join(root, 'mappings', 'jwst')) ? root : undefined;
}

/**
 * Reference files jwst used up to and including a product (its R_* keywords), by reference type
 * ('mask', 'saturation', 'superbias', 'linearity', 'dark', 'gain', 'readnoise', 'ipc', 'reset',
 * 'rscd'...), as paths in the generated cache.
 */
export function goldenReferences(caseName: string, stepOrSuffix: string, variant = 'pipeline'): Record<string, string> {
  const root = goldenCrdsRoot();
  if (!root) throw new Error('the golden CRDS cache is missing: run `make golden-inputs` (scripts/golden-inputs.mjs)');
  const { entry } = goldenProduct(caseName, stepOrSuffix, variant);
  const c = goldenManifest().cases[caseName];
  const instrument = c.instrument.toLowerCase();
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry.keywords)) {
    if (!key.startsWith('R_') || !value.startsWith('jwst_')) continue;
    const reftype = value.split('_')[2]; // jwst_<instrument>_<reftype>_<serial>.<ext>
    out[reftype] = join(root, 'references', 'jwst', instrument, value);
  }
  return out;
}
