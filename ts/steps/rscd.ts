/**
 * rscd (spec/steps/miri.md §2, jwst 3.0 `rscd/`): since jwst 2.0 this step no longer corrects
 * the reset-switch charge decay; it flags DO_NOT_USE on the first groups of each MIRI
 * integration: `group_skip1` groups in integration 1, `group_skip` in later ones (RSCD reference
 * table row of the exposure's SUBARRAY and READPATT), backed off pixel by pixel where the ramp
 * saturates early (those pixels get FLUX_ESTIMATED). Records INT1SKIP/INT1UGP1/INT1BORS and
 * INT2SKIP/INT2UGP1/INT2BORS. Not MIRI, no reference, no table row or fewer than 3 groups
 * -> SKIPPED.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { ReferenceFileError } from '../reffiles/index.js';
import { runTiled } from '../pool/pool.js';
import { rscdBackoffRounds, type RscdRange } from '../kernels/rscd.js';
import { isMiriDetector } from './lastframe.js';
import { info, rampTileShape, referenceName, warn, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffixes this step records: `S_RSCD`, `R_RSCD`; and the keywords of jwst's `meta.rscd`. */
export const rscdKeywords = {
  status: 'RSCD',
  reference: 'RSCD',
  /** Per range (integration 1; integrations 2 and later): groups skipped, pixels left with no skipped group, pixels backed off. */
  int1: { skip: 'INT1SKIP', noSkip: 'INT1UGP1', lowered: 'INT1BORS' },
  int2: { skip: 'INT2SKIP', noSkip: 'INT2UGP1', lowered: 'INT2BORS' },
} as const;

const comments = {
  INT1SKIP: 'Number of groups skipped in int 1',
  INT1UGP1: 'Int 1- Pixels where 1st grp is kept',
  INT1BORS: 'Int 1- RSCD back-off due to sat.',
  INT2SKIP: 'Number of groups skippped in int 2 and higher',
  INT2UGP1: 'Int 2+- Pixels where 1st grp is kept',
  INT2BORS: 'Int 2+- RSCD back-off due to sat.',
} as const;

/** The `group_skip1`/`group_skip` row of the RSCD table for this exposure, or undefined. */
async function groupSkips(reference: FitsFile, ramp: RampModel): Promise<{ skip1: number; skip: number } | undefined> {
  const file = reference.source.name;
  const hdu = reference.find('RSCD_GROUP_SKIP');
  if (!hdu) throw new ReferenceFileError(file, 'no RSCD_GROUP_SKIP table (jwst 3.0 needs the group-skip table)');
  const table = await reference.readTable(hdu);
  const subarrays = table.column('subarray').data as string[];
  const readpatts = table.column('readpatt').data as string[];
  const skip1 = table.column('group_skip1').data as ArrayLike<number | bigint>;
  const skip = table.column('group_skip').data as ArrayLike<number | bigint>;
  let subarray = ramp.meta.subarray.name ?? '';
  // Old name of the MIRI LRS slitless subarray.
  if (subarray.toUpperCase() === 'SUBPRISM') subarray = 'SLITLESSPRISM';
  const readpatt = ramp.meta.exposure.readpatt;
  for (let row = 0; row < table.nrows; row++) {
    if (subarrays[row] === subarray && readpatts[row] === readpatt) return { skip1: Number(skip1[row]), skip: Number(skip[row]) };
  }
  return undefined;
}

/**
 * Per range ('int1', 'int2'), the pixels counted so far: bit 0 backed off, bit 1 first group
 * kept. jwst counts a pixel once whichever of the range's integrations it happens in, so a run
 * integration slice by integration slice passes the same map to every slice.
 */
export type RscdPixelCounts = Map<'int1' | 'int2', Uint8Array>;

export async function rscdStep(
  ramp: RampModel,
  reference: FitsFile | undefined,
  context: StepContext = {},
  countedPixels: RscdPixelCounts = new Map(),
): Promise<StepStatus> {
  const setStatus = (status: StepStatus) => (ramp.meta.calStep[rscdKeywords.status] = status);
  if (!isMiriDetector(ramp)) {
    warn(context, 'rscd: RSCD correction is only for MIRI data; step skipped');
    return setStatus('SKIPPED');
  }
  if (!reference) {
    warn(context, 'rscd: no RSCD reference; step skipped');
    ramp.meta.refFiles[rscdKeywords.reference] = 'N/A';
    return setStatus('SKIPPED');
  }
  ramp.meta.refFiles[rscdKeywords.reference] = referenceName(reference);
  const skips = await groupSkips(reference, ramp);
  if (!skips) {
    warn(context, 'rscd: READPATT, SUBARRAY combination not found in ref file: RSCD correction will be skipped');
    return setStatus('SKIPPED');
  }
  let { skip1, skip } = skips;
  if (skip1 < 0) {
    warn(context, 'rscd: the RSCD reference is of a deprecated model without a value for the first integration; skipping 1 group there');
    skip1 = 1;
  }
  const [nints, ngroups] = [ramp.meta.exposure.nints ?? ramp.shape[0], ramp.meta.exposure.ngroups ?? ramp.shape[1]];
  if (ngroups < 3) {
    warn(context, 'rscd: too few groups to apply RSCD correction; step skipped');
    return setStatus('SKIPPED');
  }
  if (ngroups <= 5) [skip1, skip] = [1, 1];
  if (ngroups < skip1 + 3) skip1 = Math.max(0, ngroups - 3);
  if (nints > 1 && ngroups < skip + 3) skip = Math.max(0, ngroups - 3);
  info(context, `rscd: groups to flag: ${skip1} in integration 1, ${skip} in later integrations`);

  // jwst flags integration 1 only when the file starts the exposure (INTSTART 1), and later
  // integrations (every one of a later segment) only when the exposure has more than one.
  const localInts = ramp.shape[0];
  const offset = context.integrationOffset ?? 0;
  const intStart = ramp.meta.exposure.integrationStart ?? 1;
  const rangeOf = new Array<number>(localInts).fill(255);
  const ranges: { name: 'int1' | 'int2'; skip: number; local: [number, number] }[] = [];
  if (intStart === 1 && offset === 0) ranges.push({ name: 'int1', skip: skip1, local: [0, Math.min(1, localInts)] });
  if (nints > 1) {
    const firstFile = intStart === 1 ? 1 : 0;
    ranges.push({ name: 'int2', skip, local: [Math.max(firstFile - offset, 0), localInts] });
  }
  const shape = rampTileShape(ramp.shape);
  const kernelRanges: RscdRange[] = ranges.map((r, k) => {
    for (let i = r.local[0]; i < r.local[1]; i++) rangeOf[i] = k;
    // A negative skip (not in jwst's table) flags nothing and never backs off.
    const effective = Math.max(r.skip, 0);
    const rounds = r.skip < 0 || r.local[0] >= r.local[1] ? 0 : rscdBackoffRounds(ramp.groupdq, shape, r.local[0], r.local[1], effective);
    return { skip: effective, rounds };
  });
  const summary = new Uint8Array(ramp.shape[2] * ramp.shape[3]);
  await runTiled(context.pool, 'rscd', { groupdq: ramp.groupdq, pixeldq: ramp.pixeldq, summary }, shape, {
    params: { ranges: kernelRanges, rangeOf },
    signal: context.signal,
  });
  ranges.forEach((r, k) => {
    let counted = countedPixels.get(r.name);
    if (!counted) countedPixels.set(r.name, (counted = new Uint8Array(summary.length)));
    let [lowered, noSkip] = [0, 0];
    for (let p = 0; p < summary.length; p++) {
      const bits = (counted[p] |= (summary[p] >> (2 * k)) & 3);
      if (bits & 1) lowered++;
      if (bits & 2) noSkip++;
    }
    info(context, `rscd: number of usable bright pixels with rscd flag groups not set to DO_NOT_USE: ${lowered}`);
    const keywords = rscdKeywords[r.name];
    ramp.primary.set(keywords.noSkip, noSkip, comments[keywords.noSkip]);
    ramp.primary.set(keywords.lowered, lowered, comments[keywords.lowered]);
    ramp.primary.set(keywords.skip, r.skip, comments[keywords.skip]);
  });
  return setStatus('COMPLETE');
}
