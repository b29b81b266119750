/**
 * Detector1 parameters as stpipe resolves them (spec/pipeline.md §3-5): parameter files (ASDF
 * `step_config-1.0.0`, the legacy 0.1.0 layout, ConfigObj .cfg, and plain YAML/JSON), strun
 * options (`--<param>=v`, `--steps.<step>.<param>=v`), merged by precedence
 * (defaults < CRDS pars-<stepclass> < CRDS pars-detector1pipeline < user file < command line)
 * and validated with configobj's rules for each spec type.
 *
 * YAML comes from the `yaml` package (ASDF is YAML 1.1; its `%YAML 1.1` directive selects the
 * 1.1 schema, as PyYAML reads it). Integers are read as bigint so `integer` parameters can
 * refuse floats, as configobj does.
 */
import { parse as parseYaml } from 'yaml';
import type { CrdsCache, ReferenceSelection } from '../crds/cache.js';
import type { DatasetHeader } from '../crds/header.js';
import {
  CALLED_STEP_SPECS,
  PIPELINE_SPEC,
  STEP_ALIASES,
  STEP_SECTION_SPEC,
  STEP_SPECS,
  calledStepSpec,
  pipelineSpec,
  stepSpec,
  type CalledStepClass,
  type Detector1Parameters,
  type StepAlias,
} from './step-specs.js';

/**
 * A YAML float with an integral value (`3.0`): kept apart from integers because configobj refuses
 * a Python float for an `integer` parameter (JS numbers alone cannot tell `3.0` from `3`).
 */
export class IntegralFloat {
  constructor(readonly value: number) {}
}

/**
 * A value before validation: strings from the command line or .cfg files, typed values from YAML
 * or from callers (integral JS numbers count as Python ints).
 */
export type RawValue = string | number | bigint | boolean | null | IntegralFloat | RawValue[] | ConfigTree;
/** A parameter tree: plain objects are sections (`steps`, `steps.<alias>`), anything else a value. */
export interface ConfigTree {
  [key: string]: RawValue;
}

export class ParameterError extends Error {
  constructor(
    message: string,
    readonly step?: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'ParameterError';
  }
}

const isSection = (value: unknown): value is ConfigTree => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof IntegralFloat);

/** stpipe `merge_config`: sections merge recursively, values replace. Returns `into`. */
export function mergeConfig(into: ConfigTree, from: ConfigTree): ConfigTree {
  for (const [key, value] of Object.entries(from)) {
    if (isSection(value)) {
      const target = isSection(into[key]) ? (into[key] as ConfigTree) : {};
      into[key] = mergeConfig(target, value);
    } else into[key] = value;
  }
  return into;
}

// ---------------------------------------------------------------- configobj checks

interface Check {
  name: string;
  args: string[];
  min?: string;
  max?: string;
  /** undefined: no default (required); null: default=None. */
  defaultValue?: string | string[] | null;
}

function unquote(text: string): string {
  return text.length >= 2 && (text[0] === "'" || text[0] === '"') && text[0] === text[text.length - 1] ? text.slice(1, -1) : text;
}

/** Splits at top-level commas (outside quotes and parentheses). */
function splitArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let current = '';
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

const checkCache = new Map<string, Check>();

/** Parses a configobj check such as `float(default=4.0,min=0)` or `option('a', 'b', default='a')`. */
export function parseCheck(spec: string): Check {
  const cached = checkCache.get(spec);
  if (cached) return cached;
  const m = /^\s*([A-Za-z_]+)\s*(?:\((.*)\))?\s*$/s.exec(spec);
  if (!m) throw new Error(`bad check ${JSON.stringify(spec)}`);
  const check: Check = { name: m[1], args: [] };
  for (const arg of splitArguments(m[2] ?? '')) {
    const kv = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/s.exec(arg);
    if (!kv) {
      check.args.push(unquote(arg));
      continue;
    }
    const [, key, raw] = kv;
    const list = /^list\((.*)\)$/s.exec(raw);
    const value = list ? splitArguments(list[1]).map(unquote) : raw === 'None' ? null : unquote(raw);
    if (key === 'default') check.defaultValue = value;
    else if (key === 'min' && typeof value === 'string') check.min = value;
    else if (key === 'max' && typeof value === 'string') check.max = value;
  }
  checkCache.set(spec, check);
  return check;
}

/** What a check accepts, in words, for error messages. */
export function describeCheck(spec: string): string {
  const check = parseCheck(spec);
  const bounds = (what: string) => [check.min !== undefined ? `>= ${check.min}` : '', check.max !== undefined ? `<= ${check.max}` : ''].filter(Boolean).join(' and ') || what;
  switch (check.name) {
    case 'boolean':
      return 'a boolean (true/false, yes/no, on/off, 1/0)';
    case 'integer':
      return check.min !== undefined || check.max !== undefined ? `an integer ${bounds('')}` : 'an integer';
    case 'float':
      return check.min !== undefined || check.max !== undefined ? `a number ${bounds('')}` : 'a number';
    case 'option':
      return `one of ${check.args.map((a) => `'${a}'`).join(', ')}`;
    case 'int_list':
    case 'float_list':
    case 'list': {
      const of = check.name === 'int_list' ? ' of integers' : check.name === 'float_list' ? ' of numbers' : '';
      const length = check.min !== undefined && check.min === check.max ? ` of ${check.min} items` : check.min || check.max ? ` (length ${bounds('')})` : '';
      return `a comma-separated list${of}${length}`;
    }
    case 'output_file':
      return 'an output file name';
    case 'is_string_or_datamodel':
      return 'a reference file path or N/A';
    default:
      return 'a string';
  }
}

class CheckFailure extends Error {}

const PY_INT = /^\s*[-+]?\d+(?:_\d+)*\s*$/;
const PY_FLOAT = /^\s*[-+]?(?:(?:\d+(?:_\d+)*)?\.?\d+(?:_\d+)*(?:[eE][-+]?\d+)?|\d+(?:_\d+)*\.|inf(?:inity)?|nan)\s*$/i;

function toInteger(value: RawValue): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0; // Python bools are ints
  if (typeof value === 'string' && PY_INT.test(value)) return Number(value.replace(/_/g, ''));
  throw new CheckFailure();
}

function toFloat(value: RawValue): number {
  if (typeof value === 'number') return value;
  if (value instanceof IntegralFloat) return value.value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && PY_FLOAT.test(value)) {
    const text = value.trim().replace(/_/g, '').toLowerCase();
    if (text.endsWith('nan')) return NaN;
    if (text.includes('inf')) return text.startsWith('-') ? -Infinity : Infinity;
    return Number(text);
  }
  throw new CheckFailure();
}

const BOOLEANS: Record<string, boolean> = { on: true, '1': true, true: true, yes: true, off: false, '0': false, false: false, no: false };

function toBoolean(value: RawValue): boolean {
  if (typeof value === 'string' && Object.hasOwn(BOOLEANS, value.toLowerCase())) return BOOLEANS[value.toLowerCase()];
  if (typeof value === 'boolean') return value;
  const numeric = value instanceof IntegralFloat ? value.value : value;
  if ((typeof numeric === 'number' || typeof numeric === 'bigint') && (Number(numeric) === 0 || Number(numeric) === 1)) return Number(numeric) === 1;
  throw new CheckFailure();
}

function inBounds(x: number, check: Check): number {
  if (check.min !== undefined && x < Number(check.min)) throw new CheckFailure('too small');
  if (check.max !== undefined && x > Number(check.max)) throw new CheckFailure('too big');
  return x;
}

function toList(value: RawValue, check: Check): RawValue[] {
  if (!Array.isArray(value)) throw new CheckFailure();
  if (check.min !== undefined && value.length < Number(check.min)) throw new CheckFailure('too short');
  if (check.max !== undefined && value.length > Number(check.max)) throw new CheckFailure('too long');
  return value;
}

export type ParameterValue = string | number | boolean | null | unknown[];

/** configobj `Validator.check` for one value: converts it or throws CheckFailure. `null` (None) passes every check. */
function applyCheck(spec: string, value: RawValue): ParameterValue {
  const check = parseCheck(spec);
  if (value === null) return null;
  switch (check.name) {
    case 'boolean':
      return toBoolean(value);
    case 'integer':
      return inBounds(toInteger(value), check);
    case 'float':
      return inBounds(toFloat(value), check);
    case 'option':
      if (typeof value !== 'string' || !check.args.includes(value)) throw new CheckFailure();
      return value;
    case 'list':
      return toList(value, check).map((v) => (typeof v === 'bigint' ? Number(v) : v instanceof IntegralFloat ? v.value : v));
    case 'int_list':
      return toList(value, check).map(toInteger);
    case 'float_list':
      return toList(value, check).map(toFloat);
    case 'string':
    case 'output_file':
    case 'is_string_or_datamodel':
      if (typeof value !== 'string') throw new CheckFailure();
      if (check.name === 'string') inBounds(value.length, check);
      return value;
    default:
      throw new Error(`unknown check ${check.name}`);
  }
}

/** The default of a check, converted (configobj `get_default_value`). */
export function defaultValue(spec: string): ParameterValue {
  const check = parseCheck(spec);
  if (check.defaultValue === undefined) throw new Error(`check ${spec} has no default`);
  return applyCheck(spec, check.defaultValue);
}

function showValue(value: RawValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof IntegralFloat) return value.value.toFixed(1);
  if (Array.isArray(value)) return `[${value.map(showValue).join(', ')}]`;
  return JSON.stringify(value);
}

function validateSection(tree: ConfigTree, spec: Record<string, string>, where: { step?: string; label: string }): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  for (const [key, value] of Object.entries(tree)) {
    if (!Object.hasOwn(spec, key)) {
      const valid = Object.keys(spec).sort().join(', ');
      throw new ParameterError(`unknown parameter '${key}' for ${where.label}; valid parameters: ${valid}`, where.step, key);
    }
    if (isSection(value)) throw new ParameterError(`${where.label}: parameter '${key}' must be a value, not a section`, where.step, key);
  }
  for (const [key, check] of Object.entries(spec)) {
    if (!Object.hasOwn(tree, key)) {
      out[key] = defaultValue(check);
      continue;
    }
    const value = tree[key];
    try {
      out[key] = applyCheck(check, value);
    } catch (error) {
      if (!(error instanceof CheckFailure)) throw error;
      const detail = error.message ? ` (${error.message})` : '';
      throw new ParameterError(`${where.label}: parameter '${key}' = ${showValue(value)} is invalid${detail}: expected ${describeCheck(check)}`, where.step, key);
    }
  }
  return out;
}

// ---------------------------------------------------------------- files

/** The YAML text of an ASDF file: its first document (pars files have no binary blocks). */
function yamlOf(text: string): string {
  const end = text.search(/^\.\.\.\s*$/m);
  return end >= 0 ? text.slice(0, end) : text;
}

/** ConfigObj value syntax (`_handle_value`): quotes, comma lists (`a, b`, `a,`; `,` is empty), inline `#` comments. */
export function configObjValue(text: string): string | string[] {
  const items: { value: string; quoted: boolean }[] = [];
  let current = '';
  let quoted = false;
  let quote = '';
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = '';
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      quoted = true;
    } else if (c === '#') break;
    else if (c === ',') {
      items.push({ value: quoted ? current : current.trim(), quoted });
      current = '';
      quoted = false;
    } else current += c;
  }
  if (quote) throw new ParameterError(`unbalanced quotes in ${JSON.stringify(text)}`);
  const last = { value: quoted ? current : current.trim(), quoted };
  if (items.length === 0) return last.value;
  if (last.value !== '' || last.quoted) items.push(last); // a trailing comma adds nothing
  if (items.length === 1 && items[0].value === '' && !items[0].quoted) return []; // ',' alone
  return items.map((item) => item.value);
}

/** Old ConfigObj parameter files: `key = value`, `[steps]`, `[[jump]]`. */
function parseCfg(text: string, fileName: string): ConfigTree {
  const root: ConfigTree = {};
  const stack: ConfigTree[] = [root];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const section = /^(\[+)\s*([^\]]+?)\s*(\]+)\s*(#.*)?$/.exec(trimmed);
    if (section) {
      const depth = section[1].length;
      if (depth !== section[3].length || depth > stack.length) throw new ParameterError(`${fileName}:${index + 1}: bad section marker ${trimmed}`);
      stack.length = depth;
      const parent = stack[depth - 1];
      const child = isSection(parent[section[2]]) ? (parent[section[2]] as ConfigTree) : {};
      parent[section[2]] = child;
      stack.push(child);
      return;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(trimmed);
    if (!kv) throw new ParameterError(`${fileName}:${index + 1}: expected 'key = value', found ${JSON.stringify(trimmed)}`);
    stack[stack.length - 1][unquote(kv[1])] = configObjValue(kv[2]);
  });
  return root;
}

/** YAML values as raw values: mappings as sections (stpipe turns dicts into sections), ints as bigint. */
function fromYaml(value: unknown, where: string): RawValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? new IntegralFloat(value) : value;
  if (typeof value === 'string' || typeof value === 'bigint' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => fromYaml(v, where));
  if (typeof value === 'object') {
    const out: ConfigTree = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = fromYaml(v, where);
    return out;
  }
  throw new ParameterError(`${where}: unsupported YAML value ${String(value)}`);
}

/** stpipe `_config_obj_from_step_config` of a step_config tree `{class, name, parameters, steps: [...]}`. */
function fromStepConfig(tree: ConfigTree, where: string): ConfigTree {
  const parameters = tree.parameters;
  if (!isSection(parameters)) throw new ParameterError(`${where}: 'parameters' must be a mapping`);
  if (!('name' in tree)) throw new ParameterError(`${where}: no 'name' (stpipe requires it next to 'class' and 'parameters')`);
  const out: ConfigTree = mergeConfig({}, parameters);
  out.class = tree.class;
  out.name = tree.name;
  const steps = tree.steps;
  if (steps !== undefined && steps !== null) {
    if (!Array.isArray(steps)) throw new ParameterError(`${where}: 'steps' must be a list of step configurations`);
    const section: ConfigTree = {};
    for (const step of steps) {
      if (!isSection(step)) throw new ParameterError(`${where}: each entry of 'steps' must be a mapping`);
      section[String(step.name)] = fromStepConfig(step, where);
    }
    if (steps.length) out.steps = section;
  }
  return out;
}

/** The legacy layout (step_config-0.1.0): everything under `parameters`, `steps` a mapping by name. */
function fromLegacy(parameters: ConfigTree): ConfigTree {
  const out: ConfigTree = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (key === 'steps' && isSection(value)) {
      const steps: ConfigTree = {};
      for (const [name, step] of Object.entries(value)) steps[name] = isSection(step) ? fromLegacy(step) : step;
      out.steps = steps;
    } else out[key] = value;
  }
  return out;
}

/**
 * Reads a parameter file into a config tree `{<param>: v, class?, name?, steps?: {<alias>: {...}}}`.
 * ASDF (step_config-1.0.0 or the legacy 0.1.0 layout), ConfigObj `.cfg`, or plain YAML/JSON
 * (`{<param>: v, steps: {<alias>: {...}}}` — our extension; stpipe reads only ASDF and .cfg).
 */
export function parseParameterFile(text: string, fileName: string): ConfigTree {
  if (/\.(cfg|ini)$/i.test(fileName)) return parseCfg(text, fileName);
  let document: unknown;
  try {
    document = parseYaml(yamlOf(text), { intAsBigInt: true, logLevel: 'error', uniqueKeys: true });
  } catch (error) {
    throw new ParameterError(`${fileName}: not valid YAML/ASDF: ${error instanceof Error ? error.message : String(error)}`);
  }
  const tree = fromYaml(document, fileName);
  if (!isSection(tree)) throw new ParameterError(`${fileName}: a parameter file must hold a mapping`);
  if ('class' in tree && isSection(tree.parameters)) return fromStepConfig(tree, fileName);
  if (isSection(tree.parameters) && 'name' in tree.parameters) return fromLegacy(tree.parameters);
  return tree;
}

// ---------------------------------------------------------------- command line

/** strun's own options (not step parameters). */
export interface StrunOptions {
  saveParameters?: string;
  disableCrdsSteppars: boolean;
  verbose: boolean;
  debug: boolean;
  logLevel?: string;
  logFile?: string;
  logStream?: string;
  logcfg?: string;
}

export interface CommandLine {
  /** `--<param>` and `--steps.<step>.<param>` values (ConfigObj value syntax: strings, comma lists). */
  config: ConfigTree;
  positional: string[];
  options: StrunOptions;
}

const FLAG_OPTIONS: Record<string, 'disableCrdsSteppars' | 'verbose' | 'debug'> = {
  'disable-crds-steppars': 'disableCrdsSteppars',
  verbose: 'verbose',
  v: 'verbose',
  debug: 'debug',
};
const VALUE_OPTIONS: Record<string, 'saveParameters' | 'logLevel' | 'logFile' | 'logStream' | 'logcfg'> = {
  'save-parameters': 'saveParameters',
  'log-level': 'logLevel',
  'log-file': 'logFile',
  'log-stream': 'logStream',
  logcfg: 'logcfg',
};

/**
 * strun arguments after the pipeline name: `--name=value` or `--name value` for every parameter
 * of the pipeline's spec (`--save_calibrated_ramp`, `--steps.jump.rejection_threshold`), strun's
 * own options, and positional inputs. Unknown names are errors that list the valid ones.
 */
export function parseCommandLine(args: readonly string[]): CommandLine {
  const config: ConfigTree = {};
  const positional: string[] = [];
  const options: StrunOptions = { disableCrdsSteppars: false, verbose: false, debug: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(arg)!;
    const name = m[1];
    if (Object.hasOwn(FLAG_OPTIONS, name)) {
      if (m[2] !== undefined) throw new ParameterError(`option --${name} takes no value`);
      options[FLAG_OPTIONS[name]] = true;
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      if (i + 1 >= args.length) throw new ParameterError(`option --${name} needs a value`);
      value = args[++i];
    }
    if (Object.hasOwn(VALUE_OPTIONS, name)) {
      options[VALUE_OPTIONS[name]] = value;
      continue;
    }
    const path = name.split('.');
    checkParameterPath(path);
    let section = config;
    for (const part of path.slice(0, -1)) {
      if (!isSection(section[part])) section[part] = {};
      section = section[part] as ConfigTree;
    }
    section[path[path.length - 1]] = configObjValue(value);
  }
  return { config, positional, options };
}

/** Command-line names must exist in the pipeline's spec (argparse would reject them). */
function checkParameterPath(path: string[]): void {
  if (path.length === 1) {
    if (!Object.hasOwn(pipelineSpec(), path[0])) {
      throw new ParameterError(`unknown option --${path[0]}; pipeline parameters: ${Object.keys(pipelineSpec()).sort().join(', ')}; step parameters are --steps.<step>.<param>`, undefined, path[0]);
    }
    return;
  }
  if (path.length !== 3 || path[0] !== 'steps') throw new ParameterError(`unknown option --${path.join('.')}; step parameters are --steps.<step>.<param>`);
  const [, alias, parameter] = path;
  if (!Object.hasOwn(STEP_SPECS, alias)) throw new ParameterError(`unknown step '${alias}' in --${path.join('.')}; steps: ${STEP_ALIASES.join(', ')}`, alias);
  const spec = { ...stepSpec(alias as StepAlias), ...STEP_SECTION_SPEC };
  if (!Object.hasOwn(spec, parameter)) {
    throw new ParameterError(`unknown parameter '${parameter}' for step ${alias}; valid parameters: ${Object.keys(spec).sort().join(', ')}`, alias, parameter);
  }
}

// ---------------------------------------------------------------- precedence and resolution

export interface ParameterSources {
  /** CRDS pars-<stepclass> files, parsed, by step alias. */
  crdsSteps?: Partial<Record<StepAlias, ConfigTree>>;
  /** CRDS pars-detector1pipeline, parsed. */
  crdsPipeline?: ConfigTree;
  /** The user's parameter file (`strun params.asdf` / `config_file=`), parsed. */
  userFile?: ConfigTree;
  /** Command-line options or keyword arguments: `{<param>: v, steps: {<alias>: {...}}}`. */
  commandLine?: ConfigTree;
  /** Reads a `steps.<alias>.config_file` (given as written, relative to the user's file): needed only when one is used. */
  loadStepConfigFile?: (path: string) => ConfigTree;
}

const PIPELINE_CLASS_NAMES = new Set([PIPELINE_SPEC.pythonClass, PIPELINE_SPEC.className, PIPELINE_SPEC.alias]);

/** A class given as alias, class name, or any `jwst.` import path ending in the class name (jwst.pipeline.Detector1Pipeline). */
function sameClass(given: string, accepted: ReadonlySet<string>): boolean {
  if (accepted.has(given)) return true;
  const last = given.split('.').pop()!;
  return given.startsWith('jwst.') && accepted.has(last);
}

function dropClassAndName(tree: ConfigTree, label: string, accepted: ReadonlySet<string>): ConfigTree {
  const { class: className, name: _name, ...rest } = tree;
  if (className !== undefined && className !== null && !sameClass(String(className), accepted)) {
    throw new ParameterError(`${label} is for ${String(className)}, not ${[...accepted][0]}`);
  }
  return rest;
}

/**
 * Merges the sources by stpipe's precedence, loads `steps.<alias>.config_file` files (their
 * values below the explicit ones beside them), and validates: unknown steps or parameters and
 * values of the wrong type are errors naming the step, the parameter, the value and what was
 * expected. The result has every parameter of the pipeline and of every step.
 */
export function resolveDetector1Parameters(sources: ParameterSources = {}): Detector1Parameters {
  const crds: ConfigTree = { steps: {} };
  for (const alias of STEP_ALIASES) {
    const tree = sources.crdsSteps?.[alias];
    if (!tree) continue;
    const { pythonClass, className } = STEP_SPECS[alias];
    (crds.steps as ConfigTree)[alias] = mergeConfig({}, dropClassAndName(tree, `CRDS pars-${className.toLowerCase()}`, new Set([pythonClass, className, alias])));
  }
  if (sources.crdsPipeline) mergeConfig(crds, dropClassAndName(sources.crdsPipeline, 'CRDS pars-detector1pipeline', PIPELINE_CLASS_NAMES));

  const user: ConfigTree = {};
  if (sources.userFile) mergeConfig(user, dropClassAndName(sources.userFile, 'the parameter file', PIPELINE_CLASS_NAMES));
  if (sources.commandLine) mergeConfig(user, sources.commandLine);
  // stpipe Pipeline.merge_config: a step's config_file is read first, the values beside it win
  const userSteps = isSection(user.steps) ? user.steps : {};
  for (const [alias, section] of Object.entries(userSteps)) {
    if (!isSection(section) || section.config_file === undefined || section.config_file === null) continue;
    if (!sources.loadStepConfigFile) throw new ParameterError(`steps.${alias}.config_file is set but no loader was given`, alias, 'config_file');
    const { config_file: file, ...explicit } = section;
    const loaded = dropClassAndName(sources.loadStepConfigFile(String(file)), `steps.${alias}.config_file ${String(file)}`, new Set([alias, ...(Object.hasOwn(STEP_SPECS, alias) ? [STEP_SPECS[alias as StepAlias].pythonClass, STEP_SPECS[alias as StepAlias].className] : [])]));
    userSteps[alias] = mergeConfig(loaded, explicit);
  }
  const merged = mergeConfig(crds, user);

  const { steps: stepTree, ...pipelineTree } = merged;
  const pipeline = validateSection(pipelineTree, pipelineSpec(), { label: 'the pipeline' });
  const steps: Record<string, Record<string, ParameterValue>> = {};
  const stepSections = isSection(stepTree) ? stepTree : {};
  for (const alias of Object.keys(stepSections)) {
    if (!Object.hasOwn(STEP_SPECS, alias)) throw new ParameterError(`unknown step '${alias}'; Detector1 steps: ${STEP_ALIASES.join(', ')}`, alias);
  }
  for (const alias of STEP_ALIASES) {
    const section = stepSections[alias];
    if (section !== undefined && !isSection(section)) throw new ParameterError(`steps.${alias} must be a section of parameters`, alias);
    const { class: _class, name: _name, config_file: _file, ...values } = (section as ConfigTree | undefined) ?? {};
    steps[alias] = validateSection(values, stepSpec(alias), { step: alias, label: `step ${alias}` });
  }
  return { pipeline, steps } as unknown as Detector1Parameters;
}


// ---------------------------------------------------------------- CRDS parameter references

export interface CrdsParameterOptions {
  /** Reads a selected pars file (the cache's path of it). */
  readText: (path: string) => Promise<string>;
  /** `--disable-crds-steppars` / STPIPE_DISABLE_CRDS_STEPPARS: no CRDS parameters at all. */
  disable?: boolean;
}

/**
 * CRDS `pars-<class>` of a step that a Detector1 step calls itself (stpipe's `Step.call` asks CRDS
 * for it then: clean_flicker_noise runs TSOPhotometryStep for a TSO imaging median image), as
 * parameters by name; undefined when that type is N/A, unknown to the context, not found, or
 * CRDS parameters are disabled. The values are checked against the class's spec (defaults filled
 * in), as stpipe does.
 */
export async function crdsCalledStepParameters(
  cache: CrdsCache,
  header: DatasetHeader,
  className: CalledStepClass,
  options: CrdsParameterOptions,
): Promise<Record<string, ParameterValue> | undefined> {
  if (options.disable) return undefined;
  const type = `pars-${className.toLowerCase()}`;
  const selection = await cache.selectReference(type, header);
  if (selection.status !== 'found') return undefined;
  const label = `CRDS ${type} (${selection.file})`;
  const tree = dropClassAndName(parseParameterFile(await options.readText(selection.path!), selection.file!), label, new Set([className, CALLED_STEP_SPECS[className].pythonClass]));
  return validateSection(tree, calledStepSpec(className), { label });
}

/**
 * The CRDS parameter sources of an exposure: `pars-<stepclass>` of every step and
 * `pars-detector1pipeline`, selected like any reference on the exposure's header. As in stpipe,
 * a type that is N/A, unknown to the context or not found contributes no parameters.
 */
export async function crdsParameterSources(
  cache: CrdsCache,
  header: DatasetHeader,
  options: CrdsParameterOptions,
): Promise<{ crdsSteps: Partial<Record<StepAlias, ConfigTree>>; crdsPipeline?: ConfigTree; selections: ReferenceSelection[] }> {
  const crdsSteps: Partial<Record<StepAlias, ConfigTree>> = {};
  const selections: ReferenceSelection[] = [];
  if (options.disable) return { crdsSteps, selections };
  const load = async (className: string): Promise<ConfigTree | undefined> => {
    const selection = await cache.selectReference(`pars-${className.toLowerCase()}`, header);
    selections.push(selection);
    if (selection.status !== 'found') return undefined;
    return parseParameterFile(await options.readText(selection.path!), selection.file!);
  };
  for (const alias of STEP_ALIASES) {
    const tree = await load(STEP_SPECS[alias].className);
    if (tree) crdsSteps[alias] = tree;
  }
  const crdsPipeline = await load(PIPELINE_SPEC.className);
  return { crdsSteps, crdsPipeline, selections };
}
