/**
 * One reference mapping (.rmap): its header switches and its selector tree, and the best
 * reference for a conditioned dataset header (crds `ReferenceMapping._get_best_ref`:
 * `rmap_omit`, `rmap_relevance`, `parkey_relevance`, selection, `reffile_required`, N/A leaves).
 * JWST's crds instrument packages define no precondition/fallback hooks, so none are run.
 */
import { parseExpression, pyRepr, pyStr, type PyExpr, type PyValue, type ParsedMapping } from './pyliteral.js';
import { buildSelector, LookupFailure, SelectionError, type Header, type Selector, type TraceStep } from './selectors.js';

/** Python values an expression computes with. */
type ExprValue = string | number | boolean | null | ExprValue[];

class ExpressionError extends Error {}

function evaluate(expr: PyExpr, names: Record<string, string | boolean>): ExprValue {
  switch (expr.kind) {
    case 'literal': {
      const v: PyValue = expr.value;
      if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
      if (v.kind === 'number') return v.value;
      if (v.kind === 'tuple' || v.kind === 'list') return v.items.map((item) => evaluate({ kind: 'literal', value: item }, names));
      throw new ExpressionError(`unsupported literal ${pyRepr(v)}`);
    }
    case 'name':
      if (!Object.hasOwn(names, expr.name)) throw new ExpressionError(`name '${expr.name}' is not defined`);
      return names[expr.name];
    case 'sequence':
      return expr.items.map((item) => evaluate(item, names));
    case 'not':
      return !truthy(evaluate(expr.operand, names));
    case 'bool': {
      // Python returns the deciding operand, not a boolean
      let last: ExprValue = null;
      for (const operand of expr.operands) {
        last = evaluate(operand, names);
        if (expr.op === 'and' ? !truthy(last) : truthy(last)) return last;
      }
      return last;
    }
    case 'compare': {
      let left = evaluate(expr.left, names);
      for (let i = 0; i < expr.ops.length; i++) {
        const right = evaluate(expr.rights[i], names);
        if (!compare(expr.ops[i], left, right)) return false;
        left = right;
      }
      return true;
    }
  }
}

function truthy(v: ExprValue): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== false && v !== 0 && v !== '';
}

function equal(a: ExprValue, b: ExprValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b) && typeof a !== 'string' && typeof b !== 'string';
  return a === b;
}

function compare(op: string, a: ExprValue, b: ExprValue): boolean {
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case 'in':
    case 'not in': {
      let found: boolean;
      if (Array.isArray(b)) found = b.some((x) => equal(a, x));
      else if (typeof b === 'string' && typeof a === 'string') found = b.includes(a);
      else throw new ExpressionError(`'in' needs a sequence, found ${JSON.stringify(b)}`);
      return op === 'in' ? found : !found;
    }
    default: {
      if (typeof a !== typeof b || (typeof a !== 'string' && typeof a !== 'number')) throw new ExpressionError(`cannot compare ${JSON.stringify(a)} ${op} ${JSON.stringify(b)}`);
      const [x, y] = [a as string | number, b as string | number];
      return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
    }
  }
}

/** crds LowerCaseDict: header strings read in lower case unless wrapped in parentheses. */
function headerString(header: Map<string, PyValue>, key: string): string | undefined {
  const value = header.get(key);
  if (value === undefined) return undefined;
  const text = pyStr(value);
  return text.startsWith('(') && text.endsWith(')') ? text : text.toLowerCase();
}

/** Parkeys in an expression are written `META.X.Y`; crds evaluates them as names `META_X_Y`. */
function conditionSource(source: string, parkeys: string[]): string {
  let code = source;
  for (const key of parkeys) if (key.includes('.')) code = code.split(key).join(key.replace(/\./g, '_'));
  return code;
}

/** Header values visible to expressions: every parkey both as written and with `.` -> `_`. */
function expressionNames(header: Header): Record<string, string | boolean> {
  const names: Record<string, string | boolean> = { ...header };
  for (const [key, value] of Object.entries(header)) names[key.replace(/\./g, '_')] = value;
  return names;
}

export type RmapOutcome =
  | { status: 'found'; file: string; trace: TraceStep[] }
  | { status: 'N/A'; reason: string; trace: TraceStep[] }
  | { status: 'omitted'; reason: string; trace: TraceStep[] }
  | { status: 'error'; reason: string; trace: TraceStep[] };

/** crds.jwst `extra_keys`: every JWST rmap also requires these (they reach rmap expressions). */
const JWST_EXTRA_KEYS = ['META.VISIT.TSOVISIT', 'META.INSTRUMENT.LAMP_STATE'];

const NA_VALUES = new Set(['N/A', 'TEMP_N/A', 'n/a', 'temp_n/a']);
const OMIT_VALUES = new Set(['OMIT', 'TEMP_OMIT', 'omit']);

export class ReferenceMapping {
  readonly instrument: string;
  readonly filekind: string;
  /** One list of parameter names per selector level (`parkey`). */
  readonly parkey: string[][];
  readonly selector: Selector;
  private readonly relevance: PyExpr;
  private readonly omit: PyExpr;
  private readonly parkeyRelevance: Map<string, PyExpr>;
  private readonly reffileRequired: string;
  private readonly extraKeys: string[];

  constructor(
    readonly name: string,
    mapping: ParsedMapping,
  ) {
    const header = mapping.header;
    for (const key of ['mapping', 'parkey', 'name', 'derived_from', 'observatory', 'instrument', 'filekind']) {
      if (!header.has(key)) throw new SelectionError(`${name}: Required header key '${key}' is missing.`);
    }
    this.instrument = headerString(header, 'instrument')!;
    this.filekind = headerString(header, 'filekind')!;
    const parkey = header.get('parkey')!;
    const levels = typeof parkey === 'object' && parkey !== null && parkey.kind === 'tuple' ? parkey.items : [];
    this.parkey = levels.map((level) => {
      if (typeof level !== 'object' || level === null || level.kind !== 'tuple') throw new SelectionError(`${name}: parkey must be a tuple of tuples`);
      return level.items.map((p) => pyStr(p));
    });
    const substitutions = new Map<string, Map<string, PyValue>>([
      ['META.SUBARRAY.NAME', new Map([['GENERIC', 'N/A']])],
      ['SUBARRAY', new Map([['GENERIC', 'N/A']])],
    ]);
    const own = header.get('substitutions');
    if (typeof own === 'object' && own !== null && own.kind === 'dict') {
      for (const [parameter, table] of own.entries) {
        if (typeof table !== 'object' || table === null || table.kind !== 'dict') continue;
        substitutions.set(pyStr(parameter), new Map(table.entries.map(([k, v]) => [pyStr(k), v])));
      }
    }
    const merge = header.get('merge_overlaps');
    const mergeOverlaps = merge === undefined ? true : ['TRUE', '1'].includes(pyStr(merge).toUpperCase());
    this.selector = buildSelector(mapping.selector, this.parkey, { substitutions, mergeOverlaps }, name);
    this.reffileRequired = (headerString(header, 'reffile_required') ?? 'NONE').toUpperCase();
    const extra = header.get('extra_keys');
    this.extraKeys = typeof extra === 'object' && extra !== null && (extra.kind === 'tuple' || extra.kind === 'list') ? extra.items.map((k) => pyStr(k)) : [];
    const parkeys = this.requiredParkeys();
    const expression = (source: string) => parseExpression(conditionSource(source, parkeys), `${name} header expression`);
    this.relevance = expression((headerString(header, 'rmap_relevance') ?? 'always').replace(/always/g, 'True'));
    this.omit = expression(headerString(header, 'rmap_omit') ?? 'False');
    this.parkeyRelevance = new Map();
    const relevant = header.get('parkey_relevance');
    if (typeof relevant === 'object' && relevant !== null && relevant.kind === 'dict') {
      for (const [key, source] of relevant.entries) this.parkeyRelevance.set(pyStr(key).toLowerCase(), expression(pyStr(source)));
    }
  }

  /** Every parameter this rmap reads from the dataset header (crds `get_required_parkeys`). */
  requiredParkeys(): string[] {
    return [...this.parkey.flat(), ...this.extraKeys, ...JWST_EXTRA_KEYS];
  }

  /** The best reference for a minimized, conditioned header (values are conditioned strings). */
  bestRef(header: Header): RmapOutcome {
    const trace: TraceStep[] = [];
    const names = expressionNames(header);
    // crds logs a warning and carries on when these expressions cannot be evaluated
    const tryPredicate = (expr: PyExpr): boolean | undefined => {
      try {
        return truthy(evaluate(expr, names));
      } catch (error) {
        if (error instanceof ExpressionError) return undefined;
        throw error;
      }
    };
    if (tryPredicate(this.omit) === true) return { status: 'omitted', reason: 'rmap_omit expression indicates this type should be omitted.', trace };
    if (tryPredicate(this.relevance) === false) {
      return { status: 'N/A', reason: 'Rmap does not apply to the given parameter set based on rmap_relevance expression.', trace };
    }
    const effective: Header = { ...header };
    try {
      const relevanceNames = { ...names, keep_comments: false };
      for (const parkey of this.requiredParkeys()) {
        const expr = this.parkeyRelevance.get(parkey.toLowerCase());
        if (expr && !truthy(evaluate(expr, relevanceNames))) effective[parkey] = 'N/A';
      }
    } catch (error) {
      if (error instanceof ExpressionError) return { status: 'error', reason: `parkey_relevance: ${error.message}`, trace };
      throw error;
    }
    let file: string;
    try {
      file = this.selector.choose(effective, trace);
    } catch (error) {
      if (!(error instanceof LookupFailure || error instanceof SelectionError)) throw error;
      if (this.reffileRequired === 'YES' || this.reffileRequired === 'NONE') return { status: 'error', reason: error.message, trace };
      return { status: 'N/A', reason: `No match found and reference type is not required (${error.message}).`, trace };
    }
    if (NA_VALUES.has(file)) return { status: 'N/A', reason: 'Rules define this type as Not Applicable for these observation parameters.', trace };
    if (OMIT_VALUES.has(file)) return { status: 'omitted', reason: 'Rules define this type to be Omitted for these observation parameters.', trace };
    return { status: 'found', file, trace };
  }
}
