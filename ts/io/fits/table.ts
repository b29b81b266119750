import { FitsError } from './errors.js';
import type { Card, Header } from './header.js';
import { convertToFloat, decodeInPlace, encodePixels, inPlaceLayout, storageFor, type PixelArray } from './pixels.js';

/** Numeric columns with repeat > 1 are flat, row-major (nrows * repeat); 'A' columns hold one string per row. */
export type ColumnData =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | string[]
  | boolean[];

export interface TableColumn {
  name: string;
  /** TFORM as written, e.g. '1J', '20A', '123B'. */
  format: string;
  unit?: string;
  data: ColumnData;
  /** The TFORM type letter: L X B I J K A E D C M (binary) or A I F E D (ASCII tables). */
  type: string;
  /** Elements per row (characters for 'A', bits for 'X'). */
  repeat: number;
}

export interface FitsTable {
  nrows: number;
  columns: TableColumn[];
  /** Case-insensitive lookup; throws FitsError when absent. */
  column(name: string): TableColumn;
}

export interface TableColumnSpec {
  name: string;
  format: string;
  unit?: string;
  data: ColumnData;
}

interface ColumnFormat {
  repeat: number;
  type: string;
  /** Bytes per row. */
  width: number;
}

const ELEMENT_BYTES: Record<string, number> = { L: 1, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16, P: 8, Q: 16 };
const BITPIX_OF: Record<string, number> = { B: 8, I: 16, J: 32, K: 64, E: -32, D: -64, C: -32, M: -64 };

/** Parses a binary-table TFORM such as '1J', '20A', 'E', '1PB(10)'; undefined when malformed. */
export function parseBinaryFormat(format: string): ColumnFormat | undefined {
  const match = /^\s*(\d*)([LXBIJKAEDCMPQ])/i.exec(format);
  if (!match) return undefined;
  const repeat = match[1] === '' ? 1 : Number(match[1]);
  const type = match[2].toUpperCase();
  const width = type === 'X' ? Math.ceil(repeat / 8) : type === 'P' || type === 'Q' ? ELEMENT_BYTES[type] * Math.min(repeat, 1) : repeat * ELEMENT_BYTES[type];
  return { repeat, type, width };
}

class Table implements FitsTable {
  constructor(
    readonly nrows: number,
    readonly columns: TableColumn[],
    private readonly label: string,
    private readonly fileName: string,
  ) {}

  column(name: string): TableColumn {
    const wanted = name.toUpperCase();
    const found = this.columns.find((column) => column.name.toUpperCase() === wanted);
    if (!found) {
      const names = this.columns.map((column) => column.name).join(', ');
      throw new FitsError(this.fileName, `${this.label}: no column ${name} (columns: ${names})`);
    }
    return found;
  }
}

function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let start = 0; start < bytes.length; start += 8192) {
    text += String.fromCharCode(...bytes.subarray(start, start + 8192));
  }
  return text;
}

/** A fixed-width text field: ends at the first NUL, trailing spaces dropped. */
function fieldText(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return latin1(nul < 0 ? bytes : bytes.subarray(0, nul)).trimEnd();
}

interface ColumnKeywords {
  name: string;
  format: string;
  unit?: string;
  zero: number;
  scale: number;
  nullValue: number | undefined;
}

function columnKeywords(header: Header, n: number, fileName: string, label: string): ColumnKeywords {
  const format = header.getString(`TFORM${n}`)?.trim();
  if (!format) throw new FitsError(fileName, `${label}: column ${n} has no TFORM${n}`);
  const unit = header.getString(`TUNIT${n}`)?.trim();
  const keywords: ColumnKeywords = {
    name: header.getString(`TTYPE${n}`)?.trim() ?? `col${n}`,
    format,
    zero: header.getNumber(`TZERO${n}`) ?? 0,
    scale: header.getNumber(`TSCAL${n}`) ?? 1,
    nullValue: header.getNumber(`TNULL${n}`),
  };
  if (unit) keywords.unit = unit;
  return keywords;
}

/** Decodes a BINTABLE's main data (NAXIS1 * NAXIS2 bytes; the heap is not read). */
export function decodeBinaryTable(bytes: Uint8Array, header: Header, fileName: string, label: string): FitsTable {
  const rowBytes = header.getInt('NAXIS1') ?? 0;
  const nrows = header.getInt('NAXIS2') ?? 0;
  const fieldCount = header.getInt('TFIELDS') ?? 0;
  const columns: TableColumn[] = [];
  let offset = 0;
  for (let n = 1; n <= fieldCount; n++) {
    const keywords = columnKeywords(header, n, fileName, label);
    const format = parseBinaryFormat(keywords.format);
    if (!format) throw new FitsError(fileName, `${label}: column ${keywords.name} has an invalid TFORM${n} '${keywords.format}'`);
    if (format.type === 'P' || format.type === 'Q') {
      throw new FitsError(fileName, `${label}: column ${keywords.name} is a variable-length array (TFORM ${keywords.format}), which is not supported`);
    }
    if (offset + format.width > rowBytes) {
      throw new FitsError(fileName, `${label}: columns need more than the ${rowBytes} bytes per row that NAXIS1 gives`);
    }
    const column: TableColumn = {
      name: keywords.name,
      format: keywords.format,
      data: decodeColumn(bytes, rowBytes, nrows, offset, format, keywords),
      type: format.type,
      repeat: format.repeat,
    };
    if (keywords.unit !== undefined) column.unit = keywords.unit;
    columns.push(column);
    offset += format.width;
  }
  return new Table(nrows, columns, label, fileName);
}

function gather(bytes: Uint8Array, rowBytes: number, nrows: number, offset: number, width: number): Uint8Array {
  const gathered = new Uint8Array(nrows * width);
  for (let row = 0; row < nrows; row++) {
    const start = row * rowBytes + offset;
    gathered.set(bytes.subarray(start, start + width), row * width);
  }
  return gathered;
}

function decodeColumn(bytes: Uint8Array, rowBytes: number, nrows: number, offset: number, format: ColumnFormat, keywords: ColumnKeywords): ColumnData {
  const { type, repeat, width } = format;
  if (type === 'A') {
    const strings: string[] = [];
    for (let row = 0; row < nrows; row++) {
      const start = row * rowBytes + offset;
      strings.push(fieldText(bytes.subarray(start, start + width)));
    }
    return strings;
  }
  const gathered = gather(bytes, rowBytes, nrows, offset, width);
  if (type === 'L') return Array.from(gathered, (byte) => byte === 0x54); // 'T'
  if (type === 'X') return gathered;
  const bitpix = BITPIX_OF[type];
  const scaling = { bzero: keywords.zero, bscale: keywords.scale, blank: bitpix > 0 ? keywords.nullValue : undefined };
  const layout = inPlaceLayout(bitpix, scaling, true);
  if (layout) return decodeInPlace(gathered, bitpix, layout);
  // Scaled columns (other than the unsigned conventions) become float64 physical values.
  const physical = new Float64Array(nrows * repeat * (type === 'C' || type === 'M' ? 2 : 1));
  convertToFloat(gathered, bitpix, scaling, physical, 0);
  return physical;
}

/** Decodes an ASCII TABLE: 'A' columns as strings, numeric ones as float64 (blank fields NaN). */
export function decodeAsciiTable(bytes: Uint8Array, header: Header, fileName: string, label: string): FitsTable {
  const rowBytes = header.getInt('NAXIS1') ?? 0;
  const nrows = header.getInt('NAXIS2') ?? 0;
  const fieldCount = header.getInt('TFIELDS') ?? 0;
  const columns: TableColumn[] = [];
  for (let n = 1; n <= fieldCount; n++) {
    const keywords = columnKeywords(header, n, fileName, label);
    const match = /^\s*([AIFED])(\d+)/i.exec(keywords.format);
    const start = (header.getInt(`TBCOL${n}`) ?? 0) - 1;
    if (!match || start < 0) throw new FitsError(fileName, `${label}: column ${keywords.name} has an invalid TFORM${n} or TBCOL${n}`);
    const type = match[1].toUpperCase();
    const width = Number(match[2]);
    const texts: string[] = [];
    for (let row = 0; row < nrows; row++) {
      const at = row * rowBytes + start;
      texts.push(latin1(bytes.subarray(at, at + width)));
    }
    const data: ColumnData =
      type === 'A'
        ? texts.map((text) => text.trimEnd())
        : Float64Array.from(texts, (text) => {
            const trimmed = text.trim();
            return trimmed === '' ? NaN : Number(trimmed.replace(/[Dd]/, 'E')) * keywords.scale + keywords.zero;
          });
    const column: TableColumn = { name: keywords.name, format: keywords.format, data, type, repeat: width };
    if (keywords.unit !== undefined) column.unit = keywords.unit;
    columns.push(column);
  }
  return new Table(nrows, columns, label, fileName);
}

// ---- writing ----

const TYPED_FOR: Record<string, ReadonlyArray<new (length: number) => PixelArray>> = {
  B: [Uint8Array, Int8Array],
  I: [Int16Array, Uint16Array],
  J: [Int32Array, Uint32Array],
  K: [BigInt64Array, BigUint64Array],
  E: [Float32Array],
  D: [Float64Array],
  C: [Float32Array],
  M: [Float64Array],
  X: [Uint8Array],
};

/** The BINTABLE's column cards (TFIELDS, TTYPEn, TFORMn, TUNITn, TZEROn), row size and unpadded data. */
export function encodeBinaryTable(columns: TableColumnSpec[], nrows: number): { cards: Card[]; rowBytes: number; data: Uint8Array } {
  const formats = columns.map((column) => {
    const format = parseBinaryFormat(column.format);
    if (!format || format.type === 'P' || format.type === 'Q') {
      throw new TypeError(`column ${column.name}: TFORM '${column.format}' cannot be written (supported: L X B I J K A E D C M)`);
    }
    return format;
  });
  const rowBytes = formats.reduce((sum, format) => sum + format.width, 0);
  const data = new Uint8Array(rowBytes * nrows);
  const cards: Card[] = [{ key: 'TFIELDS', value: columns.length, comment: 'number of table fields' }];
  let offset = 0;
  columns.forEach((column, i) => {
    const format = formats[i];
    const n = i + 1;
    cards.push({ key: `TTYPE${n}`, value: column.name }, { key: `TFORM${n}`, value: column.format });
    const zero = writeColumn(column, format, nrows, data, rowBytes, offset);
    if (zero !== 0) cards.push({ key: `TZERO${n}`, value: zero });
    if (column.unit !== undefined) cards.push({ key: `TUNIT${n}`, value: column.unit });
    offset += format.width;
  });
  return { cards, rowBytes, data };
}

/** Scatters one column into the rows; returns the TZERO the data type needs (0 for none). */
function writeColumn(column: TableColumnSpec, format: ColumnFormat, nrows: number, data: Uint8Array, rowBytes: number, offset: number): number | bigint {
  const { type, repeat, width } = format;
  const fail = (expected: string): never => {
    throw new TypeError(`column ${column.name} (TFORM ${column.format}, ${nrows} rows): data must be ${expected}`);
  };
  const values = column.data;
  let packed: Uint8Array;
  let zero: number | bigint = 0;
  if (type === 'A') {
    if (!Array.isArray(values) || values.length !== nrows || values.some((v) => typeof v !== 'string' || v.length > repeat || !/^[\x00-\x7f]*$/.test(v))) {
      fail(`${nrows} ASCII strings of at most ${repeat} characters`);
    }
    packed = new Uint8Array(nrows * width); // NUL padding, as astropy writes
    (values as string[]).forEach((text, row) => {
      for (let k = 0; k < text.length; k++) packed[row * width + k] = text.charCodeAt(k);
    });
  } else if (type === 'L') {
    if (!Array.isArray(values) || values.length !== nrows * repeat || values.some((v) => typeof v !== 'boolean')) fail(`${nrows * repeat} booleans`);
    packed = Uint8Array.from(values as boolean[], (flag) => (flag ? 0x54 : 0x46));
  } else {
    const typed = values as PixelArray;
    const elements = type === 'X' ? width : type === 'C' || type === 'M' ? 2 * repeat : repeat;
    if (!TYPED_FOR[type].some((ctor) => values instanceof ctor) || typed.length !== nrows * elements) {
      fail(`a ${TYPED_FOR[type].map((ctor) => ctor.name).join(' or ')} of ${nrows * elements} elements`);
    }
    packed = new Uint8Array(typed.byteLength);
    encodePixels(typed, packed);
    if (type !== 'X') zero = storageFor(typed).bzero;
  }
  for (let row = 0; row < nrows; row++) {
    data.set(packed.subarray(row * width, (row + 1) * width), row * rowBytes + offset);
  }
  return zero;
}
