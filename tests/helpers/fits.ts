/** FITS files made in memory for tests, and ramps read whole. */
import { FitsFile, bytesSource, encodeFits, type WritableHdu } from '../../ts/io/fits/index.js';

/** Encodes the HDUs and opens the bytes as a file called `name` (as a reference or input would be). */
export async function fitsInMemory(name: string, hdus: WritableHdu[]): Promise<FitsFile> {
  const chunks = encodeFits(hdus);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (bytes.set(c, offset), offset + c.length), 0);
  return FitsFile.open(bytesSource(bytes, name));
}
