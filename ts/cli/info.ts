import { openFits } from '../datamodels/node.js';

const shown = ['DATAMODL', 'INSTRUME', 'DETECTOR', 'EXP_TYPE', 'READPATT', 'SUBARRAY', 'NINTS', 'NGROUPS', 'NFRAMES', 'GROUPGAP', 'TFRAME', 'TGROUP', 'REFTYPE'];

/** A short listing of a FITS file: one line per HDU, then the keywords Detector1 cares about. */
export async function describeFile(path: string): Promise<string> {
  const file = await openFits(path);
  try {
    const lines = [`${path}`];
    for (const hdu of file.hdus) {
      const name = hdu.index === 0 ? 'PRIMARY' : (hdu.extname ?? '');
      const shape = hdu.shape.length ? `(${hdu.shape.join(', ')})` : '';
      lines.push(`  ${String(hdu.index).padStart(2)}  ${name.padEnd(12)} ${hdu.kind.padEnd(8)} BITPIX=${String(hdu.bitpix).padEnd(4)} ${shape}`);
    }
    for (const key of shown) {
      const value = file.primary.header.get(key);
      if (value !== undefined) lines.push(`  ${key.padEnd(9)}= ${String(value)}`);
    }
    return lines.join('\n') + '\n';
  } finally {
    await file.close();
  }
}
