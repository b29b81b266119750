/**
 * reset (spec/steps/miri.md §1, jwst `reset/`): subtract the RESET reference's reset-anomaly
 * ramp from the first groups of every MIRI integration and OR its DQ into PIXELDQ. Science
 * integration i (absolute, from INTSTART and StepContext.integrationOffset) uses reset
 * integration min(i, NINTS_ref - 1); groups beyond the reference's NGROUPS are untouched. Only the
 * reset planes used are read. Not MIRI, or no reference -> SKIPPED.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { cutToScience, geometryOf, readReferenceDq, ReferenceFileError, scienceGeometry } from '../reffiles/index.js';
import { runTiled } from '../pool/pool.js';
import { isMiriDetector } from './lastframe.js';
import { rampTileShape, referenceName, reusedAcrossSlices, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes this step records: `S_RESET`, `R_RESET`. */
export const resetKeywords = { status: 'RESET', reference: 'RESET' } as const;

export async function resetStep(ramp: RampModel, reference: FitsFile | undefined, context: StepContext = {}): Promise<StepStatus> {
  const setStatus = (status: StepStatus) => (ramp.meta.calStep[resetKeywords.status] = status);
  if (!isMiriDetector(ramp)) {
    warn(context, 'reset: Reset Correction is only for MIRI data; step skipped');
    return setStatus('SKIPPED');
  }
  if (!reference) {
    warn(context, 'reset: no RESET reference; step skipped');
    ramp.meta.refFiles[resetKeywords.reference] = 'N/A';
    return setStatus('SKIPPED');
  }
  const file = reference.source.name;
  const [nints, , ny, nx] = ramp.shape;
  const sci = reference.find('SCI');
  if (!sci) throw new ReferenceFileError(file, 'no SCI extension');
  if (sci.shape.length !== 4) throw new ReferenceFileError(file, `SCI is (${sci.shape.join(', ')}), not (nints, ngroups, ny, nx)`);
  const header = reference.primary.header;
  const count = (key: string, axis: number) => {
    const value = header.getInt(key);
    if (value === undefined || value < 1) throw new ReferenceFileError(file, `no positive integer ${key} keyword (jwst reads it to know what the reference covers)`);
    if (value > sci.shape[axis]) throw new ReferenceFileError(file, `${key} = ${value} but SCI has ${sci.shape[axis]}`);
    return value;
  };
  const resetInts = count('NINTS', 0);
  const resetGroups = count('NGROUPS', 1);
  const planes = Math.min(resetGroups, ramp.meta.exposure.ngroups ?? ramp.shape[1], ramp.shape[1]);

  // jwst: file integration k is exposure integration INTSTART - 1 + k.
  const first = (ramp.meta.exposure.integrationStart ?? 1) - 1 + (context.integrationOffset ?? 0);
  const source = Array.from({ length: nints }, (_, k) => Math.min(first + k, resetInts - 1));
  const used = [...new Set(source)].sort((a, b) => a - b);

  const warnFn = (message: string) => warn(context, message);
  const science = scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn);
  const fit = <T extends Float32Array | Uint32Array>(data: T, shape: number[]): T => {
    if (shape[shape.length - 2] === ny && shape[shape.length - 1] === nx) return data;
    // jwst uses the reference as is; a larger one is cut here, one without the subarray is an error.
    return cutToScience(data, shape, geometryOf(header, shape, ramp.meta.instrument.name, file, warnFn), science, file).data;
  };
  const { frames, resetDq } = await reusedAcrossSlices(context, 'reset', [file, used, planes, science], async () => {
    const frames = new Float32Array(used.length * planes * ny * nx);
    for (const [slot, r] of used.entries()) {
      for (let g = 0; g < planes; g++) {
        context.signal?.throwIfAborted();
        const { data, shape } = await reference.readImage(sci, { index: [r, g], as: 'float32' });
        frames.set(fit(data as Float32Array, shape), (slot * planes + g) * ny * nx);
      }
    }
    const resetDq = reference.find('DQ')
      ? (await readReferenceDq(reference, { science, instrument: ramp.meta.instrument.name, warn: warnFn })).data
      : new Uint32Array(ny * nx);
    return { frames, resetDq };
  });
  await runTiled(
    context.pool,
    'reset',
    { data: ramp.data, pixeldq: ramp.pixeldq, reset: frames, resetDq },
    { ...rampTileShape(ramp.shape), planes: used.length * planes },
    { params: { planes, intMap: source.map((r) => used.indexOf(r)) }, signal: context.signal },
  );
  ramp.meta.refFiles[resetKeywords.reference] = referenceName(reference);
  return setStatus('COMPLETE');
}
