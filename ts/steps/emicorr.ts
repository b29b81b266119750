/**
 * emicorr (spec/steps/miri.md §3, jwst 3.0 `emicorr/`): remove the EMI ripple from MIRI ramps
 * with jwst's default 'joint' algorithm: per frequency of the EMICORR reference (ASDF) listed
 * for the exposure's subarray and readout speed, fit one amplitude and phase of the reference
 * waveform across the exposure (or per integration with `fitIntsSeparately`) on quiet pixels,
 * then subtract it from every pixel. jwst's class default is `skip = True`.
 *
 * Not MIRI, READPATT not FAST/FASTR1/SLOW/SLOWR1, no reference, fewer than 3 groups, or no
 * subarray case / frequency list for the exposure -> SKIPPED (jwst's fallbacks). A frequency
 * the list names but the reference lacks -> ReferenceFileError (jwst fails there too). The
 * 'sequential' algorithm and on-the-fly frequencies are not implemented.
 * The fit spans all integrations: give this step the whole exposure, never a slice.
 */
import type { RampModel } from '../datamodels/models.js';
import { parseAsdf, type AsdfValue } from '../reffiles/asdf.js';
import { ReferenceFileError } from '../reffiles/index.js';
import { emicorrBin, emicorrFit, type EmicorrClocks } from '../kernels/emicorr.js';
import { runTiled } from '../pool/pool.js';
import { StepNotImplementedError } from './ipc.js';
import { info, rampTileShape, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes this step records: `S_MIREMI`, `R_MIREMI`. */
export const emicorrKeywords = { status: 'MIREMI', reference: 'MIREMI' } as const;

export interface EmicorrOptions {
  algorithm?: 'joint' | 'sequential';
  /** 'joint': fit amplitude and phase per integration. */
  fitIntsSeparately?: boolean;
  /** 'sequential' only (not implemented). */
  nintsToPhase?: number | null;
  nbins?: number | null;
  scaleReference?: boolean;
  useNCycles?: number;
  /** Frequencies (Hz) for an on-the-fly reference: forces 'sequential' (not implemented). */
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
  if (o.ontheflyCorrFreq) throw new StepNotImplementedError('emicorr: on-the-fly frequencies (the sequential algorithm) are not implemented');
  if (!reference) {
    warn(context, 'emicorr: no EMICORR reference; step skipped');
    ramp.meta.refFiles[emicorrKeywords.reference] = 'N/A';
    return setStatus('SKIPPED');
  }
  ramp.meta.refFiles[emicorrKeywords.reference] = reference.name.slice(reference.name.search(/[^/\\]*$/));
  const [nints, ngroups, rows, cols] = ramp.shape;
  if (ngroups < 3) {
    warn(context, `emicorr: EMI correction cannot be performed for ngroups=${ngroups}; step skipped`);
    return setStatus('SKIPPED');
  }
  if (o.algorithm === 'sequential') throw new StepNotImplementedError("emicorr: algorithm='sequential' is not implemented");
  const tree = parseAsdf(reference.bytes, reference.name);
  const detector = ramp.meta.instrument.detector ?? '';
  const found = subarrayCase(tree, ramp.meta.subarray.name ?? '', readpatt, detector);
  if (!found) {
    warn(context, `emicorr: no correction match for subarray ${ramp.meta.subarray.name}, read pattern ${readpatt}, detector ${detector}; step skipped`);
    return setStatus('SKIPPED');
  }
  const frequencies = isTree(tree.frequencies) ? tree.frequencies : {};
  const waves = found.frequencies.map((name) => {
    const entry = frequencies[name];
    if (!isTree(entry) || typeof entry.frequency !== 'number' || !(entry.phase_amplitudes instanceof Float64Array)) {
      throw new ReferenceFileError(reference.name, `subarray case ${found.name} lists frequency "${name}", which the reference does not define (frequencies.${name}.frequency and phase_amplitudes)`);
    }
    return { name, frequency: entry.frequency, wave: entry.phase_amplitudes };
  });
  const nsamples = ramp.primary.getInt('NSAMPLES');
  if (nsamples === undefined) throw new ReferenceFileError('science data', 'emicorr needs NSAMPLES (samples per pixel read) in the primary header');
  const frameclocks = readpatt === 'FASTR1' || readpatt === 'SLOWR1' ? found.frameclocks : 0;
  const shape = rampTileShape(ramp.shape);
  const row = Uint16Array.from({ length: rows * cols }, (_, p) => Math.floor(p / cols));
  for (const { name, frequency, wave } of waves) {
    context.signal?.throwIfAborted();
    const clocks: EmicorrClocks = { nsamples, rowclocks: found.rowclocks, frameclocks, period: 1.0 / frequency / 10.0e-6 };
    const bins = emicorrBin(ramp.data, ramp.pixeldq, shape, clocks, wave.length);
    const { offsets, amplitudes } = emicorrFit(bins, wave, shape, clocks, o.fitIntsSeparately);
    info(context, `emicorr: ${name} (${frequency} Hz): amplitude ${amplitudes[0]} at phase ${offsets[0]} over ${nints} integration(s)`);
    await runTiled(context.pool, 'emicorr', { data: ramp.data, row }, shape, {
      params: { wave, clocks, ny: rows, offsets, amplitudes },
      signal: context.signal,
    });
  }
  return setStatus('COMPLETE');
}
