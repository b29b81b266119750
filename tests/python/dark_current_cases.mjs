// Runs our dark_current step on the cases test_dark_current_vs_stcal.py wrote to <dir>: for each
// case, the science ramp (<name>_data.bin, float32 (nints, ngroups, ny, nx)) and its dark
// (<name>_dark.fits, 4-D for MIRI); writes the corrected ramp as <name>_ours.bin, in this thread and with two
// workers (<name>_ours_pool.bin).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNodePool, createRampModel, darkCurrentStep, emptyMeta, loadKernels, openFits } from '../../dist/entrypoints/node.js';

const [dir] = process.argv.slice(2);
const cases = JSON.parse(await readFile(join(dir, 'cases.json'), 'utf8'));
await loadKernels();
const pool = await createNodePool({ size: 2 });
try {
  for (const [name, c] of Object.entries(cases)) {
    const [nints, ngroups, ny, nx] = c.shape;
    for (const [suffix, context] of [['ours', {}], ['ours_pool', { pool }]]) {
      const bytes = await readFile(join(dir, `${name}_data.bin`));
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const meta = emptyMeta();
      Object.assign(meta.instrument, c.miri ? { name: 'MIRI', detector: 'MIRIMAGE' } : { name: 'NIRCAM', detector: 'NRCA1' });
      Object.assign(meta.subarray, { name: 'FULL', xstart: 1, ystart: 1, xsize: nx, ysize: ny });
      Object.assign(meta.exposure, { nframes: c.nframes, groupgap: c.groupgap, ngroups, nints });
      const ramp = createRampModel({ meta, shape: [nints, ngroups, ny, nx], data, pixeldq: new Uint32Array(ny * nx), groupdq: new Uint8Array(data.length) });
      const dark = await openFits(join(dir, `${name}_dark.fits`));
      try {
        const status = await darkCurrentStep(ramp, dark, context);
        if (status !== 'COMPLETE') throw new Error(`${name}: dark_current ${status}`);
      } finally {
        await dark.close();
      }
      await writeFile(join(dir, `${name}_${suffix}.bin`), new Uint8Array(ramp.data.buffer, ramp.data.byteOffset, ramp.data.byteLength));
    }
  }
} finally {
  await pool.destroy();
}
