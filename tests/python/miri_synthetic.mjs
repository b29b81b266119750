// Runs our MIRI steps (2 workers) on the raw synthetic ramps test_miri_steps_vs_jwst.py wrote:
// <case>.json, <case>_in.f32, <case>_pdq.u32, <case>_gdq.u8 [, <case>_rscd.fits, <case>_reset.fits].
// Each case runs on the whole ramp and on integration slices of 2 (StepContext.integrationOffset);
// writes <case>_<run>_data.f32, _pdq.u32, _gdq.u8 and <case>_<run>.json (status, rscd keywords).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodePool, createRampModel, emptyMeta, loadKernels } from '../../dist/entrypoints/node.js';
import { openFits } from '../../dist/datamodels/node.js';
import { refpixStep } from '../../dist/steps/refpix.js';
import { firstframeStep } from '../../dist/steps/firstframe.js';
import { rscdStep } from '../../dist/steps/rscd.js';
import { resetStep } from '../../dist/steps/reset.js';

const [dir, ...cases] = process.argv.slice(2);
await loadKernels();
const pool = await createNodePool({ size: 2 });
const raw = (file, Type) => {
  // Small files share Node's buffer pool: copy out exactly their bytes.
  const bytes = readFileSync(join(dir, file));
  return new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

function model(cfg, data, pixeldq, groupdq, nints = cfg.shape[0]) {
  const [fileInts, ngroups, ny, nx] = cfg.shape;
  const meta = emptyMeta();
  const full = cfg.step === 'refpix';
  Object.assign(meta.instrument, { name: 'MIRI', detector: 'MIRIMAGE' });
  Object.assign(meta.subarray, { name: full ? 'FULL' : 'SUB64', xstart: 1, ystart: full ? 1 : 779, xsize: nx, ysize: ny, fastaxis: 1, slowaxis: 2 });
  Object.assign(meta.exposure, { readpatt: 'FAST', nints: cfg.nints ?? fileInts, ngroups, noutputs: 4 });
  if (cfg.intstart) Object.assign(meta.exposure, { integrationStart: cfg.intstart, integrationEnd: cfg.intstart + fileInts - 1 });
  return createRampModel({ meta, shape: [nints, ngroups, ny, nx], data, pixeldq, groupdq });
}

async function runStep(name, cfg, ramp, context) {
  switch (cfg.step) {
    case 'refpix':
      return refpixStep(ramp, { oddEvenRows: cfg.odd_even_rows }, context);
    case 'firstframe':
      return firstframeStep(ramp, context, { brightUseGroup1: cfg.bright_use_group1 });
    case 'rscd':
    case 'reset': {
      const reference = await openFits(join(dir, `${name}_${cfg.step}.fits`));
      try {
        return await (cfg.step === 'rscd' ? rscdStep : resetStep)(ramp, reference, context);
      } finally {
        await reference.close();
      }
    }
  }
}

const rscdKeys = ['INT1SKIP', 'INT1UGP1', 'INT1BORS', 'INT2SKIP', 'INT2UGP1', 'INT2BORS'];
try {
  for (const name of cases) {
    const cfg = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
    const [nints, ngroups, ny, nx] = cfg.shape;
    const data = raw(`${name}_in.f32`, Float32Array);
    const pixeldq = raw(`${name}_pdq.u32`, Uint32Array);
    const groupdq = raw(`${name}_gdq.u8`, Uint8Array);

    const whole = model(cfg, data.slice(), pixeldq.slice(), groupdq.slice());
    const status = await runStep(name, cfg, whole, { pool });
    const keywords = Object.fromEntries(rscdKeys.filter((k) => whole.primary.get(k) !== undefined).map((k) => [k, whole.primary.get(k)]));
    writeFileSync(join(dir, `${name}_whole.json`), JSON.stringify({ status, ...keywords }));
    writeFileSync(join(dir, `${name}_whole_data.f32`), whole.data);
    writeFileSync(join(dir, `${name}_whole_pdq.u32`), whole.pixeldq);
    writeFileSync(join(dir, `${name}_whole_gdq.u8`), whole.groupdq);

    // Slices of 2 integrations share PIXELDQ (flags are OR-ed, so the order does not matter).
    const perInt = ngroups * ny * nx;
    const slicedData = data.slice();
    const slicedPdq = pixeldq.slice();
    const slicedGdq = groupdq.slice();
    const statuses = new Set();
    for (let first = 0; first < nints; first += 2) {
      const count = Math.min(2, nints - first);
      const part = model(cfg, slicedData.slice(first * perInt, (first + count) * perInt), slicedPdq, slicedGdq.slice(first * perInt, (first + count) * perInt), count);
      statuses.add(await runStep(name, cfg, part, { pool, integrationOffset: first }));
      slicedData.set(part.data, first * perInt);
      slicedGdq.set(part.groupdq, first * perInt);
    }
    writeFileSync(join(dir, `${name}_sliced.json`), JSON.stringify({ status: [...statuses].join(',') }));
    writeFileSync(join(dir, `${name}_sliced_data.f32`), slicedData);
    writeFileSync(join(dir, `${name}_sliced_pdq.u32`), slicedPdq);
    writeFileSync(join(dir, `${name}_sliced_gdq.u8`), slicedGdq);
  }
} finally {
  await pool.destroy();
}
