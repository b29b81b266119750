/**
 * emicorr (spec/steps/miri.md §3, jwst 3.0 `emicorr/`): remove the EMI ripple from MIRI ramps,
 * one frequency after the other (those the EMICORR reference, ASDF, lists for the exposure's
 * subarray and readout speed, or `ontheflyCorrFreq`). 'joint' (default): fit one amplitude and
 * phase of the reference waveform across the exposure (or per integration with
 * `fitIntsSeparately`) on quiet pixels, subtract it from every pixel. 'sequential' (forced by
 * `ontheflyCorrFreq`, with the built-in clocks): phase and bin the slope- and bias-removed
 * data, shift (and scale) the reference waveform to it, or use it as is, and subtract.
 * jwst's class default is `skip = True`.
 *
 * Not MIRI, READPATT not FAST/FASTR1/SLOW/SLOWR1, no reference (and no on-the-fly
 * frequencies), fewer than 3 groups, or no subarray case / frequency list for the exposure ->
 * SKIPPED (jwst's fallbacks). A frequency the list names but the reference lacks ->
 * ReferenceFileError (jwst fails there too). Saving the on-the-fly reference is not implemented.
 * The fit spans all integrations: give this step the whole exposure, never a slice.
 */
import type { RampModel } from '../datamodels/models.js';
import { parseAsdf, type AsdfValue } from '../reffiles/asdf.js';
import { ReferenceFileError } from '../reffiles/index.js';
import { emicorrBin, emicorrFit, emicorrSequential, type EmicorrClocks } from '../kernels/emicorr.js';
import { runTiled } from '../pool/pool.js';
import { info, rampTileShape, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes this step records: `S_MIREMI`, `R_MIREMI`. */
export const emicorrKeywords = { status: 'MIREMI', reference: 'MIREMI' } as const;

export interface EmicorrOptions {
  algorithm?: 'joint' | 'sequential';
  /** 'joint': fit amplitude and phase per integration. */
  fitIntsSeparately?: boolean;
  /** 'sequential': integrations phased (default: enough for `useNCycles` cycles), bins per wave (default period/2, at most 500). */
  nintsToPhase?: number | null;
  nbins?: number | null;
  /** 'sequential': scale the reference waveform to the data's binned wave. */
  scaleReference?: boolean;
  useNCycles?: number | null;
  /** Frequencies (Hz) for an on-the-fly reference: forces 'sequential', ignores the reference. */
  ontheflyCorrFreq?: number[] | null;
}

/** jwst EmiCorrStep spec defaults; `skip` is for the pipeline. */
export const emicorrDefaults = {
  algorithm: 'joint',
  fitIntsSeparately: false,
  nintsToPhase: null,
  nbins: null,
  scaleReference: true,
  useNCycles: 3,
  ontheflyCorrFreq: null,
  skip: true,
} as const;

/** An EMICORR reference: its file name (recorded in R_MIREMI) and its ASDF bytes. */
export interface EmicorrReference {
  name: string;
  bytes: Uint8Array;
}

/** jwst's built-in clocks for on-the-fly frequencies: rowclocks, frameclocks. */
export const emicorrSubarrayClocks: Readonly<Record<string, readonly [number, number]>> = {
  SLITLESSPRISM: [28, 15904],
  MASKLYOT: [90, 32400],
  SUB64: [28, 8512],
  SUB128: [44, 11904],
  MASK1140: [82, 23968],
  MASK1550: [82, 23968],
  MASK1065: [82, 23968],
  FULL_FAST: [271, 277504],
  FULL_SLOW: [2333, 2388992],
  BRIGHTSKY: [162, 86528],
  SUB256: [96, 29952],
};

type Tree = { [key: string]: AsdfValue };
const isTree = (v: AsdfValue | undefined): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Float64Array);

/** jwst `get_subarcase`: clocks and frequency names for the exposure, or undefined. */
function subarrayCase(tree: Tree, subarray: string, readpatt: string, detector: string) {
  const speed = readpatt.includes('SLOW') ? 'SLOW' : readpatt.includes('FAST') ? 'FAST' : undefined;
  if (!speed) return undefined;
  const name = subarray.includes('FULL') ? `${subarray}_${speed}` : subarray;
  const cases = tree.subarray_cases;
  const found = isTree(cases) ? cases[name] : undefined;
  if (!isTree(found) || typeof found.rowclocks !== 'number' || typeof found.frameclocks !== 'number' || !isTree(found.freqs)) return undefined;
  const bySpeed = found.freqs[speed];
  const names = speed === 'FAST' ? bySpeed : isTree(bySpeed) ? bySpeed[detector] : undefined;
  if (!Array.isArray(names) || names.length === 0) return undefined;
  return { name, rowclocks: found.rowclocks, frameclocks: found.frameclocks, frequencies: names.map(String) };
}

export async function emicorrStep(
  ramp: RampModel,
  reference: EmicorrReference | undefined,
  context: StepContext = {},
  options: EmicorrOptions = {},
): Promise<StepStatus> {
  const o = { ...emicorrDefaults, ...options };
  const setStatus = (status: StepStatus) => (ramp.meta.calStep[emicorrKeywords.status] = status);
  const instrument = ramp.meta.instrument.name;
  if (instrument?.toUpperCase() !== 'MIRI') {
    warn(context, `emicorr: EMI correction not implemented for instrument: ${instrument}`);
    return setStatus('SKIPPED');
  }
  const readpatt = (ramp.meta.exposure.readpatt ?? '').toUpperCase();
  if (!['FAST', 'FASTR1', 'SLOW', 'SLOWR1'].includes(readpatt)) {
    warn(context, `emicorr: EMI correction not implemented for read pattern: ${ramp.meta.exposure.readpatt}`);
    return setStatus('SKIPPED');
  }
  const onTheFly = o.ontheflyCorrFreq ?? undefined;
  if (!onTheFly) {
    if (!reference) {
      warn(context, 'emicorr: no EMICORR reference; step skipped');
      ramp.meta.refFiles[emicorrKeywords.reference] = 'N/A';
      return setStatus('SKIPPED');
    }
    ramp.meta.refFiles[emicorrKeywords.reference] = reference.name.slice(reference.name.search(/[^/\\]*$/));
  }
  if (context.integrationOffset) {
    throw new RangeError('emicorr: the EMI fit spans every integration of the exposure; run this step on the whole exposure, not a slice');
  }
  const [nints, ngroups, rows, cols] = ramp.shape;
  if (ngroups < 3) {
    warn(context, `emicorr: EMI correction cannot be performed for ngroups=${ngroups}; step skipped`);
    return setStatus('SKIPPED');
  }
  const algorithm = onTheFly ? 'sequential' : o.algorithm;
  if (algorithm === 'sequential' && ngroups < 10) warn(context, `emicorr: the 'sequential' algorithm with ngroups=${ngroups}; 'joint' is recommended for ngroups < 10`);
  const detector = ramp.meta.instrument.detector ?? '';
  const subarray = ramp.meta.subarray.name ?? '';
  let found: { rowclocks: number; frameclocks: number; frequencies: { name: string; frequency: number; wave?: Float64Array }[] } | undefined;
  if (onTheFly) {
    const speed = readpatt.includes('FAST') ? 'FAST' : 'SLOW';
    const clocks = emicorrSubarrayClocks[subarray === 'FULL' ? `FULL_${speed}` : subarray];
    if (clocks) found = { rowclocks: clocks[0], frameclocks: clocks[1], frequencies: onTheFly.map((frequency) => ({ name: String(frequency), frequency })) };
  } else {
    const tree = parseAsdf(reference!.bytes, reference!.name);
    const match = subarrayCase(tree, subarray, readpatt, detector);
    if (match) {
      const frequencies = isTree(tree.frequencies) ? tree.frequencies : {};
      found = {
        rowclocks: match.rowclocks,
        frameclocks: match.frameclocks,
        frequencies: match.frequencies.map((name) => {
          const entry = frequencies[name];
          if (!isTree(entry) || typeof entry.frequency !== 'number' || !(entry.phase_amplitudes instanceof Float64Array)) {
            throw new ReferenceFileError(reference!.name, `subarray case ${match.name} lists frequency "${name}", which the reference does not define (frequencies.${name}.frequency and phase_amplitudes)`);
          }
          return { name, frequency: entry.frequency, wave: entry.phase_amplitudes };
        }),
      };
    }
  }
  if (!found) {
    warn(context, `emicorr: no correction match for subarray ${subarray}, read pattern ${readpatt}, detector ${detector}; step skipped`);
    return setStatus('SKIPPED');
  }
  const nsamples = ramp.primary.getInt('NSAMPLES');
  if (nsamples === undefined) throw new ReferenceFileError('science data', 'emicorr needs NSAMPLES (samples per pixel read) in the primary header');
  const resetFrame = readpatt === 'FASTR1' || readpatt === 'SLOWR1';
  const shape = rampTileShape(ramp.shape);
  const row = Uint16Array.from({ length: rows * cols }, (_, p) => Math.floor(p / cols));
  let nintsToPhase: number | undefined;
  for (const { name, frequency, wave } of found.frequencies) {
    context.signal?.throwIfAborted();
    const period = 1.0 / frequency / 10.0e-6;
    if (algorithm === 'joint') {
      // 'joint' counts the reset frame between integrations only for R1 patterns.
      const clocks: EmicorrClocks = { nsamples, rowclocks: found.rowclocks, frameclocks: resetFrame ? found.frameclocks : 0, period };
      const bins = emicorrBin(ramp.data, ramp.pixeldq, shape, clocks, wave!.length);
      const { offsets, amplitudes } = emicorrFit(bins, wave!, shape, clocks, o.fitIntsSeparately);
      info(context, `emicorr: ${name} (${frequency} Hz): amplitude ${amplitudes[0]} at phase ${offsets[0]} over ${nints} integration(s)`);
      await runTiled(context.pool, 'emicorr', { data: ramp.data, row }, shape, {
        params: { wave: wave!, clocks, ny: rows, offsets, amplitudes },
        signal: context.signal,
      });
      continue;
    }
    // jwst fixes the number of phased integrations at the first frequency.
    if (nintsToPhase === undefined) {
      if (o.nintsToPhase == null) {
        nintsToPhase = o.useNCycles == null ? nints : Math.ceil((o.useNCycles * period) / (found.frameclocks * ngroups));
      } else {
        nintsToPhase = o.useNCycles === 3 ? Math.min(o.nintsToPhase, nints) : o.nintsToPhase;
      }
    }
    let nbins = o.nbins ?? Math.trunc(period / 2.0);
    if (nbins > 501) nbins = 500;
    const clocks: EmicorrClocks = { nsamples, rowclocks: found.rowclocks, frameclocks: found.frameclocks, period };
    const { xsize, xstart } = ramp.meta.subarray;
    if (xsize === undefined || xstart === undefined) throw new ReferenceFileError('science data', "emicorr 'sequential' needs SUBSIZE1 and SUBSTRT1");
    emicorrSequential(
      ramp.data,
      shape,
      { clocks, resetFrame, xsize, xstart, nintsToPhase: Math.min(nintsToPhase, nints), nbins, scaleReference: o.scaleReference },
      wave && Float32Array.from(wave),
    );
    info(context, `emicorr: ${name} (${frequency} Hz) corrected with the sequential algorithm (${nbins} bins, ${nintsToPhase} integrations phased)`);
  }
  return setStatus('COMPLETE');
}
