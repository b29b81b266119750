/**
 * Reading ASDF reference files (EMICORR): the YAML tree in the subset the asdf library and our
 * simulator write (block mappings and sequences, flow `[...]`/`{...}` collections, tags,
 * quoted and plain scalars) and `core/ndarray` values, inline (`data: [...]`) or in
 * uncompressed binary blocks (`source: n`). Anything else is reported as a ReferenceFileError.
 */
import { ReferenceFileError } from './subarray.js';

export type AsdfValue = string | number | boolean | null | AsdfValue[] | { [key: string]: AsdfValue } | Float64Array;

interface Line {
  indent: number;
  text: string;
}

const BLOCK_MAGIC = [0xd3, 0x42, 0x4c, 0x4b];

/** Parses an ASDF file; ndarrays come back as Float64Array (their shape flattened). */
export function parseAsdf(bytes: Uint8Array, file: string): { [key: string]: AsdfValue } {
  const fail = (why: string): never => {
    throw new ReferenceFileError(file, `not an ASDF file we can read: ${why}`);
  };
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 5));
  if (head !== '#ASDF') fail('no #ASDF header');
  const text = new TextDecoder('latin1').decode(bytes);
  const end = text.search(/\n\.\.\.\r?\n/);
  const yamlText = end < 0 ? text : text.slice(0, end + 1);
  const blocks = end < 0 ? [] : readBlocks(bytes, text.indexOf('\n', end + 1) + 1, fail);

  const lines: Line[] = [];
  let started = false;
  for (const raw of yamlText.split(/\r?\n/)) {
    if (!started) {
      started = raw.startsWith('---');
      continue;
    }
    const stripped = stripComment(raw);
    if (stripped.trim() === '') continue;
    lines.push({ indent: stripped.length - stripped.trimStart().length, text: stripped.trim() });
  }
  if (!started) fail('no YAML document start (---)');
  let at = 0;

  /** Joins continuation lines until the brackets of a flow collection balance. */
  const flow = (first: string): string => {
    let s = first;
    while (depth(s) > 0 && at < lines.length) s += ' ' + lines[at++].text;
    if (depth(s) !== 0) fail(`unbalanced flow collection "${first.slice(0, 40)}"`);
    return s;
  };

  const block = (indent: number): AsdfValue => {
    if (at >= lines.length) return null;
    const sequence = lines[at].text.startsWith('- ') || lines[at].text === '-';
    if (sequence) {
      const items: AsdfValue[] = [];
      while (at < lines.length && lines[at].indent === indent && (lines[at].text.startsWith('- ') || lines[at].text === '-')) {
        const rest = lines[at++].text.slice(1).trim();
        items.push(rest === '' ? block(lines[at]?.indent ?? indent + 1) : value(rest, indent + 2));
      }
      return items;
    }
    const map: { [key: string]: AsdfValue } = {};
    while (at < lines.length && lines[at].indent === indent) {
      const line = lines[at++].text;
      const colon = keyEnd(line);
      if (colon < 0) fail(`expected "key: value", got "${line.slice(0, 60)}"`);
      const key = unquote(line.slice(0, colon).trim());
      map[key] = value(line.slice(colon + 1).trim(), indent);
    }
    if (at < lines.length && lines[at].indent > indent) fail(`unexpected indentation at "${lines[at].text.slice(0, 60)}"`);
    return map;
  };

  /** The value after "key:" (or "- "): inline, or a nested block on the following lines. */
  const value = (rest: string, indent: number): AsdfValue => {
    let tag: string | undefined;
    if (rest.startsWith('!')) {
      const space = rest.indexOf(' ');
      tag = space < 0 ? rest : rest.slice(0, space);
      rest = space < 0 ? '' : rest.slice(space + 1).trim();
    }
    let result: AsdfValue;
    if (rest === '') {
      const nested = at < lines.length && lines[at].indent > indent ? block(lines[at].indent) : null;
      result = nested;
    } else if (rest.startsWith('[') || rest.startsWith('{')) {
      result = parseFlow(flow(rest), fail);
    } else {
      result = scalar(rest);
    }
    return tag?.includes('ndarray') ? ndarray(result, blocks, fail) : result;
  };

  const root = block(0);
  if (root === null || Array.isArray(root) || typeof root !== 'object' || root instanceof Float64Array) fail('the tree is not a mapping');
  return root as { [key: string]: AsdfValue };
}

function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || line[i - 1] === ' ')) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

function depth(s: string): number {
  let d = 0;
  let quote = '';
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '{') d++;
    else if (c === ']' || c === '}') d--;
  }
  return d;
}

/** Index of the ": " (or final ":") that ends a mapping key, outside quotes. */
function keyEnd(line: string): number {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ':' && (i === line.length - 1 || line[i + 1] === ' ')) return i;
  }
  return -1;
}

function unquote(s: string): string {
  if ((s.startsWith("'") && s.endsWith("'")) || (s.startsWith('"') && s.endsWith('"'))) return s.slice(1, -1);
  return s;
}

function scalar(s: string): AsdfValue {
  if (s.startsWith("'") || s.startsWith('"')) return unquote(s);
  if (s === 'true' || s === 'True') return true;
  if (s === 'false' || s === 'False') return false;
  if (s === 'null' || s === '~') return null;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  if (/^[-+]?\.(inf|Inf)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN)$/.test(s)) return Number.NaN;
  return s;
}

function parseFlow(s: string, fail: (why: string) => never): AsdfValue {
  let i = 0;
  const skip = () => {
    while (i < s.length && s[i] === ' ') i++;
  };
  const item = (): AsdfValue => {
    skip();
    if (s[i] === '[') {
      i++;
      const out: AsdfValue[] = [];
      skip();
      if (s[i] === ']') return i++, out;
      for (;;) {
        out.push(item());
        skip();
        if (s[i] === ',') i++;
        else if (s[i] === ']') return i++, out;
        else fail(`bad flow sequence "${s.slice(0, 60)}"`);
      }
    }
    if (s[i] === '{') {
      i++;
      const out: { [key: string]: AsdfValue } = {};
      skip();
      if (s[i] === '}') return i++, out;
      for (;;) {
        skip();
        const colon = s.indexOf(':', i);
        if (colon < 0) fail(`bad flow mapping "${s.slice(0, 60)}"`);
        const key = unquote(s.slice(i, colon).trim());
        i = colon + 1;
        out[key] = item();
        skip();
        if (s[i] === ',') i++;
        else if (s[i] === '}') return i++, out;
        else fail(`bad flow mapping "${s.slice(0, 60)}"`);
      }
    }
    let j = i;
    if (s[i] === "'" || s[i] === '"') j = s.indexOf(s[i], i + 1) + 1;
    while (j < s.length && s[j] !== ',' && s[j] !== ']' && s[j] !== '}') j++;
    const text = s.slice(i, j).trim();
    i = j;
    return scalar(text);
  };
  const result = item();
  skip();
  if (i !== s.length) fail(`trailing text after a flow collection "${s.slice(i, i + 40)}"`);
  return result;
}

function readBlocks(bytes: Uint8Array, start: number, fail: (why: string) => never): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  let at = start;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (at + 4 <= bytes.length && BLOCK_MAGIC.every((b, k) => bytes[at + k] === b)) {
    const headerSize = view.getUint16(at + 4);
    const header = at + 6;
    const compression = new TextDecoder('latin1').decode(bytes.subarray(header + 4, header + 8)).replace(/\0/g, '');
    if (compression) fail(`compressed block (${compression})`);
    const allocated = Number(view.getBigUint64(header + 8));
    const used = Number(view.getBigUint64(header + 16));
    const data = header + headerSize;
    if (data + used > bytes.length) fail('a binary block runs past the end of the file');
    blocks.push(bytes.subarray(data, data + used));
    at = data + allocated;
  }
  return blocks;
}

const DTYPES: Record<string, [number, (v: DataView, o: number, little: boolean) => number]> = {
  float32: [4, (v, o, l) => v.getFloat32(o, l)],
  float64: [8, (v, o, l) => v.getFloat64(o, l)],
  int32: [4, (v, o, l) => v.getInt32(o, l)],
  int16: [2, (v, o, l) => v.getInt16(o, l)],
  uint16: [2, (v, o, l) => v.getUint16(o, l)],
  uint8: [1, (v, o) => v.getUint8(o)],
};

function ndarray(node: AsdfValue, blocks: Uint8Array[], fail: (why: string) => never): Float64Array {
  if (Array.isArray(node)) return Float64Array.from(node.flat(8) as number[]);
  if (node === null || typeof node !== 'object' || node instanceof Float64Array) return fail('an ndarray is neither a list nor a mapping');
  const map = node as { [key: string]: AsdfValue };
  if (Array.isArray(map.data)) return Float64Array.from((map.data as AsdfValue[]).flat(8) as number[]);
  if (typeof map.source !== 'number') return fail('an ndarray has no inline data and no block number (external sources are not supported)');
  const block = blocks[map.source];
  if (!block) return fail(`an ndarray refers to block ${map.source}, the file has ${blocks.length}`);
  const dtype = DTYPES[String(map.datatype)];
  if (!dtype) return fail(`ndarray datatype ${JSON.stringify(map.datatype)} is not supported`);
  const [size, get] = dtype;
  const shape = (map.shape as number[] | undefined) ?? [block.length / size];
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = typeof map.offset === 'number' ? map.offset : 0;
  if (offset + count * size > block.length) return fail('an ndarray is larger than its block');
  const view = new DataView(block.buffer, block.byteOffset + offset, count * size);
  const little = map.byteorder !== 'big';
  return Float64Array.from({ length: count }, (_, k) => get(view, k * size, little));
}
