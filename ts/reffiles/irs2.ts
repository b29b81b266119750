/**
 * The NIRSpec IRS2 REFPIX reference (stdatamodels IRS2Model): an `IRS2` table of complex
 * coefficients stored as float32 columns ALPHA_0..3 / BETA_0..3 with alternating real and
 * imaginary parts, and an optional `DQ` table (OUTPUT, ODD_EVEN, MASK) of bad interleaved
 * reference pixels.
 */
import type { FitsFile, Hdu } from '../io/fits/index.js';
import { ReferenceFileError } from './subarray.js';

export interface Irs2Reference {
  /** Rows of the IRS2 table (2 per complex value). */
  rows: number;
  /** ALPHA_0..3 concatenated, each `rows` float32 values (re, im interleaved). */
  alpha: Float32Array;
  beta: Float32Array;
  /** DQ table rows, when the file has a non-empty one. */
  dq?: { output: number[]; oddEven: number[]; mask: number[] };
}

/**
 * The ALPHA/BETA columns when the IRS2 table holds only unscaled float32 scalars (the layout of
 * the CRDS files): decoded straight from the row bytes, much faster than column by column.
 */
async function readFloatTable(file: FitsFile, hdu: Hdu): Promise<Map<string, Float32Array> | undefined> {
  const { header } = hdu;
  const fields = header.getInt('TFIELDS') ?? 0;
  const rowBytes = header.getInt('NAXIS1') ?? 0;
  const rows = header.getInt('NAXIS2') ?? 0;
  const names: string[] = [];
  for (let n = 1; n <= fields; n++) {
    const format = header.getString(`TFORM${n}`)?.trim().toUpperCase();
    if ((format !== 'E' && format !== '1E') || header.get(`TSCAL${n}`) !== undefined || header.get(`TZERO${n}`) !== undefined) return undefined;
    names.push((header.getString(`TTYPE${n}`) ?? '').trim().toUpperCase());
  }
  if (rowBytes !== 4 * fields) return undefined;
  const bytes = await file.readRawData(hdu);
  const view = new DataView(bytes.buffer, bytes.byteOffset, rows * rowBytes);
  const columns = names.map(() => new Float32Array(rows));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < fields; c++) columns[c][r] = view.getFloat32(r * rowBytes + 4 * c);
  }
  return new Map(names.map((name, c) => [name, columns[c]]));
}

export async function readIrs2Reference(file: FitsFile): Promise<Irs2Reference> {
  const name = file.source.name;
  const hdu = file.find('IRS2');
  if (!hdu) throw new ReferenceFileError(name, 'no IRS2 table (not a NIRSpec IRS2 REFPIX reference)');
  const fast = hdu.kind === 'bintable' ? await readFloatTable(file, hdu) : undefined;
  const table = fast ? undefined : await file.readTable(hdu);
  const rows = table ? table.nrows : (hdu.header.getInt('NAXIS2') ?? 0);
  const gather = (prefix: string) => {
    const out = new Float32Array(4 * rows);
    for (let k = 0; k < 4; k++) {
      const column = `${prefix}_${k}`;
      const values = fast ? fast.get(column) : table!.column(column).data;
      if (!values) throw new ReferenceFileError(name, `no column ${column} in the IRS2 table`);
      if (Array.isArray(values) || (table && table.column(column).repeat !== 1)) throw new ReferenceFileError(name, `column ${column} is not a numeric scalar column`);
      out.set(values as ArrayLike<number> as Float32Array, k * rows);
    }
    return out;
  };
  const alpha = gather('ALPHA');
  const beta = gather('BETA');
  const dqHdu = file.find('DQ');
  let dq: Irs2Reference['dq'];
  if (dqHdu) {
    const t = await file.readTable(dqHdu);
    if (t.nrows > 0) {
      const numbers = (c: string) => Array.from(t.column(c).data as ArrayLike<number>, Number);
      dq = { output: numbers('OUTPUT'), oddEven: numbers('ODD_EVEN'), mask: numbers('MASK') };
    }
  }
  return { rows, alpha, beta, dq };
}
