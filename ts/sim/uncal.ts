/**
 * The `_uncal.fits` layout of a simulated exposure (spec/datamodels.md §2), with the keyword set
 * of a real uncal file (../shared/data/real/jw01019001001_gs-acq1_..._uncal.fits: file, program,
 * observation, visit, instrument, exposure, subarray and aperture groups), GROUP and INT_TIMES
 * tables, ZEROFRAME when selected, and an ASDF extension. Every date is derived from the seed:
 * the same request always gives the same bytes.
 */
import { Header, FitsStreamWriter, type FitsSink, type TableColumnSpec, type WritableHdu } from '../io/fits/index.js';
import { asdfDocumentText, asdfHdu } from '../datamodels/asdf.js';
import type { ExposurePlan, IntegrationOutput } from './exposure.js';
import { simulateIntegrations } from './exposure.js';
import { mix32 } from './prng.js';
import { SIMULATOR_VERSION, simulatorLibrary } from './constants.js';

export { SIMULATOR_VERSION } from './constants.js';

const MJD_EPOCH_MS = Date.UTC(1858, 10, 17);
const DAY_MS = 86400000;

export function mjdOf(ms: number): number {
  return (ms - MJD_EPOCH_MS) / DAY_MS;
}

/** 'YYYY-MM-DDThh:mm:ss.sss' (UTC) of a millisecond time. */
export function isoTime(ms: number): string {
  return new Date(Math.round(ms)).toISOString().replace('Z', '');
}

/** Start of the exposure: a day of 2024 and a time of day chosen by the seed (whole milliseconds). */
export function exposureStartMs(seed: number): number {
  const h = mix32(seed ^ 0x5eed);
  const day = h % 366;
  const msOfDay = Math.floor(((mix32(h) >>> 0) / 4294967296) * 86400) * 1000;
  return Date.UTC(2024, 0, 1) + day * DAY_MS + msOfDay;
}

/** The ASDF document of simulated files: the simulator's name and format version, no `_fits_hash`. */
export function simulatorAsdf(extra: Record<string, string | number> = {}): Uint8Array {
  const entries = Object.entries(extra);
  const body =
    entries.length === 0
      ? []
      : ['simulation:', ...entries.map(([key, value]) => `  ${key}: ${typeof value === 'number' ? value : JSON.stringify(value)}`)];
  return new TextEncoder().encode(asdfDocumentText(simulatorLibrary, body));
}

/** Default file name stem: jw<program><obs><visit>_<group><seq><act>_<exposure>_<detector>. */
export function defaultStem(plan: ExposurePlan): string {
  const exposure = String(plan.request.seed % 100000).padStart(5, '0');
  return `jw09999001001_01101_${exposure}_${plan.mode.detector.name.toLowerCase()}`;
}

interface Timing {
  startMs: number;
  /** Milliseconds of one frame. */
  frameMs: number;
  /** Frames from the start of one integration to the start of the next (resets included). */
  integrationFrames: number;
}

function timing(plan: ExposurePlan): Timing {
  const resets = plan.mode.info.instrument === 'miri' ? (plan.mode.readPattern.resetFrame ? 1 : 0) : 1;
  return {
    startMs: exposureStartMs(plan.request.seed),
    frameMs: plan.mode.tframe * 1000,
    integrationFrames: plan.framesPerIntegration + resets,
  };
}

function apertureName(plan: ExposurePlan): string {
  const { info, detector, subarray } = plan.mode;
  if (info.instrument === 'miri') return subarray.name === 'FULL' ? 'MIRIM_FULL' : `MIRIM_${subarray.name}`;
  if (info.instrument === 'nirspec') return `NRS_S1600A1_SLIT`;
  return `${detector.name.replace('LONG', '5')}_${subarray.name}`;
}

const round6 = (x: number) => Number(x.toFixed(6));

/** Primary header of the uncal file. */
export function uncalPrimaryHeader(plan: ExposurePlan, fileName: string): Header {
  const { mode, request } = plan;
  const { info, detector, subarray, readPattern } = mode;
  const t = timing(plan);
  const [nints, ngroups] = plan.shape;
  const durationMs = (nints * t.integrationFrames + 1) * t.frameMs; // NRSTSTRT = 1 reset frame first
  const endMs = t.startMs + durationMs;
  const startIso = isoTime(t.startMs);
  const effInt = round6((ngroups - 1) * mode.tgroup + readPattern.nframes * mode.tframe);
  const h = new Header();
  const set = (key: string, value: string | number | boolean, comment: string) => h.set(key, value, comment);
  set('DATE', isoTime(t.startMs + DAY_MS), 'UTC date file created');
  set('ORIGIN', 'jwst-detector1', 'Organization responsible for creating file');
  set('TIMESYS', 'UTC', 'principal time system for time-related keywords');
  set('TIMEUNIT', 's', 'Default unit applicable to all time values');
  set('FILENAME', fileName, 'Name of the file');
  set('SDP_VER', `SIM${SIMULATOR_VERSION}`, 'Data processing (DP) Software Version');
  set('PRD_VER', 'SIMULATED', 'S&OC Project Reference Database (PRD) Version');
  set('OSS_VER', 'SIMULATED', 'Observatory Scheduling Software (OSS) Version');
  set('DATAMODL', 'Level1bModel', 'Type of data model');
  set('TELESCOP', 'JWST', 'Telescope used to acquire the data');
  set('HGA_MOVE', false, 'High Gain Antenna moved during data collection');
  set('PWFSEET', 0.0, 'Previous WFS exposure end time');
  set('NWFSEST', 0.0, 'Next WFS exposure start time');
  set('COMPRESS', false, 'On-board data compression was used (T/F)');
  // program
  set('TITLE', 'Simulated exposure (jwst-detector1 simulator)', 'Proposal title');
  set('PI_NAME', 'Simulator, jwst-detector1', 'Principal investigator name');
  set('CATEGORY', 'CAL', 'Program category');
  set('SUBCAT', 'SIMULATION', 'Program sub-category');
  // observation identifiers
  set('DATE-OBS', startIso.slice(0, 10), '[yyyy-mm-dd] UTC date at start of exposure');
  set('TIME-OBS', startIso.slice(11), '[hh:mm:ss.sss] UTC time at start of exposure');
  set('DATE-BEG', startIso, 'Date-time start of exposure');
  set('DATE-END', isoTime(endMs), 'Date-time end of exposure');
  set('OBS_ID', 'V09999001001P0000000001101', 'Programmatic observation identifier');
  set('VISIT_ID', '09999001001', 'Visit identifier');
  set('PROGRAM', '09999', 'Program number');
  set('OBSERVTN', '001', 'Observation number');
  set('VISIT', '001', 'Visit number');
  set('VISITGRP', '01', 'Visit group identifier');
  set('SEQ_ID', '1', 'Parallel sequence identifier');
  set('ACT_ID', '01', 'Activity identifier');
  set('EXPOSURE', String(request.seed % 100000).padStart(5, '0'), 'Exposure request number');
  set('TEMPLATE', 'SIMULATED', 'Observation template used');
  set('OBSLABEL', `seed ${request.seed}`, 'Proposer label for the observation');
  // visit
  set('ENG_QUAL', 'OK', 'Engineering data quality indicator from EngDB');
  set('VISITYPE', 'PRIME_TARGETED_FIXED', 'Visit type');
  set('VSTSTART', isoTime(t.startMs - 600000).replace('T', ' '), 'UTC visit start time');
  set('VISITSTA', 'SUCCESSFUL', 'Status of a visit');
  set('NEXPOSUR', 1, 'Total number of planned exposures in visit');
  set('INTARGET', false, 'At least one exposure in visit is internal');
  set('TARGOOPP', false, 'Visit scheduled as target of opportunity');
  set('TSOVISIT', plan.tsovisit, 'Time Series Observation visit indicator');
  set('EXP_ONLY', false, 'Special commanding without SI configuration');
  // target
  set('TARGPROP', 'SIMULATED-FIELD', "Proposer's name for the target");
  set('TARGNAME', 'SIMULATED-FIELD', 'Standard astronomical catalog name for target');
  set('TARGTYPE', 'FIXED', 'Type of target (fixed, moving, generic)');
  set('TARG_RA', 80.0, 'Target RA at mid time of exposure');
  set('TARG_DEC', -69.5, 'Target Dec at mid time of exposure');
  // instrument
  set('INSTRUME', info.name, 'Instrument used to acquire the data');
  set('DETECTOR', detector.name, 'Name of detector used to acquire the data');
  if (info.instrument === 'nircam') {
    set('MODULE', detector.module!, 'NIRCam module: A or B');
    set('CHANNEL', detector.channel!, 'Instrument channel');
    set('FILTER', request.filter ?? (detector.channel === 'LONG' ? 'F444W' : 'F200W'), 'Name of the filter element used');
    set('PUPIL', 'CLEAR', 'Name of the pupil element used');
  } else if (info.instrument === 'nirspec') {
    set('FILTER', request.filter ?? 'CLEAR', 'Name of the filter element used');
    set('GRATING', 'PRISM', 'Name of the grating element used');
    set('FXD_SLIT', 'S1600A1', 'Name of fixed slit aperture used');
  } else {
    set('FILTER', request.filter ?? (subarray.name === 'SLITLESSPRISM' ? 'P750L' : 'F770W'), 'Name of the filter element used');
  }
  // exposure
  set('EXP_TYPE', plan.expType, 'Type of data in the exposure');
  set('EXPSTART', round6(mjdOf(t.startMs)), 'UTC exposure start time (MJD)');
  set('EXPMID', round6(mjdOf(t.startMs + durationMs / 2)), 'UTC exposure mid time (MJD)');
  set('EXPEND', round6(mjdOf(endMs)), 'UTC exposure end time (MJD)');
  set('READPATT', readPattern.name, 'Readout pattern');
  set('NINTS', nints, 'Number of integrations in exposure');
  set('INTSTART', 1, 'Starting integration number in this segment');
  set('INTEND', nints, 'Ending integration number in this segment');
  set('NGROUPS', ngroups, 'Number of groups in integration');
  set('NFRAMES', readPattern.nframes, 'Number of frames per group');
  set('FRMDIVSR', readPattern.nframes, 'Divisor applied to frame-averaged groups');
  set('GROUPGAP', readPattern.groupgap, 'Number of frames dropped between groups');
  set('DRPFRMS1', 0, 'Number of frames dropped prior to first integration');
  set('DRPFRMS3', 0, 'Number of frames dropped between integrations');
  set('NSAMPLES', readPattern.nsamples ?? 1, 'Number of A/D samples per pixel');
  set('TSAMPLE', 10.0, '[us] Time between samples');
  set('TFRAME', mode.tframe, '[s] Time between frames');
  set('TGROUP', mode.tgroup, '[s] Time between groups');
  set('EFFINTTM', effInt, '[s] Effective integration time');
  set('EFFEXPTM', round6(effInt * nints), '[s] Effective exposure time');
  set('DURATION', round6(durationMs / 1000), '[s] Total duration of exposure');
  set('NRSTSTRT', 1, 'Number of resets at start of exposure');
  set('NRESETS', info.instrument === 'miri' ? 0 : 1, 'Number of resets between integrations');
  set('ZEROFRAM', plan.zeroframe, 'Zero frame was downlinked separately');
  set('DATAPROB', false, 'Science telemetry indicated a problem');
  set('SCA_NUM', 480 + (mix32(detector.name.length * 7 + detector.name.charCodeAt(detector.name.length - 1)) % 20), 'Sensor Chip Assembly number');
  set('NOUTPUTS', subarray.noutputs, 'Number of detector outputs used');
  // subarray
  set('SUBARRAY', subarray.name, 'Subarray used');
  set('SUBSTRT1', subarray.xstart, 'Starting pixel in axis 1 direction');
  set('SUBSTRT2', subarray.ystart, 'Starting pixel in axis 2 direction');
  set('SUBSIZE1', subarray.xsize, 'Number of pixels in axis 1 direction');
  set('SUBSIZE2', subarray.ysize, 'Number of pixels in axis 2 direction');
  set('FASTAXIS', detector.fastaxis, 'Fast readout axis direction');
  set('SLOWAXIS', detector.slowaxis, 'Slow readout axis direction');
  // aperture
  set('APERNAME', apertureName(plan), 'PRD science aperture used');
  set('PPS_APER', apertureName(plan), 'original AperName supplied by PPS');
  return h;
}

/** SCI extension keywords (times, exposure duration, units). */
export function uncalSciHeader(plan: ExposurePlan): Header {
  const t = timing(plan);
  const [nints] = plan.shape;
  const durationMs = (nints * t.integrationFrames + 1) * t.frameMs;
  const begin = mjdOf(t.startMs);
  const end = mjdOf(t.startMs + durationMs);
  const tdb = 69.184 / 86400 + 0.0021; // TT offset + a representative barycentric correction, days
  const h = new Header();
  h.set('EXTNAME', 'SCI', 'extension name');
  h.set('BUNIT', 'DN', 'physical units of the array values');
  h.set('MJD-BEG', begin, '[d] exposure start time in MJD');
  h.set('MJD-AVG', (begin + end) / 2, '[d] exposure mid-point in MJD');
  h.set('MJD-END', end, '[d] exposure end time in MJD');
  h.set('TDB-BEG', begin + tdb, '[d] TDB time of exposure start in MJD');
  h.set('TDB-MID', (begin + end) / 2 + tdb, '[d] TDB time of exposure mid-point in MJD');
  h.set('TDB-END', end + tdb, '[d] TDB time of exposure end in MJD');
  h.set('XPOSURE', Number((plan.mode.tgroup * (plan.shape[1] - 1) * nints).toFixed(6)), '[s] Effective exposure time');
  h.set('TELAPSE', Number((durationMs / 1000).toFixed(6)), '[s] Total duration of exposure');
  const referencePoint = plan.request.referencePoint;
  if (referencePoint) {
    h.set('XREF_SCI', referencePoint[0], 'Aperture X reference point in SCI frame');
    h.set('YREF_SCI', referencePoint[1], 'Aperture Y reference point in SCI frame');
  }
  return h;
}

/** GROUP table (spec/datamodels.md §2.1): one row per group of each integration. */
export function groupTable(plan: ExposurePlan): { columns: TableColumnSpec[]; nrows: number } {
  const t = timing(plan);
  const [nints, ngroups, ny, nx] = plan.shape;
  const { nframes, groupgap } = plan.mode.readPattern;
  const n = nints * ngroups;
  const integration = new Int32Array(n);
  const group = new Int16Array(n);
  const endDay = new Int16Array(n);
  const endMs = new Int32Array(n);
  const endSub = new Int16Array(n);
  const endTime: string[] = [];
  const cols = new Int16Array(n).fill(nx);
  const rows = new Int16Array(n).fill(ny);
  const gaps = new Int16Array(n);
  const code = new Int16Array(n);
  const codeText: string[] = [];
  const bary = new Float64Array(n);
  const helio = new Float64Array(n);
  const epoch2000 = Date.UTC(2000, 0, 1);
  for (let i = 0; i < nints; i++) {
    for (let g = 0; g < ngroups; g++) {
      const row = i * ngroups + g;
      const frameEnd = 1 + i * t.integrationFrames + g * (nframes + groupgap) + nframes;
      const ms = t.startMs + frameEnd * t.frameMs;
      const whole = Math.floor(ms);
      integration[row] = i + 1;
      group[row] = g + 1;
      endDay[row] = Math.floor((whole - epoch2000) / DAY_MS);
      endMs[row] = (whole - epoch2000) % DAY_MS;
      endSub[row] = Math.round((ms - whole) * 1000) % 1000;
      endTime.push(isoTime(whole) + '000');
      codeText.push('Normal Completion');
      bary[row] = mjdOf(ms) + 0.0021;
      helio[row] = mjdOf(ms) + 0.0021;
    }
  }
  return {
    nrows: n,
    columns: [
      { name: 'integration_number', format: 'J', data: integration },
      { name: 'group_number', format: 'I', data: group },
      { name: 'end_day', format: 'I', data: endDay },
      { name: 'end_milliseconds', format: 'J', data: endMs },
      { name: 'end_submilliseconds', format: 'I', data: endSub },
      { name: 'group_end_time', format: '26A', data: endTime },
      { name: 'number_of_columns', format: 'I', data: cols },
      { name: 'number_of_rows', format: 'I', data: rows },
      { name: 'number_of_gaps', format: 'I', data: gaps },
      { name: 'completion_code_number', format: 'I', data: code },
      { name: 'completion_code_text', format: '36A', data: codeText },
      { name: 'bary_end_time', format: 'D', data: bary },
      { name: 'helio_end_time', format: 'D', data: helio },
    ],
  };
}

/** INT_TIMES table (spec/datamodels.md §2.2): start/mid/end of each integration, UTC and BJD_TDB (MJD). */
export function intTimesTable(plan: ExposurePlan): { columns: TableColumnSpec[]; nrows: number } {
  const t = timing(plan);
  const [nints] = plan.shape;
  const cols = Array.from({ length: 6 }, () => new Float64Array(nints));
  const number = new Int32Array(nints);
  for (let i = 0; i < nints; i++) {
    const start = t.startMs + (1 + i * t.integrationFrames) * t.frameMs;
    const end = start + plan.framesPerIntegration * t.frameMs;
    const values = [mjdOf(start), mjdOf((start + end) / 2), mjdOf(end)];
    number[i] = i + 1;
    values.forEach((v, k) => {
      cols[k][i] = v;
      cols[k + 3][i] = v + 69.184 / 86400 + 0.0021;
    });
  }
  const names = ['int_start_MJD_UTC', 'int_mid_MJD_UTC', 'int_end_MJD_UTC', 'int_start_BJD_TDB', 'int_mid_BJD_TDB', 'int_end_BJD_TDB'];
  return {
    nrows: nints,
    columns: [{ name: 'integration_number', format: 'J', data: number }, ...names.map((name, k) => ({ name, format: 'D', data: cols[k] }))],
  };
}

function extensionHeader(extname: string, bunit?: string): Header {
  const h = new Header();
  h.set('EXTNAME', extname, 'extension name');
  if (bunit) h.set('BUNIT', bunit, 'physical units of the array values');
  return h;
}

/** HDUs that follow SCI (and ZEROFRAME): GROUP, INT_TIMES, ASDF. */
export function uncalTrailingHdus(plan: ExposurePlan): WritableHdu[] {
  const group = groupTable(plan);
  const intTimes = intTimesTable(plan);
  return [
    { kind: 'bintable', header: extensionHeader('GROUP'), columns: group.columns, nrows: group.nrows },
    { kind: 'bintable', header: extensionHeader('INT_TIMES'), columns: intTimes.columns, nrows: intTimes.nrows },
    asdfHdu(
      simulatorAsdf({
        instrument: plan.mode.info.name,
        detector: plan.mode.detector.name,
        subarray: plan.mode.subarray.name,
        readpatt: plan.mode.readPattern.name,
        seed: plan.request.seed,
      }),
    ),
  ];
}

/**
 * Simulates and writes the uncal file through `sink`, one integration at a time (the SCI cube of a
 * long exposure never sits whole in memory; ZEROFRAME planes, 1/NGROUPS of it, are kept until the end).
 * `onIntegration` sees each integration's output (e.g. to count events).
 */
export async function writeUncal(plan: ExposurePlan, sink: FitsSink, fileName: string, onIntegration?: (out: IntegrationOutput, i: number) => void): Promise<void> {
  const writer = new FitsStreamWriter(sink, { name: fileName });
  await writer.writeHdu({ kind: 'image', header: uncalPrimaryHeader(plan, fileName) });
  await writer.beginImage(uncalSciHeader(plan), 'uint16', plan.shape);
  const [nints, , ny, nx] = plan.shape;
  const zero = plan.zeroframe ? new Uint16Array(nints * ny * nx) : undefined;
  let i = 0;
  for (const out of simulateIntegrations(plan)) {
    await writer.writePixels(out.sci);
    if (zero && out.zeroframe) zero.set(out.zeroframe, i * ny * nx);
    onIntegration?.(out, i);
    i++;
  }
  if (zero) await writer.writeHdu({ kind: 'image', header: extensionHeader('ZEROFRAME', 'DN'), data: zero, shape: [nints, ny, nx] });
  for (const hdu of uncalTrailingHdus(plan)) await writer.writeHdu(hdu);
  await writer.finish();
}
