/**
 * The NIRSpec IRS2 REFPIX reference (stdatamodels IRS2Model): an `IRS2` table of complex
 * coefficients stored as float32 columns ALPHA_0..3 / BETA_0..3 with alternating real and
 * imaginary parts, and an optional `DQ` table (OUTPUT, ODD_EVEN, MASK) of bad interleaved
 * reference pixels.
 */
import type { FitsFile } from '../io/fits/index.js';
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

export async function readIrs2Reference(file: FitsFile): Promise<Irs2Reference> {
  const name = file.source.name;
  const hdu = file.find('IRS2');
  if (!hdu) throw new ReferenceFileError(name, "no IRS2 table (not a NIRSpec IRS2 REFPIX reference)");
  const table = await file.readTable(hdu);
  const rows = table.nrows;
  const gather = (prefix: string) => {
    const out = new Float32Array(4 * rows);
    for (let k = 0; k < 4; k++) {
      const column = table.column(`${prefix}_${k}`);
      if (column.repeat !== 1 || typeof column.data[0] === 'string') throw new ReferenceFileError(name, `column ${prefix}_${k} is not a numeric scalar column`);
      out.set(Float32Array.from(column.data as ArrayLike<number>), k * rows);
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
