/**
 * A restricted reader of CRDS mapping files (.pmap/.imap/.rmap: spec/reference_files.md §5.2) and of
 * the small Python expressions in rmap headers (`rmap_relevance`, `parkey_relevance`). Nothing is
 * ever evaluated as code: the text is tokenized and parsed into plain values, and only the
 * declarative forms crds' mapping verifier admits are accepted (literals, tuples, lists, dicts,
 * calls of selector names, comparisons and boolean operators in expressions).
 */

/** A Python number keeps whether it was an int, because crds conditions `str(value)` (`4` -> `4.0`, `4.5` stays). */
export interface PyNumber {
  kind: 'number';
  value: number;
  isInt: boolean;
}
export interface PyTuple {
  kind: 'tuple';
  items: PyValue[];
}
export interface PyList {
  kind: 'list';
  items: PyValue[];
}
/** Dict entries in source order; keys may be tuples (rmap Match keys), so a JS object cannot hold them. */
export interface PyDict {
  kind: 'dict';
  entries: [PyValue, PyValue][];
}
/** A selector call such as `Match({...})` or `UseAfter({...})`. */
export interface PyCall {
  kind: 'call';
  name: string;
  args: PyValue[];
}
export type PyValue = string | boolean | null | PyNumber | PyTuple | PyList | PyDict | PyCall;

/** Expression trees of rmap header predicates. */
export type PyExpr =
  | { kind: 'literal'; value: PyValue }
  | { kind: 'name'; name: string }
  | { kind: 'sequence'; items: PyExpr[] }
  | { kind: 'not'; operand: PyExpr }
  | { kind: 'bool'; op: 'and' | 'or'; operands: PyExpr[] }
  | { kind: 'compare'; left: PyExpr; ops: CompareOp[]; rights: PyExpr[] };
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

export class MappingSyntaxError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'MappingSyntaxError';
  }
}

type Token =
  | { type: 'string'; value: string; pos: number }
  | { type: 'number'; value: PyNumber; pos: number }
  | { type: 'name'; value: string; pos: number }
  | { type: 'op'; value: string; pos: number }
  | { type: 'newline'; pos: number }
  | { type: 'end'; pos: number };

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '=', '-', '+'];

function decodeEscapes(body: string, raw: boolean, fail: (message: string) => never): string {
  if (raw) return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[0-7]{1,3}|\n|.)/g, (_, esc: string) => {
    switch (esc[0]) {
      case '\n':
        return '';
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '\\':
        return '\\';
      case "'":
        return "'";
      case '"':
        return '"';
      case 'x':
      case 'u':
        return String.fromCharCode(parseInt(esc.slice(1), 16));
      default:
        if (/^[0-7]/.test(esc)) return String.fromCharCode(parseInt(esc, 8));
        return fail(`unsupported escape \\${esc}`);
    }
  });
}

function tokenize(text: string, where: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0; // newlines inside brackets do not end a statement, as in Python
  let i = 0;
  const lineOf = (pos: number) => text.slice(0, pos).split('\n').length;
  const fail = (message: string, pos = i): never => {
    throw new MappingSyntaxError(where, `line ${lineOf(pos)}: ${message}`);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      if (depth === 0) tokens.push({ type: 'newline', pos: i });
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      const word = m[0];
      const quote = text[i + word.length];
      if ((quote === "'" || quote === '"') && /^[rRuU]$/.test(word)) {
        i += word.length;
        tokens.push(readString(word.toLowerCase() === 'r'));
      } else {
        tokens.push({ type: 'name', value: word, pos: i });
        i += word.length;
      }
    } else if (c === "'" || c === '"') {
      tokens.push(readString(false));
    } else if (/[0-9.]/.test(c) && /^\.?[0-9]/.test(text.slice(i, i + 2))) {
      const m = /^(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?/.exec(text.slice(i))!;
      const literal = m[0].replace(/_/g, '');
      const isInt = /^[0-9]+$/.test(literal);
      if (isInt && literal.length > 1 && literal[0] === '0' && /[1-9]/.test(literal)) fail(`invalid integer literal ${m[0]}`);
      tokens.push({ type: 'number', value: { kind: 'number', value: Number(literal), isInt }, pos: i });
      i += m[0].length;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (!op) fail(`unexpected character ${JSON.stringify(c)}`);
      if (op === '(' || op === '[' || op === '{') depth++;
      if (op === ')' || op === ']' || op === '}') depth = Math.max(0, depth - 1);
      tokens.push({ type: 'op', value: op!, pos: i });
      i += op!.length;
    }
  }
  tokens.push({ type: 'end', pos: text.length });
  return tokens;

  function readString(raw: boolean): Token {
    const start = i;
    const quote = text[i];
    const triple = text.startsWith(quote.repeat(3), i);
    const delimiter = triple ? quote.repeat(3) : quote;
    i += delimiter.length;
    let body = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      if (text[i] === '\\') {
        body += text.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (text.startsWith(delimiter, i)) break;
      if (!triple && text[i] === '\n') fail('newline in string', start);
      body += text[i++];
    }
    i += delimiter.length;
    return { type: 'string', value: decodeEscapes(body, raw, (m) => fail(m, start)), pos: start };
  }
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly where: string,
    private readonly text: string,
  ) {}

  private get token(): Token {
    return this.tokens[this.at];
  }
  private fail(message: string): never {
    const line = this.text.slice(0, this.token.pos).split('\n').length;
    throw new MappingSyntaxError(this.where, `line ${line}: ${message}`);
  }
  private isOp(value: string): boolean {
    return this.token.type === 'op' && this.token.value === value;
  }
  private isName(value: string): boolean {
    return this.token.type === 'name' && this.token.value === value;
  }
  private expectOp(value: string): void {
    if (!this.isOp(value)) this.fail(`expected '${value}'`);
    this.at++;
  }
  private skipNewlines(): void {
    while (this.token.type === 'newline') this.at++;
  }

  /** `name = value` statements; `allowedCalls` are the selector names a value may call. */
  statements(allowedCalls: ReadonlySet<string>): Map<string, PyValue> {
    const result = new Map<string, PyValue>();
    this.skipNewlines();
    while (this.token.type !== 'end') {
      if (this.token.type !== 'name') this.fail('expected an assignment');
      const name = this.token.value;
      this.at++;
      this.expectOp('=');
      result.set(name, this.value(allowedCalls));
      const after: Token = this.tokens[this.at];
      if (after.type !== 'newline' && after.type !== 'end') this.fail('expected end of line');
      this.skipNewlines();
    }
    return result;
  }

  value(allowedCalls: ReadonlySet<string>): PyValue {
    const token = this.token;
    if (token.type === 'string') {
      let text = '';
      while (this.token.type === 'string') text += (this.tokens[this.at++] as { value: string }).value; // 'a' 'b' concatenates
      return text;
    }
    if (token.type === 'number') {
      this.at++;
      return token.value;
    }
    if (token.type === 'op' && (token.value === '-' || token.value === '+')) {
      this.at++;
      const operand = this.value(allowedCalls);
      if (typeof operand !== 'object' || operand === null || operand.kind !== 'number') this.fail(`'${token.value}' before a non-number`);
      return token.value === '-' ? { ...operand, value: -operand.value } : operand;
    }
    if (token.type === 'name') {
      this.at++;
      if (token.value === 'True') return true;
      if (token.value === 'False') return false;
      if (token.value === 'None') return null;
      if (!allowedCalls.has(token.value) || !this.isOp('(')) this.fail(`name ${token.value} is not allowed here`);
      this.expectOp('(');
      const args: PyValue[] = [];
      while (!this.isOp(')')) {
        args.push(this.value(allowedCalls));
        if (!this.isOp(')')) this.expectOp(',');
      }
      this.at++;
      return { kind: 'call', name: token.value, args };
    }
    if (this.isOp('(')) {
      this.at++;
      const items: PyValue[] = [];
      let sawComma = false;
      while (!this.isOp(')')) {
        items.push(this.value(allowedCalls));
        if (this.isOp(',')) {
          sawComma = true;
          this.at++;
        } else if (!this.isOp(')')) this.fail("expected ',' or ')'");
      }
      this.at++;
      return items.length === 1 && !sawComma ? items[0] : { kind: 'tuple', items };
    }
    if (this.isOp('[')) {
      this.at++;
      const items: PyValue[] = [];
      while (!this.isOp(']')) {
        items.push(this.value(allowedCalls));
        if (!this.isOp(']')) this.expectOp(',');
      }
      this.at++;
      return { kind: 'list', items };
    }
    if (this.isOp('{')) {
      this.at++;
      const entries: [PyValue, PyValue][] = [];
      while (!this.isOp('}')) {
        const key = this.value(allowedCalls);
        this.expectOp(':');
        const value = this.value(allowedCalls);
        // Python keeps the last of duplicate keys
        const existing = entries.findIndex(([k]) => pyEquals(k, key));
        if (existing >= 0) entries.splice(existing, 1);
        entries.push([key, value]);
        if (!this.isOp('}')) this.expectOp(',');
      }
      this.at++;
      return { kind: 'dict', entries };
    }
    return this.fail('expected a literal');
  }

  expression(): PyExpr {
    const expr = this.orExpr();
    if (this.token.type !== 'end') this.fail('unexpected text after the expression');
    return expr;
  }
  private orExpr(): PyExpr {
    const operands = [this.andExpr()];
    while (this.isName('or')) {
      this.at++;
      operands.push(this.andExpr());
    }
    return operands.length === 1 ? operands[0] : { kind: 'bool', op: 'or', operands };
  }
  private andExpr(): PyExpr {
    const operands = [this.notExpr()];
    while (this.isName('and')) {
      this.at++;
      operands.push(this.notExpr());
    }
    return operands.length === 1 ? operands[0] : { kind: 'bool', op: 'and', operands };
  }
  private notExpr(): PyExpr {
    if (this.isName('not')) {
      this.at++;
      return { kind: 'not', operand: this.notExpr() };
    }
    return this.comparison();
  }
  private comparison(): PyExpr {
    const left = this.atom();
    const ops: CompareOp[] = [];
    const rights: PyExpr[] = [];
    for (;;) {
      let op: CompareOp | undefined;
      if (this.token.type === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(this.token.value)) op = this.token.value as CompareOp;
      else if (this.isName('in')) op = 'in';
      else if (this.isName('not') && this.tokens[this.at + 1].type === 'name' && (this.tokens[this.at + 1] as { value: string }).value === 'in') {
        op = 'not in';
        this.at++;
      }
      if (!op) break;
      this.at++;
      ops.push(op);
      rights.push(this.atom());
    }
    return ops.length === 0 ? left : { kind: 'compare', left, ops, rights };
  }
  private atom(): PyExpr {
    const token = this.token;
    if (token.type === 'name' && !['True', 'False', 'None'].includes(token.value)) {
      this.at++;
      return { kind: 'name', name: token.value };
    }
    if (this.isOp('(') || this.isOp('[')) {
      const close = this.isOp('(') ? ')' : ']';
      this.at++;
      const items: PyExpr[] = [];
      let sawComma = false;
      while (!this.isOp(close)) {
        items.push(this.orExpr());
        if (this.isOp(',')) {
          sawComma = true;
          this.at++;
        } else if (!this.isOp(close)) this.fail(`expected ',' or '${close}'`);
      }
      this.at++;
      return close === ')' && items.length === 1 && !sawComma ? items[0] : { kind: 'sequence', items };
    }
    return { kind: 'literal', value: this.value(new Set()) };
  }
}

/** Python equality of two literals (tuple keys compare element-wise, 1 == 1.0). */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  if (a.kind === 'number' && b.kind === 'number') return a.value === b.value;
  if ((a.kind === 'tuple' && b.kind === 'tuple') || (a.kind === 'list' && b.kind === 'list')) {
    return a.items.length === b.items.length && a.items.every((item, k) => pyEquals(item, b.items[k]));
  }
  return false;
}

/** The selector names crds defines for rmaps (only some are implemented by the selection code). */
export const SELECTOR_NAMES: ReadonlySet<string> = new Set(['Match', 'UseAfter', 'VersionAfter', 'SelectVersion', 'ClosestTime', 'GeometricallyNearest', 'Bracket']);

export interface ParsedMapping {
  /** Header entries by lower-case key (crds reads mapping headers case-insensitively). */
  header: Map<string, PyValue>;
  selector: PyValue;
  comment?: string;
}

/** Parses the text of a .pmap, .imap or .rmap: assignments to `header`, `selector` and optionally `comment`. */
export function parseMapping(text: string, where: string): ParsedMapping {
  const statements = new Parser(tokenize(text, where), where, text).statements(SELECTOR_NAMES);
  for (const name of statements.keys()) {
    if (!['header', 'selector', 'comment'].includes(name)) throw new MappingSyntaxError(where, `assignment to '${name}' is not allowed`);
  }
  const header = statements.get('header');
  const selector = statements.get('selector');
  if (typeof header !== 'object' || header === null || header.kind !== 'dict') throw new MappingSyntaxError(where, "'header' must be a dict");
  if (selector === undefined) throw new MappingSyntaxError(where, "no 'selector'");
  const headerMap = new Map<string, PyValue>();
  for (const [key, value] of header.entries) {
    if (typeof key !== 'string') throw new MappingSyntaxError(where, 'header keys must be strings');
    headerMap.set(key.toLowerCase(), value);
  }
  const comment = statements.get('comment');
  return { header: headerMap, selector, comment: typeof comment === 'string' ? comment : undefined };
}

/** Parses a Python-literal text such as the `server_config` dict. */
export function parseLiteral(text: string, where: string): PyValue {
  const parser = new Parser(
    tokenize(text, where).filter((t) => t.type !== 'newline'),
    where,
    text,
  );
  return parser.value(new Set());
}

/** Parses an rmap header predicate such as `(META.EXPOSURE.TYPE not in ("NRC_IMAGE",))`. */
export function parseExpression(source: string, where: string): PyExpr {
  const tokens = tokenize(source, where).filter((t) => t.type !== 'newline');
  return new Parser(tokens, where, source).expression();
}

/** Python `repr` of a literal, for explanations and error messages. */
export function pyRepr(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  switch (value.kind) {
    case 'number':
      return pyStr(value);
    case 'tuple':
      return value.items.length === 1 ? `(${pyRepr(value.items[0])},)` : `(${value.items.map(pyRepr).join(', ')})`;
    case 'list':
      return `[${value.items.map(pyRepr).join(', ')}]`;
    case 'dict':
      return `{${value.entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
    case 'call':
      return `${value.name}(${value.args.map(pyRepr).join(', ')})`;
  }
}

/** Python `str()` of a literal scalar (`str(4)` is `4`, `str(4.0)` is `4.0`, `str(True)` is `True`). */
export function pyStr(value: PyValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && value.kind === 'number') {
    return value.isInt ? BigInt(value.value).toString() : pyFloatRepr(value.value);
  }
  return pyRepr(value);
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const frac = digits.slice(1);
    const exp = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    return `${sign}${digits[0]}${frac ? `.${frac}` : ''}e${exp}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fracPart = digits.slice(exponent + 1);
  return `${sign}${intPart}.${fracPart || '0'}`;
}
