// Runs our emicorr step (2 workers) on an uncal file with an EMICORR reference (ASDF):
// node emicorr_run.mjs <uncal.fits> <emicorr.asdf|-> <out.f32> <options as JSON>
import { readFileSync, writeFileSync } from 'node:fs';
import { createNodePool, loadKernels } from '../../dist/entrypoints/node.js';
import { readRamp } from '../../dist/datamodels/node.js';
import { emicorrStep } from '../../dist/steps/emicorr.js';

const [uncal, asdf, out, options] = process.argv.slice(2);
await loadKernels();
const pool = await createNodePool({ size: 2 });
try {
  const ramp = await readRamp(uncal);
  const reference = asdf === '-' ? undefined : { name: asdf, bytes: readFileSync(asdf) };
  const status = await emicorrStep(ramp, reference, { pool }, JSON.parse(options));
  if (status !== 'COMPLETE') throw new Error(`emicorr: ${status}`);
  writeFileSync(out, ramp.data);
} finally {
  await pool.destroy();
}
