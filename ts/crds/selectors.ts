/**
 * rmap selector trees: `Match` and `UseAfter`, the two selector kinds JWST reference rmaps use
 * (crds' rmap templates for JWST use only these; `VersionAfter` appears only in the SYSTEM
 * types, which Detector1 never asks for). Semantics per spec/reference_files.md §5.4-5.5 and
 * crds `core/selectors.py`: conditioned keys, header validation against the values an rmap
 * column uses, winnowing by matcher status, best-weight-first retries, merged UseAfter ties.
 */
import { conditionValue, InvalidDateError, reformatDate } from './condition.js';
import { pyRepr, type PyValue } from './pyliteral.js';

/** A lookup that failed in a way crds retries with the next candidate (CrdsLookupError). */
export class LookupFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LookupFailure';
  }
}
/** Anything else that stops the selection (crds ValidationError, InvalidDatetimeError, AmbiguousMatchError, format errors). */
export class SelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectionError';
  }
}

/** What one selector level did, for `--explain-refs`. */
export type TraceStep =
  | {
      selector: 'Match';
      parameters: string[];
      values: string[];
      /** Conditioned keys of the row(s) tried, best weight first; `failed` says why a row was abandoned. */
      tried: { keys: string[][]; exactMatches: number; failed?: string }[];
      candidates: number;
    }
  | { selector: 'UseAfter'; parameters: string[]; date: string; chosen: string; entries: number };

export type Choice = string | Selector;
export type Selector = MatchSelector | UseAfterSelector;
export type Header = Record<string, string>;

type Status = 1 | 0 | -1;
type Matcher = (value: string) => Status;

export interface SelectorOptions {
  substitutions: Map<string, Map<string, PyValue>>;
  mergeOverlaps: boolean;
}

// ---------------------------------------------------------------- matchers

const esotericKey = (key: string) => {
  const upper = key.toUpperCase();
  return (/^[{(#]/.test(upper) && /[})#]$/.test(upper)) || upper.startsWith('BETWEEN') || upper.startsWith('NOT');
};

/** crds `glob_list`: sorted, stripped `|` alternatives (esoteric keys stay whole). */
export function globList(value: string): string[] {
  if (!esotericKey(value) && value.includes('|')) {
    return value
      .split('|')
      .map((v) => v.trim())
      .filter(Boolean)
      .sort();
  }
  return [value];
}

/** Python `fnmatch.translate` of one glob, as a regex source (no anchors). */
function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        let body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body}]`;
        i = close;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return out;
}

/** The base equality of every crds matcher: equal or header `*` -> 1, header `N/A` -> 0. */
function baseStatus(key: string, value: string): Status {
  if (value === key || value === '*') return 1;
  return value === 'N/A' ? 0 : -1;
}

function regexMatcher(key: string, regex: RegExp): Matcher {
  return (value) => {
    const status = baseStatus(key, value);
    if (status !== -1) return status;
    return regex.test(value) ? 1 : -1;
  };
}

const FLOAT_RE = /^\s*[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf(?:inity)?|nan)\s*$/i;

function inequalityMatcher(key: string): Matcher {
  const parts = /^([><]=?)\s*([-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?)/.exec(key);
  if (!parts) throw new SelectionError(`invalid inequality ${JSON.stringify(key)}`);
  const op = parts[1];
  const bound = Number(parts[2]);
  return (value) => {
    const status = baseStatus(key, value);
    if (status !== -1) return status;
    if (!FLOAT_RE.test(value)) return -1;
    const x = Number(value.trim().replace(/^([-+]?)inf(inity)?$/i, '$1Infinity'));
    const ok = op === '>' ? x > bound : op === '<' ? x < bound : op === '>=' ? x >= bound : x <= bound;
    return ok ? 1 : -1;
  };
}

function binaryMatcher(keyIn: string, operator: 'AND' | 'OR'): Matcher {
  const key = keyIn;
  const inner = key.trim().startsWith('#') ? key.trim().slice(1, -1) : key;
  const parts = inner.split(operator).map((p) => p.trim());
  const first = makeMatcher(parts[0]);
  const second = makeMatcher(parts[1]);
  return (raw) => {
    const value = raw.toUpperCase();
    const status = baseStatus(key, value);
    if (status !== -1) return status;
    const a = first(value) === 1;
    const b = second(value) === 1;
    return (operator === 'AND' ? a && b : a || b) ? 1 : -1;
  };
}

/** crds `matcher(key)`: the matcher kind follows the key's syntax. */
export function makeMatcher(key: string): Matcher {
  if (key.startsWith('(') && key.endsWith(')')) return regexMatcher(key.slice(1, -1), new RegExp(`^(?:${key.slice(1, -1)})`));
  if (key.startsWith('{') && key.endsWith('}')) {
    const literal = key.slice(1, -1);
    return (value) => baseStatus(literal, value);
  }
  if (key.startsWith('#') && key.endsWith('#')) {
    const upper = key.toUpperCase();
    if (upper.includes(' AND ')) return binaryMatcher(upper, 'AND');
    if (upper.includes(' OR ')) return binaryMatcher(upper, 'OR');
    return makeMatcher(upper.slice(1, -1));
  }
  if (key.toUpperCase().startsWith('BETWEEN')) {
    const parts = key.split(/\s+/).filter(Boolean);
    if (parts.length !== 3 || !(Number(parts[1]) <= Number(parts[2]))) throw new SelectionError(`Invalid between relation ${JSON.stringify(key)}`);
    return binaryMatcher(`>=${parts[1]} AND <${parts[2]}`, 'AND');
  }
  if (key.toUpperCase().startsWith('NOT ')) {
    const unnegated = makeMatcher(key.slice(4).trim());
    return (value) => ({ 1: -1, 0: 0, [-1]: 1 })[unnegated(value)] as Status;
  }
  if (key.includes('|') || key.includes('*')) {
    const source = `^(?:${globList(key).map(globToRegex).join('|')})$`;
    return regexMatcher(source, new RegExp(source, 's'));
  }
  if (key === 'N/A') return () => 0;
  if (key.startsWith('>') || key.startsWith('<')) return inequalityMatcher(key);
  return (value) => baseStatus(key, value);
}

// ---------------------------------------------------------------- Match

/** crds `MatchSelector.condition_key_element`. */
function conditionKeyElement(element: PyValue): string {
  if (typeof element === 'string') {
    if ((element.startsWith('{') && element.endsWith('}')) || (element.startsWith('(') && element.endsWith(')'))) return element;
    if (element.includes('|')) return globList(element).map(conditionValue).join('|');
    return conditionValue(globList(element).join('|'));
  }
  if (typeof element === 'object' && element !== null && (element.kind === 'tuple' || element.kind === 'list')) {
    return element.items.map(conditionValue).join('|');
  }
  return conditionValue(element);
}

interface MatchRow {
  raw: PyValue;
  keys: string[];
  matchers: Matcher[];
  choice: Choice;
}

export class MatchSelector {
  readonly kind = 'Match';
  private readonly rows: MatchRow[];
  /** Values each column uses (null: an esoteric key disables checking); crds `get_parkey_map`. */
  private readonly validValues: (Set<string> | null)[];

  constructor(
    readonly parameters: string[],
    selections: [PyValue, Choice][],
    private readonly options: SelectorOptions,
  ) {
    const substituted = selections.map(([key, choice]) => [this.substitute(key), choice] as [PyValue, Choice]);
    const seen = new Set<string>();
    this.rows = substituted.map(([raw, choice]) => {
      const elements = typeof raw === 'object' && raw !== null && raw.kind === 'tuple' ? raw.items : [raw];
      const keys = elements.map(conditionKeyElement);
      if (keys.length !== parameters.length) {
        throw new SelectionError(`Match key=${pyRepr(raw)} is wrong length for parameters ${pyRepr({ kind: 'tuple', items: parameters })}`);
      }
      const id = keys.join('\u0000');
      if (seen.has(id)) throw new SelectionError(`Key ${pyRepr({ kind: 'tuple', items: keys })} appears more than once`);
      seen.add(id);
      return { raw, keys, matchers: keys.map(makeMatcher), choice };
    });
    this.validValues = parameters.map((_, i) => {
      const values = new Set<string>();
      for (const row of this.rows) {
        if (esotericKey(row.keys[i])) return null;
        for (const v of globList(row.keys[i])) values.add(v);
      }
      return values;
    });
  }

  /** Header `substitutions` (+ crds' built-in SUBARRAY GENERIC -> N/A), applied to raw keys before conditioning. */
  private substitute(key: PyValue): PyValue {
    let result = key;
    this.parameters.forEach((parameter, i) => {
      const table = this.options.substitutions.get(parameter);
      if (!table) return;
      const isTuple = typeof result === 'object' && result !== null && result.kind === 'tuple';
      const old = isTuple ? (result as { items: PyValue[] }).items[i] : result;
      if (typeof old !== 'string' || !table.has(old)) return;
      let replacement = table.get(old)!;
      if (typeof replacement === 'object' && replacement !== null && replacement.kind === 'list') replacement = { kind: 'tuple', items: replacement.items };
      if (isTuple) {
        const items = [...(result as { items: PyValue[] }).items];
        items[i] = replacement;
        result = { kind: 'tuple', items };
      } else result = replacement;
    });
    return result;
  }

  /** crds `_validate_value` for a runtime header value against the values of column `i`. */
  private validate(i: number, value: string): void {
    const name = this.parameters[i];
    const valid = this.validValues[i];
    if (valid === null || valid.size === 0) return;
    const check = (v: string): void => {
      if (valid.has(v) || valid.has(conditionValue(v))) return;
      if (valid.has('*') || valid.has('ANY') || valid.has('N/A')) return;
      if (v.startsWith('NOT')) return check(v.slice(3).trim());
      if (esotericKey(v) || v === '*' || v === 'ANY' || v === 'N/A') return;
      if (v.toLowerCase().startsWith('between')) {
        const [, a, b] = v.split(/\s+/);
        check(a);
        return check(b);
      }
      const table = this.options.substitutions.get(name);
      const substitute = table?.get(v);
      if (typeof substitute === 'string') return check(substitute);
      throw new SelectionError(` parameter=${pyRepr(name)} value=${pyRepr(v)} is not in ${pyRepr({ kind: 'list', items: [...valid].sort() })}`);
    };
    check(value);
  }

  choose(header: Header, trace: TraceStep[]): string {
    const values = this.parameters.map((p) => header[p] ?? 'UNDEFINED');
    values.forEach((value, i) => this.validate(i, value));
    const weights = new Map<MatchRow, number>();
    for (const row of this.rows) {
      let weight = 0;
      let eliminated = false;
      for (let i = 0; i < values.length && !eliminated; i++) {
        const status = row.matchers[i](values[i]);
        if (status === -1) eliminated = true;
        else weight -= status;
      }
      if (!eliminated) weights.set(row, weight);
    }
    const groups = new Map<number, MatchRow[]>();
    for (const [row, weight] of weights) groups.set(weight, [...(groups.get(weight) ?? []), row]);
    const step: TraceStep = { selector: 'Match', parameters: this.parameters, values, tried: [], candidates: weights.size };
    trace.push(step);
    for (const weight of [...groups.keys()].sort((a, b) => a - b)) {
      const rows = groups.get(weight)!;
      const attempt: { keys: string[][]; exactMatches: number; failed?: string } = { keys: rows.map((r) => r.keys), exactMatches: -weight };
      step.tried.push(attempt);
      let choice: Choice;
      if (rows.length > 1) {
        if (!this.options.mergeOverlaps) throw new SelectionError('More than one match clause matched.');
        const nested = rows.map((r) => r.choice);
        if (!nested.every((c): c is UseAfterSelector => typeof c !== 'string' && c.kind === 'UseAfter')) {
          // crds would hand back a tuple of file names here, which no caller can use
          throw new SelectionError(`Ambiguous match: rows ${rows.map((r) => pyRepr(r.raw)).join(', ')} match equally well`);
        }
        choice = nested.reduce((a, b) => a.merge(b));
      } else choice = rows[0].choice;
      if (typeof choice === 'string') return choice;
      const nestedTrace: TraceStep[] = [];
      try {
        const result = choice.choose(header, nestedTrace);
        trace.push(...nestedTrace);
        return result;
      } catch (error) {
        if (!(error instanceof LookupFailure)) throw error;
        attempt.failed = error.message;
      }
    }
    throw new LookupFailure('No match found.');
  }
}

// ---------------------------------------------------------------- UseAfter

export class UseAfterSelector {
  readonly kind = 'UseAfter';
  /** Sorted by date string, as crds sorts its selections. */
  readonly entries: { date: string; choice: Choice }[];

  constructor(
    readonly parameters: string[],
    entries: { date: string; choice: Choice }[],
  ) {
    this.entries = [...entries].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }

  /** crds `UseAfterSelector.merge`: union of dates; at a shared date the greater file name wins. */
  merge(other: UseAfterSelector): UseAfterSelector {
    const byDate = new Map<string, Choice>();
    for (const e of [...this.entries, ...other.entries]) {
      const existing = byDate.get(e.date);
      if (existing === undefined || (typeof existing === 'string' && typeof e.choice === 'string' && e.choice > existing)) byDate.set(e.date, e.choice);
    }
    return new UseAfterSelector(
      this.parameters,
      [...byDate].map(([date, choice]) => ({ date, choice })),
    );
  }

  choose(header: Header, trace: TraceStep[]): string {
    const raw = this.parameters
      .map((p) => {
        const value = (header[p] ?? 'UNDEFINED').trim();
        if (value === 'UNDEFINED') throw new SelectionError(`UseAfter parameter ${pyRepr(p)} is UNDEFINED.`);
        return value;
      })
      .join(' ');
    let date: string;
    try {
      date = reformatDate(raw);
    } catch (error) {
      if (!(error instanceof InvalidDateError)) throw error;
      throw new SelectionError(`UseAfter Invalid date/time format for ${pyRepr({ kind: 'tuple', items: this.parameters })} value = ${pyRepr(raw)} exception is ${error.message}`);
    }
    let chosen: { date: string; choice: Choice } | undefined;
    for (const entry of this.entries) if (entry.date <= date) chosen = entry;
    if (!chosen) throw new LookupFailure(`No selection <= ${pyRepr(date)}`);
    trace.push({ selector: 'UseAfter', parameters: this.parameters, date, chosen: chosen.date, entries: this.entries.length });
    return typeof chosen.choice === 'string' ? chosen.choice : chosen.choice.choose(header, trace);
  }
}

// ---------------------------------------------------------------- building from a parsed rmap

/** Builds the selector tree of an rmap: one `parkey` entry per nesting level of selector calls. */
export function buildSelector(value: PyValue, parkeys: string[][], options: SelectorOptions, where: string): Selector {
  if (typeof value !== 'object' || value === null || value.kind !== 'call') throw new SelectionError(`${where}: selector must be a Match or UseAfter call`);
  if (parkeys.length === 0) throw new SelectionError(`${where}: more selector levels than parkey entries`);
  if (value.args.length !== 1) throw new SelectionError(`${where}: ${value.name}() takes one dict`);
  const [arg] = value.args;
  let items: [PyValue, PyValue][];
  if (typeof arg === 'object' && arg !== null && arg.kind === 'dict') items = arg.entries;
  else if (typeof arg === 'object' && arg !== null && arg.kind === 'list') {
    items = arg.items.map((item) => {
      if (typeof item !== 'object' || item === null || item.kind !== 'tuple' || item.items.length !== 2) throw new SelectionError(`${where}: bad selection item`);
      return [item.items[0], item.items[1]];
    });
  } else throw new SelectionError(`${where}: ${value.name}() takes one dict`);
  const [level, ...rest] = parkeys;
  const choice = (v: PyValue): Choice => {
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && v !== null && v.kind === 'call') return buildSelector(v, rest, options, where);
    throw new SelectionError(`${where}: unsupported selection value ${pyRepr(v)}`);
  };
  switch (value.name) {
    case 'Match':
      return new MatchSelector(
        level,
        items.map(([k, v]) => [k, choice(v)]),
        options,
      );
    case 'UseAfter':
      return new UseAfterSelector(
        level,
        items.map(([k, v]) => {
          if (typeof k !== 'string') throw new SelectionError(`${where}: UseAfter keys must be date strings, found ${pyRepr(k)}`);
          return { date: k, choice: choice(v) };
        }),
      );
    default:
      throw new SelectionError(`${where}: selector ${value.name} is not supported (only Match and UseAfter, which every JWST reference rmap uses)`);
  }
}

