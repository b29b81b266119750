// Our tsoApertureSums on the cases test_tso_photometry_vs_jwst.py writes: <dir>/cases.json lists
// them; each has <name>_data.f32, _dq.u32 and optionally _gain.f32 (little-endian raw arrays).
// Writes <name>_ours.f64, or <name>_error.txt when the kernel throws.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadKernels, tsoApertureSums } from '../../dist/entrypoints/node.js';

const [dir] = process.argv.slice(2);
await loadKernels();
const cases = JSON.parse(await readFile(join(dir, 'cases.json'), 'utf8'));
const typed = async (file, Type) => {
  const bytes = await readFile(join(dir, file));
  return new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
for (const c of cases) {
  const arrays = { data: await typed(`${c.name}_data.f32`, Float32Array), dq: await typed(`${c.name}_dq.u32`, Uint32Array) };
  if (c.gain) arrays.gain = await typed(`${c.name}_gain.f32`, Float32Array);
  try {
    const sums = tsoApertureSums(arrays, c.shape, c.params);
    await writeFile(join(dir, `${c.name}_ours.f64`), new Uint8Array(sums.buffer, sums.byteOffset, sums.byteLength));
  } catch (error) {
    await writeFile(join(dir, `${c.name}_error.txt`), `${error.name}: ${error.message}`);
  }
}
