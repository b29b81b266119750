/**
 * jwst 3.0's persistence array file (`persistence_array_file` in, `save_persistence` out): an ASDF
 * file whose tree holds, per detector name, `filename`, `rows`, `cols` (int64), `vals` (float64
 * window ends, Unix seconds) and `pers_time`. This reads the files jwst (the `asdf` package)
 * writes, with arrays in binary blocks or inline, and writes files jwst reads. Bytes in, bytes
 * out: the caller does the file I/O (Node or browser).
 */
import { asdfDocumentText } from './asdf.js';
import { packageVersion } from '../version.js';

/** One detector's entry: the non-zero window ends at `rows[k], cols[k]`, made with `persTime`. */
export interface PersistenceArrayEntry {
  /** Name of the exposure the windows come from (jwst writes `meta.filename`). */
  filename?: string;
  rows: ArrayLike<number>;
  cols: ArrayLike<number>;
  vals: ArrayLike<number>;
  persTime: number;
}

export class PersistenceArrayFileError extends Error {
  override name = 'PersistenceArrayFileError';
}

const BLOCK_MAGIC = [0xd3, 0x42, 0x4c, 0x4b]; // "\xd3BLK"
const ARRAY_KEYS = ['rows', 'cols', 'vals'] as const;
const DTYPES = { rows: 'int64', cols: 'int64', vals: 'float64' } as const;

interface NdarrayRef {
  source?: number;
  data?: number[];
  datatype?: string;
  byteorder?: string;
  shape?: number[];
  /** Views share a block: `np.nonzero`'s rows and cols are strided views of one (n, 2) array. */
  offset?: number;
  strides?: number[];
}

/** Plain YAML scalars as the `asdf` package writes them: numbers, quoted or plain strings. */
function scalar(text: string): string | number {
  const t = text.trim();
  if (t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replaceAll("''", "'");
  if (t.startsWith('"') && t.endsWith('"')) return JSON.parse(t) as string;
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
}

function flowList(text: string, what: string): number[] {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) throw new PersistenceArrayFileError(`${what}: expected a [..] list, got ${t}`);
  const inner = t.slice(1, -1).trim();
  return inner === '' ? [] : inner.split(',').map((v) => Number(v.trim()));
}

/** The blocks after the YAML document, in order: each block's used bytes. */
function readBlocks(bytes: Uint8Array, from: number): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks: Uint8Array[] = [];
  let at = from;
  const isMagic = (i: number) => BLOCK_MAGIC.every((b, k) => bytes[i + k] === b);
  while (at + 4 <= bytes.length && !isMagic(at)) at++;
  while (at + 6 <= bytes.length && isMagic(at)) {
    const headerSize = view.getUint16(at + 4);
    const header = at + 6;
    const flags = view.getUint32(header);
    const compression = bytes.subarray(header + 4, header + 8);
    if (flags !== 0 || compression.some((b) => b !== 0)) {
      throw new PersistenceArrayFileError('compressed or streamed ASDF blocks are not supported');
    }
    const allocated = Number(view.getBigUint64(header + 8));
    const used = Number(view.getBigUint64(header + 16));
    const start = header + headerSize;
    blocks.push(bytes.subarray(start, start + used));
    at = start + allocated;
  }
  return blocks;
}

function arrayValues(ref: NdarrayRef, blocks: Uint8Array[], what: string): number[] {
  if (ref.data) return ref.data;
  const block = ref.source === undefined ? undefined : blocks[ref.source];
  if (!block) throw new PersistenceArrayFileError(`${what}: no block ${ref.source}`);
  const n = ref.shape?.[0] ?? 0;
  const offset = ref.offset ?? 0;
  const stride = ref.strides?.[0] ?? 8;
  const end = n === 0 ? 0 : offset + (n - 1) * stride + 8;
  if (ref.shape?.length !== 1 || !(ref.datatype === 'int64' || ref.datatype === 'float64') || stride < 8 || block.length < end) {
    throw new PersistenceArrayFileError(`${what}: expected a 1-D int64 or float64 array, got ${ref.datatype} ${JSON.stringify(ref.shape)} strides ${JSON.stringify(ref.strides)}`);
  }
  const view = new DataView(block.buffer, block.byteOffset, block.length);
  const little = ref.byteorder !== 'big';
  return Array.from({ length: n }, (_, k) =>
    ref.datatype === 'int64' ? Number(view.getBigInt64(offset + stride * k, little)) : view.getFloat64(offset + stride * k, little),
  );
}

/** Reads every detector's entry of a persistence array file (other top-level keys are ignored). */
export function decodePersistenceArrayFile(bytes: Uint8Array): Record<string, PersistenceArrayEntry> {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 64)));
  if (!head.startsWith('#ASDF ')) throw new PersistenceArrayFileError('not an ASDF file');
  // The YAML tree ends at the first "..." line; blocks follow.
  const text = new TextDecoder('latin1').decode(bytes);
  const endMatch = /\n\.\.\.\r?\n/.exec(text);
  if (!endMatch) throw new PersistenceArrayFileError('the ASDF tree has no end marker');
  const yamlLines = text.slice(0, endMatch.index).split(/\r?\n/);
  const blocks = readBlocks(bytes, endMatch.index + endMatch[0].length);

  // Top-level keys whose value is a block mapping holding rows/cols/vals/pers_time are detectors.
  const trees: Record<string, Record<string, string | number | NdarrayRef>> = {};
  let detector: string | undefined;
  let array: NdarrayRef | undefined;
  for (const line of yamlLines.slice(yamlLines.findIndex((l) => l.startsWith('---')) + 1)) {
    const indent = line.length - line.trimStart().length;
    const match = /^\s*([A-Za-z0-9_]+):\s*(.*)$/.exec(line);
    if (indent === 0) {
      detector = match && match[2] === '' ? match[1] : undefined;
      if (detector) trees[detector] = {};
      array = undefined;
      continue;
    }
    if (!detector || !match) continue;
    const [, key, value] = match;
    if (indent === 2) {
      array = value.startsWith('!core/ndarray-') ? {} : undefined;
      trees[detector][key] = array ?? scalar(value);
    } else if (array && indent === 4) {
      if (key === 'shape' || key === 'data' || key === 'strides') array[key] = flowList(value, `${detector}.${key}`);
      else if (key === 'source' || key === 'offset') array[key] = Number(value);
      else if (key === 'datatype' || key === 'byteorder') array[key] = String(scalar(value));
    }
  }

  const entries: Record<string, PersistenceArrayEntry> = {};
  for (const [name, tree] of Object.entries(trees)) {
    if (!ARRAY_KEYS.every((key) => typeof tree[key] === 'object') || typeof tree.pers_time !== 'number') continue;
    const [rows, cols, vals] = ARRAY_KEYS.map((key) => arrayValues(tree[key] as NdarrayRef, blocks, `${name}.${key}`));
    const filename = tree.filename === undefined ? undefined : String(tree.filename);
    entries[name] = { ...(filename === undefined ? {} : { filename }), rows, cols, vals, persTime: tree.pers_time };
  }
  return entries;
}

/** YAML single-quoted string. */
const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * An ASDF file with `entries` (detector name -> entry), arrays in binary blocks (int64 rows and
 * cols, float64 vals, little-endian, no checksum), which the `asdf` package and jwst read.
 */
export function encodePersistenceArrayFile(entries: Record<string, PersistenceArrayEntry>): Uint8Array {
  const body: string[] = [];
  const blocks: Uint8Array[] = [];
  for (const [detector, entry] of Object.entries(entries)) {
    if (!/^[A-Za-z0-9_]+$/.test(detector)) throw new PersistenceArrayFileError(`detector name ${JSON.stringify(detector)} is not a plain word`);
    const n = entry.rows.length;
    if (entry.cols.length !== n || entry.vals.length !== n) throw new PersistenceArrayFileError(`${detector}: rows, cols and vals differ in length`);
    body.push(`${detector}:`);
    if (entry.filename !== undefined) body.push(`  filename: ${quoted(entry.filename)}`);
    for (const key of ARRAY_KEYS) {
      const data = new Uint8Array(8 * n);
      const view = new DataView(data.buffer);
      for (let k = 0; k < n; k++) {
        if (key === 'vals') view.setFloat64(8 * k, entry.vals[k], true);
        else view.setBigInt64(8 * k, BigInt(entry[key][k]), true);
      }
      body.push(`  ${key}: !core/ndarray-1.0.0`, `    source: ${blocks.length}`, `    datatype: ${DTYPES[key]}`, '    byteorder: little', `    shape: [${n}]`);
      blocks.push(data);
    }
    body.push(`  pers_time: ${entry.persTime}`);
  }
  const tree = new TextEncoder().encode(asdfDocumentText({ name: 'jwst-detector1', version: packageVersion }, body));
  const headerSize = 48;
  const total = tree.length + blocks.reduce((sum, b) => sum + 6 + headerSize + b.length, 0);
  const out = new Uint8Array(total);
  out.set(tree);
  let at = tree.length;
  const view = new DataView(out.buffer);
  for (const block of blocks) {
    out.set(BLOCK_MAGIC, at);
    view.setUint16(at + 4, headerSize);
    // flags 0, no compression, allocated = used = data size, checksum 0 (none).
    for (const offset of [8, 16, 24]) view.setBigUint64(at + 6 + offset, BigInt(block.length));
    out.set(block, at + 6 + headerSize);
    at += 6 + headerSize + block.length;
  }
  return out;
}

/**
 * What jwst's `save_persistence` does to the file: `entry` replaces (or adds) `detector`'s entry,
 * the other detectors of the existing file (if any) are kept.
 */
export function updatePersistenceArrayFile(existing: Uint8Array | undefined, detector: string, entry: PersistenceArrayEntry): Uint8Array {
  return encodePersistenceArrayFile({ ...(existing ? decodePersistenceArrayFile(existing) : {}), [detector]: entry });
}
