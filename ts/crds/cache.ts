/**
 * Reference selection from a local CRDS cache, without a server (what crds computes with
 * `CRDS_MODE=local`): spec/reference_files.md §4-5. The cache is read through a small reader
 * so the same code runs in Node (`./node.js`) and in browsers (files from fetch or an upload).
 *
 * Context: an explicit `context` > `CRDS_CONTEXT` > the cache's `latest_context` (offline, crds
 * cannot ask the server for jwst's "build" context and falls back to the cached latest context).
 * Symbolic names `latest`, `jwst-latest`, `jwst-operational` -> `latest_context` (else
 * `operational_context`), `jwst-edit` -> `edit_context`, `jwst-versions` -> `versions_context`.
 */
import { conditionValue, type HeaderValue } from './condition.js';
import { datasetParameters, type DatasetHeader } from './header.js';
import { parseLiteral, parseMapping, pyRepr, pyStr, type ParsedMapping, type PyValue } from './pyliteral.js';
import { ReferenceMapping } from './rmap.js';
import { mappingChecksum } from './sha1.js';
import type { Header, TraceStep } from './selectors.js';

/** Reads text files of the cache by path relative to its root; rejects (or returns undefined) when absent. */
export interface CrdsCacheReader {
  readText(relativePath: string): Promise<string | undefined>;
  /** How a reference's relative path is shown and returned (Node: an absolute path). */
  resolve(relativePath: string): string;
  /** The hex SHA-1 of UTF-8 text, where the platform has a native one (Node); else the portable one is used. */
  sha1Hex?(text: string): string;
}

export interface CrdsCacheOptions {
  /** A .pmap name or a symbolic context (`latest`, `jwst-latest`, `jwst-operational`, `jwst-edit`, `jwst-versions`). */
  context?: string;
  /**
   * CRDS_CONTEXT, CRDS_ALLOW_BAD_REFERENCES, CRDS_ALLOW_BAD_RULES and CRDS_IGNORE_MAPPING_CHECKSUM
   * are read from here (Node: process.env).
   */
  env?: Record<string, string | undefined>;
}

export class CrdsCacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrdsCacheError';
  }
}

export type SelectionStatus = 'found' | 'N/A' | 'not-found';

export interface ReferenceSelection {
  reftype: string;
  status: SelectionStatus;
  /** The file in the cache (status 'found'). */
  path?: string;
  file?: string;
  /** Why: N/A reason or the crds-style error (status 'N/A' / 'not-found'). */
  reason?: string;
  context: string;
  /** Mappings used, pmap -> imap -> rmap. */
  mappings: string[];
  /** The rmap's parameters and the conditioned values they had. */
  parameters: { name: string; value: string }[];
  trace: TraceStep[];
  /** Human-readable account of the above, for `--explain-refs`. */
  explanation: string;
}

interface ContextMapping {
  name: string;
  parkey: string[];
  /** Selections by lower-case key: mapping names or N/A / OMIT. */
  selections: Map<string, string>;
}

// crds env_str_to_bool accepts exactly these for true
const CRDS_TRUE = new Set(['True', 'true', 'TRUE', 'T', 't', '1']);

/** Parses a mapping and checks its sha1sum as crds does (unless CRDS_IGNORE_MAPPING_CHECKSUM). */
function checkedMapping(name: string, text: string, env: Record<string, string | undefined>, hash?: (text: string) => string): ParsedMapping {
  const mapping = parseMapping(text, name);
  if (CRDS_TRUE.has(env.CRDS_IGNORE_MAPPING_CHECKSUM ?? '')) return mapping;
  const declared = mapping.header.get('sha1sum');
  if (declared === undefined) throw new CrdsCacheError(`sha1sum is missing in '${name}'`);
  if (mappingChecksum(text, hash) !== pyStr(declared).toLowerCase()) throw new CrdsCacheError(`sha1sum mismatch in '${name}'`);
  return mapping;
}

function contextMapping(name: string, mapping: ParsedMapping): ContextMapping {
  const parkeyValue = mapping.header.get('parkey');
  const parkey = typeof parkeyValue === 'object' && parkeyValue !== null && parkeyValue.kind === 'tuple' ? parkeyValue.items.map((p) => pyStr(p)) : [];
  const selector = mapping.selector;
  if (typeof selector !== 'object' || selector === null || selector.kind !== 'dict') throw new CrdsCacheError(`${name}: the selector of a .pmap/.imap must be a dict`);
  const selections = new Map<string, string>();
  for (const [key, value] of selector.entries) selections.set(pyStr(key).toLowerCase(), pyStr(value));
  return { name, parkey, selections };
}

const NA = new Set(['N/A', 'TEMP_N/A', 'n/a', 'temp_n/a']);
const OMIT = new Set(['OMIT', 'TEMP_OMIT', 'omit']);

export class CrdsCache {
  private readonly imaps = new Map<string, Promise<ContextMapping>>();
  private readonly rmaps = new Map<string, Promise<ReferenceMapping>>();

  constructor(
    private readonly reader: CrdsCacheReader,
    /** The .pmap in use. */
    readonly context: string,
    /** How the context was chosen (explicit option, CRDS_CONTEXT, cached latest_context). */
    readonly contextSource: string,
    private readonly pmap: ContextMapping,
    private readonly serverConfig: Map<string, PyValue>,
    private readonly env: Record<string, string | undefined>,
  ) {}

  private get badFiles(): Set<string> {
    const list = this.serverConfig.get('bad_files_list');
    return new Set(typeof list === 'object' && list !== null && (list.kind === 'list' || list.kind === 'tuple') ? list.items.map((v) => pyStr(v)) : []);
  }

  private get referenceSubdirMode(): Promise<string> {
    return this.reader.readText('config/jwst/ref_cache_subdir_mode').then((text) => (text ?? 'instrument').trim());
  }

  private async readMapping(name: string): Promise<string> {
    const text = await this.reader.readText(`mappings/jwst/${name}`);
    if (text === undefined) throw new CrdsCacheError(`mapping ${name} is not in the cache (mappings/jwst/${name})`);
    return text;
  }

  private imap(name: string): Promise<ContextMapping> {
    let loaded = this.imaps.get(name);
    if (!loaded) {
      loaded = this.readMapping(name).then((text) => contextMapping(name, checkedMapping(name, text, this.env, this.reader.sha1Hex)));
      this.imaps.set(name, loaded);
    }
    return loaded;
  }

  private rmap(name: string): Promise<ReferenceMapping> {
    let loaded = this.rmaps.get(name);
    if (!loaded) {
      loaded = this.readMapping(name).then((text) => new ReferenceMapping(name, checkedMapping(name, text, this.env, this.reader.sha1Hex)));
      this.rmaps.set(name, loaded);
    }
    return loaded;
  }

  /** The instrument mapping of an instrument name (as in the pmap: NIRCAM, MIRI, ...). */
  private async instrumentMapping(instrument: string): Promise<ContextMapping> {
    const name = this.pmap.selections.get(instrument.toLowerCase());
    if (name === undefined) throw new CrdsCacheError(`Unknown instrument '${instrument.toLowerCase()}' for context '${this.context}'`);
    if (NA.has(name) || OMIT.has(name)) throw new CrdsCacheError(`instrument ${instrument} is ${name} in ${this.context}`);
    return this.imap(name);
  }

  /**
   * Parameters every rmap of the instrument reads (crds minimizes the header to these before
   * selecting, so rmap expressions see only them, as "UNDEFINED" when absent).
   */
  private async instrumentParkeys(imap: ContextMapping): Promise<string[]> {
    const keys = new Set<string>([...this.pmap.parkey, ...imap.parkey]);
    for (const name of imap.selections.values()) {
      if (NA.has(name) || OMIT.has(name)) continue;
      try {
        for (const key of (await this.rmap(name)).requiredParkeys()) keys.add(key);
      } catch {
        // an rmap that does not load fails its own selection, with its own message
      }
    }
    return [...keys];
  }

  /** The best reference of one type for a dataset header (FITS keywords or `META.*` paths, any case). */
  async selectReference(reftype: string, header: DatasetHeader): Promise<ReferenceSelection> {
    const result: ReferenceSelection = {
      reftype: reftype.toLowerCase(),
      status: 'not-found',
      context: this.context,
      mappings: [this.context],
      parameters: [],
      trace: [],
      explanation: '',
    };
    const finish = (status: SelectionStatus, extra: Partial<ReferenceSelection> = {}) => {
      Object.assign(result, { status, ...extra });
      result.explanation = explain(result);
      return result;
    };
    try {
      const dataset = datasetParameters(header);
      const instrumentKey = this.pmap.parkey[0] ?? 'META.INSTRUMENT.NAME';
      const instrument = dataset.get(instrumentKey.toUpperCase());
      if (instrument === undefined || String(instrument).toUpperCase() === 'UNDEFINED') {
        throw new CrdsCacheError(`Missing '${instrumentKey}' keyword in header for determining instrument.`);
      }
      const imap = await this.instrumentMapping(String(instrument));
      result.mappings.push(imap.name);
      const rmapName = imap.selections.get(result.reftype);
      if (rmapName === undefined) return finish('not-found', { reason: `Unknown reference type '${result.reftype}' in ${imap.name}` });
      if (NA.has(rmapName)) return finish('N/A', { reason: `Type '${result.reftype}' is N/A for ${String(instrument).toUpperCase()} (${imap.name})` });
      if (OMIT.has(rmapName)) return finish('N/A', { reason: `Type '${result.reftype}' is OMITTED for ${String(instrument).toUpperCase()} (${imap.name})` });
      result.mappings.push(rmapName);
      this.checkBadRules(result.mappings);
      const rmap = await this.rmap(rmapName);
      const conditioned: Header = {};
      for (const key of await this.instrumentParkeys(imap)) {
        const value: HeaderValue | undefined = dataset.get(key.toUpperCase());
        conditioned[key] = value === undefined ? 'UNDEFINED' : conditionValue(value);
      }
      result.parameters = rmap.parkey.flat().map((name) => ({ name, value: conditioned[name] }));
      const outcome = rmap.bestRef(conditioned);
      result.trace = outcome.trace;
      switch (outcome.status) {
        case 'found': {
          if (this.badFiles.has(outcome.file) && !CRDS_TRUE.has(this.env.CRDS_ALLOW_BAD_REFERENCES ?? '')) {
            return finish('not-found', { reason: `Recommended reference '${outcome.file}' of type '${result.reftype}' is designated scientifically invalid.` });
          }
          const subdir = (await this.referenceSubdirMode) === 'flat' ? '' : `${rmap.instrument}/`;
          return finish('found', { file: outcome.file, path: this.reader.resolve(`references/jwst/${subdir}${outcome.file}`) });
        }
        case 'N/A':
          return finish('N/A', { reason: outcome.reason });
        case 'omitted':
          return finish('N/A', { reason: `OMIT: ${outcome.reason}` });
        case 'error':
          return finish('not-found', { reason: outcome.reason });
      }
    } catch (error) {
      return finish('not-found', { reason: error instanceof Error ? error.message : String(error) });
    }
  }

  async selectReferences(reftypes: readonly string[], header: DatasetHeader): Promise<Record<string, ReferenceSelection>> {
    const out: Record<string, ReferenceSelection> = {};
    for (const reftype of reftypes) out[reftype.toLowerCase()] = await this.selectReference(reftype, header);
    return out;
  }

  private checkBadRules(mappings: string[]): void {
    const bad = mappings.filter((m) => this.badFiles.has(m));
    if (bad.length && !CRDS_TRUE.has(this.env.CRDS_ALLOW_BAD_RULES ?? '')) {
      throw new CrdsCacheError(`Final context '${this.context}' is marked as scientifically invalid based on: ${bad.join(', ')}`);
    }
  }
}

function explain(selection: ReferenceSelection): string {
  const lines = [`${selection.reftype}: ${selection.status === 'found' ? selection.file : selection.status}${selection.reason ? ` (${selection.reason})` : ''}`];
  lines.push(`  mappings: ${selection.mappings.join(' -> ')}`);
  if (selection.parameters.length) lines.push(`  parameters: ${selection.parameters.map((p) => `${p.name}=${pyRepr(p.value)}`).join(', ')}`);
  for (const step of selection.trace) {
    if (step.selector === 'Match') {
      for (const attempt of step.tried) {
        const rows = attempt.keys.map((k) => pyRepr({ kind: 'tuple', items: k })).join(' + ');
        lines.push(`  Match row ${rows}: ${attempt.exactMatches} exact of ${step.parameters.length}${attempt.failed ? `, abandoned: ${attempt.failed}` : ''}`);
      }
      if (step.tried.length === 0) lines.push(`  Match: none of the rows fits ${step.values.map((v) => pyRepr(v)).join(', ')}`);
    } else {
      lines.push(`  UseAfter ${step.parameters.join(' + ')} = ${step.date}: entry '${step.chosen}' (latest of ${step.entries} not after it)`);
    }
  }
  return lines.join('\n');
}

/** Opens a cache: reads the server_config and the chosen .pmap. */
export async function openCrdsCacheWith(reader: CrdsCacheReader, options: CrdsCacheOptions = {}): Promise<CrdsCache> {
  const env = options.env ?? {};
  const configText = await reader.readText('config/jwst/server_config');
  const config = new Map<string, PyValue>();
  if (configText !== undefined) {
    const parsed = parseLiteral(configText, 'config/jwst/server_config');
    if (typeof parsed === 'object' && parsed !== null && parsed.kind === 'dict') for (const [k, v] of parsed.entries) config.set(pyStr(k), v);
  }
  const cached = (key: string) => {
    const v = config.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  const latest = cached('latest_context') ?? cached('operational_context');
  const symbolic = (name: string): string => {
    if (/\.pmap$/i.test(name)) return name;
    if (['latest', 'jwst-latest', 'jwst-operational'].includes(name)) {
      if (!latest) throw new CrdsCacheError(`context '${name}' needs latest_context in config/jwst/server_config`);
      return latest;
    }
    const field = { 'jwst-edit': 'edit_context', 'jwst-versions': 'versions_context' }[name];
    const value = field ? cached(field) : undefined;
    if (!value) throw new CrdsCacheError(`context '${name}' cannot be resolved offline (a .pmap name, latest, jwst-latest, jwst-operational, jwst-edit or jwst-versions)`);
    return value;
  };
  let context: string;
  let source: string;
  if (options.context) {
    context = symbolic(options.context);
    source = 'context option';
  } else if (env.CRDS_CONTEXT) {
    context = symbolic(env.CRDS_CONTEXT);
    source = 'env var CRDS_CONTEXT';
  } else {
    if (!latest) throw new CrdsCacheError('no context: pass one, set CRDS_CONTEXT, or provide config/jwst/server_config with latest_context');
    context = latest;
    source = 'cached latest_context';
  }
  const text = await reader.readText(`mappings/jwst/${context}`);
  if (text === undefined) throw new CrdsCacheError(`context ${context} is not in the cache (mappings/jwst/${context})`);
  return new CrdsCache(reader, context, source, contextMapping(context, checkedMapping(context, text, env, reader.sha1Hex)), config, env);
}

/** The best reference of one type (see `CrdsCache.selectReference`). */
export function selectReference(cache: CrdsCache, reftype: string, header: DatasetHeader): Promise<ReferenceSelection> {
  return cache.selectReference(reftype, header);
}

/** The best references of several types, by lower-case type. */
export function selectReferences(cache: CrdsCache, reftypes: readonly string[], header: DatasetHeader): Promise<Record<string, ReferenceSelection>> {
  return cache.selectReferences(reftypes, header);
}

/**
 * A step's reference as stpipe's `Step.get_reference_file` finds it: the step's
 * `override_<reftype>` parameter when set (a path, used as given, or `N/A`), else CRDS.
 */
export async function stepReference(cache: CrdsCache, reftype: string, override: string | null | undefined, header: DatasetHeader): Promise<ReferenceSelection> {
  if (override === null || override === undefined) return cache.selectReference(reftype, header);
  const type = reftype.toLowerCase();
  const base = { reftype: type, context: cache.context, mappings: [], parameters: [], trace: [] };
  const value = override.trim();
  if (value === 'N/A') return { ...base, status: 'N/A', reason: `override_${type} = N/A`, explanation: `${type}: N/A (override_${type} = N/A)` };
  if (value === '') return { ...base, status: 'not-found', reason: `override_${type} is empty`, explanation: `${type}: not-found (override_${type} is empty)` };
  const file = override.slice(override.search(/[^/\\]*$/));
  return { ...base, status: 'found', path: override, file, explanation: `${type}: ${file} (override_${type} = ${override})` };
}
