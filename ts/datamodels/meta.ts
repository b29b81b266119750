/**
 * Typed exposure metadata: the primary-header keywords Detector1 reads or writes
 * (spec/datamodels.md §5), named in camelCase after their stdatamodels paths
 * (`meta.exposure.frame_time` -> `meta.exposure.frameTime`). One table maps each to its FITS
 * keyword, so reading and writing cannot drift apart.
 */
import type { CardValue, Header } from '../io/fits/index.js';

export interface Meta {
  instrument: {
    name?: string;
    detector?: string;
    filter?: string;
    pupil?: string;
    band?: string;
    grating?: string;
    channel?: string;
    module?: string;
    lampMode?: string;
  };
  exposure: {
    type?: string;
    readpatt?: string;
    nints?: number;
    ngroups?: number;
    nframes?: number;
    groupgap?: number;
    integrationStart?: number;
    integrationEnd?: number;
    frameTime?: number;
    groupTime?: number;
    integrationTime?: number;
    startTime?: number;
    dropFrames1?: number;
    noutputs?: number;
    frameDivisor?: number;
    gainFactor?: number;
    zeroFrame?: boolean;
    nrsNormal?: number;
    nrsReference?: number;
    primaryCosmicRays?: number;
    extendedEmissionEvents?: number;
    /**
     * `read_times`: frame times (s) of every group, for unevenly sampled exposures. Not a FITS
     * keyword: stdatamodels keeps it in the file's ASDF extension (RampReader.loadReadTimes).
     */
    readTimes?: number[][];
  };
  subarray: {
    name?: string;
    xstart?: number;
    ystart?: number;
    xsize?: number;
    ysize?: number;
    fastaxis?: number;
    slowaxis?: number;
  };
  observation: { date?: string; time?: string };
  visit: { tsovisit?: boolean };
  /** CRDS bookkeeping: `R_<type>` keywords by reference type, context, version. */
  refFiles: Record<string, string>;
  /** `S_<step>` status keywords: COMPLETE, SKIPPED or FAILED, by FITS keyword suffix. */
  calStep: Record<string, 'COMPLETE' | 'SKIPPED' | 'FAILED'>;
  crds: { context?: string; version?: string };
}

type KeywordType = 'str' | 'int' | 'float' | 'bool';
type Section = 'instrument' | 'exposure' | 'subarray' | 'observation' | 'visit' | 'crds';

interface KeywordSpec {
  keyword: string;
  section: Section;
  field: string;
  type: KeywordType;
  comment: string;
}

const k = (keyword: string, section: Section, field: string, type: KeywordType, comment: string): KeywordSpec => ({
  keyword,
  section,
  field,
  type,
  comment,
});

/** Primary-HDU keywords with a typed home in `Meta`. */
export const primaryKeywords: readonly KeywordSpec[] = [
  k('INSTRUME', 'instrument', 'name', 'str', 'Instrument used to acquire the data'),
  k('DETECTOR', 'instrument', 'detector', 'str', 'Name of detector used to acquire the data'),
  k('FILTER', 'instrument', 'filter', 'str', 'Name of the filter element used'),
  k('PUPIL', 'instrument', 'pupil', 'str', 'Name of the pupil element used'),
  k('BAND', 'instrument', 'band', 'str', 'MRS wavelength band'),
  k('GRATING', 'instrument', 'grating', 'str', 'Name of the grating element used'),
  k('CHANNEL', 'instrument', 'channel', 'str', 'Instrument channel'),
  k('MODULE', 'instrument', 'module', 'str', 'NIRCam module: A or B'),
  k('OPMODE', 'instrument', 'lampMode', 'str', 'Lamp operating mode'),
  k('EXP_TYPE', 'exposure', 'type', 'str', 'Type of data in the exposure'),
  k('READPATT', 'exposure', 'readpatt', 'str', 'Readout pattern'),
  k('NINTS', 'exposure', 'nints', 'int', 'Number of integrations in exposure'),
  k('NGROUPS', 'exposure', 'ngroups', 'int', 'Number of groups in integration'),
  k('NFRAMES', 'exposure', 'nframes', 'int', 'Number of frames per group'),
  k('GROUPGAP', 'exposure', 'groupgap', 'int', 'Number of frames dropped between groups'),
  k('INTSTART', 'exposure', 'integrationStart', 'int', 'Starting integration number in this segment'),
  k('INTEND', 'exposure', 'integrationEnd', 'int', 'Ending integration number in this segment'),
  k('TFRAME', 'exposure', 'frameTime', 'float', '[s] Time between frames'),
  k('TGROUP', 'exposure', 'groupTime', 'float', '[s] Time between groups'),
  k('EFFINTTM', 'exposure', 'integrationTime', 'float', '[s] Effective integration time'),
  k('EXPSTART', 'exposure', 'startTime', 'float', 'UTC exposure start time (MJD)'),
  k('DRPFRMS1', 'exposure', 'dropFrames1', 'int', 'Number of frames dropped prior to first integration'),
  k('NOUTPUTS', 'exposure', 'noutputs', 'int', 'Number of detector outputs used'),
  k('FRMDIVSR', 'exposure', 'frameDivisor', 'int', 'Divisor applied to frame-averaged groups'),
  k('GAINFACT', 'exposure', 'gainFactor', 'float', 'Gain scale factor'),
  k('ZEROFRAM', 'exposure', 'zeroFrame', 'bool', 'Zero frame was downlinked separately'),
  k('NRS_NORM', 'exposure', 'nrsNormal', 'int', 'Number of normal pixels in IRS2 mode'),
  k('NRS_REF', 'exposure', 'nrsReference', 'int', 'Number of reference pixels in IRS2 mode'),
  k('PRIMECRS', 'exposure', 'primaryCosmicRays', 'float', 'Rate of primary cosmic rays (CRs/1000 px/s)'),
  k('EXTNCRS', 'exposure', 'extendedEmissionEvents', 'float', 'Rate of extended events (events/10^6 px/s)'),
  k('SUBARRAY', 'subarray', 'name', 'str', 'Subarray used'),
  k('SUBSTRT1', 'subarray', 'xstart', 'int', 'Starting pixel in axis 1 direction'),
  k('SUBSTRT2', 'subarray', 'ystart', 'int', 'Starting pixel in axis 2 direction'),
  k('SUBSIZE1', 'subarray', 'xsize', 'int', 'Number of pixels in axis 1 direction'),
  k('SUBSIZE2', 'subarray', 'ysize', 'int', 'Number of pixels in axis 2 direction'),
  k('FASTAXIS', 'subarray', 'fastaxis', 'int', 'Fast readout axis direction'),
  k('SLOWAXIS', 'subarray', 'slowaxis', 'int', 'Slow readout axis direction'),
  k('DATE-OBS', 'observation', 'date', 'str', '[yyyy-mm-dd] UTC date at start of exposure'),
  k('TIME-OBS', 'observation', 'time', 'str', '[hh:mm:ss.sss] UTC time at start of exposure'),
  k('TSOVISIT', 'visit', 'tsovisit', 'bool', 'Time Series Observation visit indicator'),
  k('CRDS_CTX', 'crds', 'context', 'str', 'CRDS context (.pmap) used to select ref files'),
  k('CRDS_VER', 'crds', 'version', 'str', 'Version of CRDS file selection software used'),
];

export function emptyMeta(): Meta {
  return { instrument: {}, exposure: {}, subarray: {}, observation: {}, visit: {}, refFiles: {}, calStep: {}, crds: {} };
}

/** Reads the typed keywords of a primary header. Values of the wrong FITS type are reported, not coerced. */
export function readMeta(header: Header, fileName: string): Meta {
  const meta = emptyMeta();
  for (const spec of primaryKeywords) {
    const value = header.get(spec.keyword);
    if (value === undefined || value === null) continue;
    const section = meta[spec.section] as Record<string, unknown>;
    section[spec.field] = coerce(value, spec, fileName);
  }
  for (const card of header.cards) {
    if (card.key.startsWith('R_') && typeof card.value === 'string') meta.refFiles[card.key.slice(2)] = card.value;
    if (card.key.startsWith('S_') && (card.value === 'COMPLETE' || card.value === 'SKIPPED' || card.value === 'FAILED')) {
      meta.calStep[card.key.slice(2)] = card.value;
    }
  }
  return meta;
}

/** Writes every set field of `meta` into `header` (replacing existing cards in place). */
export function writeMeta(meta: Meta, header: Header): void {
  for (const spec of primaryKeywords) {
    const value = (meta[spec.section] as Record<string, unknown>)[spec.field];
    if (value === undefined) continue;
    header.set(spec.keyword, value as CardValue, spec.comment);
  }
  for (const [type, value] of Object.entries(meta.refFiles)) header.set(`R_${type}`, value);
  for (const [step, value] of Object.entries(meta.calStep)) header.set(`S_${step}`, value);
}

function coerce(value: CardValue, spec: KeywordSpec, fileName: string): string | number | boolean {
  const fail = (): never => {
    throw new TypeError(`${fileName}: keyword ${spec.keyword} should be ${spec.type}, found ${JSON.stringify(String(value))}`);
  };
  switch (spec.type) {
    case 'str':
      return typeof value === 'string' ? value.trimEnd() : String(value);
    case 'int':
      if (typeof value === 'bigint') return Number(value);
      return typeof value === 'number' && Number.isInteger(value) ? value : fail();
    case 'float':
      return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : fail();
    case 'bool':
      return typeof value === 'boolean' ? value : fail();
  }
}
