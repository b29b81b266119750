/**
 * A mini CRDS cache for simulated exposures (spec/reference_files.md §4-5): references under
 * `references/jwst/<instrument>/`, a .pmap, one .imap per instrument and one .rmap per reference
 * type under `mappings/jwst/`, and `config/jwst/server_config` so crds works offline with
 * CRDS_MODE=local. jwst and our own selector both choose from it.
 *
 * Node only (writes files).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readFits, writeFitsFile } from '../io/fits/node.js';
import type { Region } from './detector.js';
import type { ExposurePlan } from './exposure.js';
import { formatDict, formatMapping, formatMatchSelector, useAfterDate, type PyValue, type RmapEntry } from './mappings.js';
import type { Instrument } from './modes.js';
import { referenceHdus, SIMULATED_USEAFTER, type ReferenceSpec, type SimulatedReftype } from './references.js';
import { emicorrDocument } from './miri.js';

/** Every reference type a Detector1 step may ask CRDS for (imaps list them all; unused ones are N/A). */
export const DETECTOR1_REFTYPES = [
  'dark',
  'emicorr',
  'flat',
  'gain',
  'ipc',
  'linearity',
  'mask',
  'pastasoss',
  'persat',
  'pictureframe',
  'readnoise',
  'refpix',
  'reset',
  'rscd',
  'saturation',
  'sirskernel',
  'superbias',
  'trapdensity',
  'trappars',
] as const;

export type RealReftype = 'dark' | 'superbias';

export interface CacheMember {
  plan: ExposurePlan;
  /** Real CRDS files to copy into the cache instead of simulating these types (paths). */
  real?: Partial<Record<RealReftype, string>>;
}

export interface CachedReference {
  instrument: Instrument;
  reftype: string;
  file: string;
  /** Path relative to the cache root. */
  path: string;
  real: boolean;
}

export interface CacheResult {
  root: string;
  context: string;
  mappings: string[];
  references: CachedReference[];
}

const K = {
  det: 'META.INSTRUMENT.DETECTOR',
  sub: 'META.SUBARRAY.NAME',
  readpatt: 'META.EXPOSURE.READPATT',
  exptype: 'META.EXPOSURE.TYPE',
  noutputs: 'META.EXPOSURE.NOUTPUTS',
  filter: 'META.INSTRUMENT.FILTER',
  band: 'META.INSTRUMENT.BAND',
  xstart: 'META.SUBARRAY.XSTART',
  ystart: 'META.SUBARRAY.YSTART',
  xsize: 'META.SUBARRAY.XSIZE',
  ysize: 'META.SUBARRAY.YSIZE',
} as const;
type Param = keyof typeof K;
const DATE_KEYS = ['META.OBSERVATION.DATE', 'META.OBSERVATION.TIME'];

/**
 * Match parameters of each rmap (after the documented selectors, spec/reference_files.md §5.6,
 * with SUBARRAY added where the simulated references are per subarray).
 */
const PARKEYS: Record<Instrument, Partial<Record<SimulatedReftype | 'emicorr', Param[]>>> = {
  nircam: {
    mask: ['det', 'sub'],
    saturation: ['det', 'sub'],
    superbias: ['det', 'readpatt', 'sub'],
    linearity: ['det', 'sub'],
    dark: ['exptype', 'det', 'sub', 'noutputs'],
    gain: ['det', 'sub'],
    readnoise: ['det', 'readpatt', 'sub'],
    ipc: ['det'],
  },
  nirspec: {
    mask: ['det', 'sub', 'readpatt'],
    saturation: ['det', 'sub'],
    superbias: ['det', 'readpatt', 'sub', 'xstart', 'ystart', 'xsize', 'ysize'],
    linearity: ['det', 'sub'],
    dark: ['det', 'readpatt', 'sub', 'xstart', 'ystart', 'xsize', 'ysize'],
    gain: ['det', 'sub'],
    readnoise: ['det', 'readpatt', 'sub'],
    ipc: ['det'],
  },
  miri: {
    mask: ['det', 'sub'],
    saturation: ['det', 'sub'],
    linearity: ['det', 'sub', 'band', 'filter'],
    dark: ['det', 'readpatt', 'sub'],
    gain: ['det', 'sub'],
    readnoise: ['det', 'readpatt', 'sub'],
    ipc: ['det'],
    reset: ['det', 'sub', 'readpatt'],
    rscd: ['det'],
    emicorr: [],
  },
};

/** NIRCam references of these types are written for a larger region (SUBARRAY=GENERIC), so steps must cut them. */
const CUT_FROM_LARGER: ReadonlySet<string> = new Set(['mask', 'linearity', 'gain']);

const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex');

/** All the exposures of one (instrument, detector, subarray). */
interface Group {
  instrument: Instrument;
  members: CacheMember[];
  plan: ExposurePlan;
  readpatts: string[];
  expTypes: string[];
  filters: string[];
  real: Partial<Record<RealReftype, string>>;
}

const unique = (values: string[]) => [...new Set(values)].sort();

function filterOf(plan: ExposurePlan): string {
  if (plan.request.filter) return plan.request.filter;
  const { info, detector, subarray } = plan.mode;
  if (info.instrument === 'miri') return subarray.name === 'SLITLESSPRISM' ? 'P750L' : 'F770W';
  if (info.instrument === 'nircam') return detector.channel === 'LONG' ? 'F444W' : 'F200W';
  return 'CLEAR';
}

function groupMembers(members: CacheMember[]): Group[] {
  const groups = new Map<string, CacheMember[]>();
  for (const member of members) {
    const { info, detector, subarray } = member.plan.mode;
    const key = `${info.instrument}/${detector.name}/${subarray.name}`;
    groups.set(key, [...(groups.get(key) ?? []), member]);
  }
  return [...groups.keys()].sort().map((key) => {
    const list = groups.get(key)!;
    const plan = list[0].plan;
    const real: Partial<Record<RealReftype, string>> = {};
    for (const member of list) Object.assign(real, member.real ?? {});
    const bias = plan.request.bias;
    for (const member of list) {
      if (member.plan.request.bias !== bias && !sameArray(member.plan.request.bias, bias)) {
        throw new Error(`${key}: exposures sharing references must use the same bias`);
      }
    }
    return {
      instrument: plan.mode.info.instrument,
      members: list,
      plan,
      readpatts: unique(list.map((m) => m.plan.mode.readPattern.name)),
      expTypes: unique(list.map((m) => m.plan.expType)),
      filters: unique(list.map((m) => filterOf(m.plan))),
      real,
    };
  });
}

function sameArray(a?: Float32Array, b?: Float32Array): boolean {
  if (!a || !b || a.length !== b.length) return a === b;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function subarrayRegion(plan: ExposurePlan): Region {
  return plan.region;
}

function enclosingRegion(plan: ExposurePlan, block: number): Region {
  const { nx: fullX, ny: fullY } = plan.mode.info.fullSize;
  const r = plan.region;
  const x0 = Math.floor(r.x0 / block) * block;
  const y0 = Math.floor(r.y0 / block) * block;
  const x1 = Math.min(fullX, Math.ceil((r.x0 + r.nx) / block) * block);
  const y1 = Math.min(fullY, Math.ceil((r.y0 + r.ny) / block) * block);
  return { x0, y0, nx: x1 - x0, ny: y1 - y0 };
}

function matchValue(param: Param, group: Group, readpatts = group.readpatts): string {
  const { detector, subarray } = group.plan.mode;
  switch (param) {
    case 'det':
      return detector.name;
    case 'sub':
      return subarray.name;
    case 'readpatt':
      return readpatts.join('|');
    case 'exptype':
      return group.expTypes.join('|');
    case 'noutputs':
      return String(subarray.noutputs);
    case 'filter':
      return group.filters.join('|');
    case 'band':
      return 'N/A';
    case 'xstart':
      return String(subarray.xstart);
    case 'ystart':
      return String(subarray.ystart);
    case 'xsize':
      return String(subarray.xsize);
    case 'ysize':
      return String(subarray.ysize);
  }
}

/**
 * Writes the cache under `root`: simulated references for every (instrument, detector, subarray)
 * of `members` (plus the real files named in `member.real`), and mappings selecting them.
 */
export async function writeMiniCrdsCache(root: string, members: CacheMember[], options: { contextSerial?: number } = {}): Promise<CacheResult> {
  const serial = String(options.contextSerial ?? 1).padStart(4, '0');
  const groups = groupMembers(members);
  const references: CachedReference[] = [];
  // rmap entries by instrument and reftype
  const rmaps = new Map<string, { instrument: Instrument; reftype: string; entries: RmapEntry[] }>();
  const counters = new Map<string, number>();
  const nextName = (instrument: string, reftype: string, ext = 'fits') => {
    const key = `${instrument}/${reftype}`;
    const n = (counters.get(key) ?? 9000) + 1;
    counters.set(key, n);
    return `jwst_${instrument}_${reftype}_${n}.${ext}`;
  };
  const addEntry = (instrument: Instrument, reftype: string, match: string[], file: string, useafter: string) => {
    const key = `${instrument}/${reftype}`;
    const rmap = rmaps.get(key) ?? { instrument, reftype, entries: [] };
    rmaps.set(key, rmap);
    const existing = rmap.entries.find((e) => e.match.join('\u0000') === match.join('\u0000'));
    if (existing) throw new Error(`${key}: two references for the same match ${match.join(', ')}`);
    rmap.entries.push({ match, useAfter: { [useAfterDate(useafter)]: file } });
  };
  const refDir = (instrument: string) => join(root, 'references', 'jwst', instrument);
  const writeRef = async (instrument: Instrument, reftype: SimulatedReftype, spec: Omit<ReferenceSpec, 'fileName'>, match: string[]) => {
    const file = nextName(instrument, reftype);
    await mkdir(refDir(instrument), { recursive: true });
    await writeFitsFile(join(refDir(instrument), file), referenceHdus(reftype, { ...spec, fileName: file }));
    references.push({ instrument, reftype, file, path: join('references', 'jwst', instrument, file), real: false });
    addEntry(instrument, reftype, match, file, SIMULATED_USEAFTER);
  };

  const perDetector = new Map<string, Group>(); // first group of each detector (ipc, rscd)
  for (const group of groups) {
    const { instrument, plan } = group;
    const { info, detector } = plan.mode;
    const parkeys = PARKEYS[instrument];
    const base = { info, detector, readpatts: group.readpatts, expTypes: group.expTypes, noutputs: plan.mode.subarray.noutputs, bias: plan.request.bias };
    const match = (reftype: SimulatedReftype, readpatts?: string[]) => parkeys[reftype]!.map((p) => matchValue(p, group, readpatts));
    const detKey = `${instrument}/${detector.name}`;
    if (!perDetector.has(detKey)) perDetector.set(detKey, group);

    const types: SimulatedReftype[] = ['mask', 'saturation', 'linearity', 'gain', 'readnoise'];
    if (instrument !== 'miri') types.push('superbias');
    if (instrument === 'miri') types.push('reset');
    for (const reftype of types) {
      if (reftype === 'superbias' && group.real.superbias) continue;
      const larger = instrument === 'nircam' && plan.mode.subarray.name !== 'FULL' && CUT_FROM_LARGER.has(reftype);
      const region = larger ? enclosingRegion(plan, 128) : subarrayRegion(plan);
      const subarrayName = larger && (region.nx !== plan.region.nx || region.ny !== plan.region.ny) ? 'GENERIC' : plan.mode.subarray.name;
      const spec = { ...base, region, subarrayName, filters: reftype === 'linearity' && instrument === 'miri' ? group.filters : undefined };
      await writeRef(instrument, reftype, spec, match(reftype));
    }
    // darks: one per frame time (MIRI SLOW and FAST differ), holding every frame the exposures read
    if (!group.real.dark) {
      const byTframe = new Map<number, ExposurePlan[]>();
      for (const m of group.members) byTframe.set(m.plan.mode.tframe, [...(byTframe.get(m.plan.mode.tframe) ?? []), m.plan]);
      for (const [tframe, plans] of [...byTframe.entries()].sort((a, b) => a[0] - b[0])) {
        const readpatts = unique(plans.map((p) => p.mode.readPattern.name));
        const nframes = Math.max(...plans.map((p) => (instrument === 'miri' ? p.request.ngroups : p.framesPerIntegration)));
        await writeRef(instrument, 'dark', { ...base, readpatts, region: plan.region, subarrayName: plan.mode.subarray.name, tframe, nframes }, match('dark', readpatts));
      }
    }
    for (const [reftype, path] of Object.entries(group.real) as [RealReftype, string][]) {
      const file = basename(path);
      await mkdir(refDir(instrument), { recursive: true });
      await copyFile(path, join(refDir(instrument), file));
      const fits = await readFits(path);
      const useafter = fits.primary.header.getString('USEAFTER') ?? SIMULATED_USEAFTER;
      await fits.close();
      references.push({ instrument, reftype, file, path: join('references', 'jwst', instrument, file), real: true });
      addEntry(instrument, reftype, match(reftype), file, useafter);
    }
  }
  for (const group of perDetector.values()) {
    const { instrument, plan } = group;
    const { info, detector } = plan.mode;
    const full: Region = { x0: 0, y0: 0, nx: info.fullSize.nx, ny: info.fullSize.ny };
    const spec = { info, detector, region: full, subarrayName: 'GENERIC' };
    await writeRef(instrument, 'ipc', { ...spec, region: { x0: 0, y0: 0, nx: 3, ny: 3 }, subarrayName: 'GENERIC' }, [detector.name]);
    if (instrument === 'miri') await writeRef(instrument, 'rscd', spec, [detector.name]);
  }
  if (groups.some((g) => g.instrument === 'miri')) {
    const file = nextName('miri', 'emicorr', 'asdf');
    await mkdir(refDir('miri'), { recursive: true });
    await writeFile(join(refDir('miri'), file), emicorrDocument(file));
    references.push({ instrument: 'miri', reftype: 'emicorr', file, path: join('references', 'jwst', 'miri', file), real: false });
    addEntry('miri', 'emicorr', [], file, SIMULATED_USEAFTER);
  }

  // ---- mappings ----
  const mapDir = join(root, 'mappings', 'jwst');
  await mkdir(mapDir, { recursive: true });
  const mappings: string[] = [];
  const instrumentsUsed = unique(groups.map((g) => g.instrument)) as Instrument[];
  const imaps: Record<string, string> = {};
  for (const instrument of instrumentsUsed) {
    const selector: Record<string, PyValue> = {};
    for (const reftype of DETECTOR1_REFTYPES) {
      const rmap = rmaps.get(`${instrument}/${reftype}`);
      if (!rmap) {
        selector[reftype] = 'N/A';
        continue;
      }
      const name = `jwst_${instrument}_${reftype}_${serial}.rmap`;
      const parkey: PyValue = [(PARKEYS[instrument][reftype as SimulatedReftype] ?? []).map((p) => K[p]), DATE_KEYS];
      const header: Record<string, PyValue> = {
        classes: ['Match', 'UseAfter'],
        derived_from: 'jwst-detector1 simulator',
        file_ext: reftype === 'emicorr' ? '.asdf' : '.fits',
        filekind: reftype.toUpperCase(),
        filetype: reftype.toUpperCase(),
        instrument: instrument.toUpperCase(),
        mapping: 'REFERENCE',
        name,
        observatory: 'JWST',
        parkey,
        suffix: reftype,
      };
      if ((PARKEYS[instrument][reftype as SimulatedReftype] ?? []).includes('sub')) {
        header.substitutions = { 'META.SUBARRAY.NAME': { GENERIC: 'N/A' } };
      }
      await writeFile(join(mapDir, name), formatMapping(header, formatMatchSelector(rmap.entries), sha1));
      mappings.push(name);
      selector[reftype] = name;
    }
    const name = `jwst_${instrument}_${serial}.imap`;
    const header = {
      derived_from: 'jwst-detector1 simulator',
      instrument: instrument.toUpperCase(),
      mapping: 'INSTRUMENT',
      name,
      observatory: 'JWST',
      parkey: ['REFTYPE'],
    };
    await writeFile(join(mapDir, name), formatImapOrPmap(header, selector));
    mappings.push(name);
    imaps[instrument.toUpperCase()] = name;
  }
  const context = `jwst_${serial}.pmap`;
  const pmapSelector: Record<string, PyValue> = {};
  for (const name of ['FGS', 'MIRI', 'NIRCAM', 'NIRISS', 'NIRSPEC']) pmapSelector[name] = imaps[name] ?? 'N/A';
  await writeFile(
    join(mapDir, context),
    formatImapOrPmap({ derived_from: 'jwst-detector1 simulator', mapping: 'PIPELINE', name: context, observatory: 'JWST', parkey: ['META.INSTRUMENT.NAME'] }, pmapSelector),
  );
  mappings.push(context);

  // ---- config: what crds needs to run offline (CRDS_MODE=local, a server URL containing "serverless") ----
  const configDir = join(root, 'config', 'jwst');
  await mkdir(configDir, { recursive: true });
  const allMappings = [...mappings].sort();
  const serverConfig =
    `{'bad_files': '', 'bad_files_list': [], 'connected': False, 'crds_version': {'str': 'offline'}, ` +
    `'edit_context': '${context}', 'force_remote_mode': False, 'last_synced': '2024-01-01 00:00:00', ` +
    `'latest_context': '${context}', 'mappings': [${allMappings.map((m) => `'${m}'`).join(', ')}], ` +
    `'observatory': 'jwst', 'operational_context': '${context}', 'status': 'cache', 'versions_context': '${context}'}\n`;
  await writeFile(join(configDir, 'server_config'), serverConfig);
  await writeFile(join(configDir, 'bad_files.txt'), '');
  await writeFile(join(configDir, 'ref_cache_subdir_mode'), 'instrument\n');
  references.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { root, context, mappings: allMappings, references };
}

/** imap/pmap: a header and a flat dict selector. */
function formatImapOrPmap(header: Record<string, PyValue>, selector: Record<string, PyValue>): string {
  // the selector of pipeline and instrument mappings is a plain dict, formatted like the header
  return formatMapping(header, formatDict(selector), sha1);
}
