// Runs our refpix step (2 workers) on the raw synthetic ramps test_refpix_vs_jwst.py wrote:
// <case>.json (geometry, options), <case>_in.f32, <case>_dq.u32 [, <case>_zfin.f32]; writes
// <case>_ours.f32 [, <case>_zfours.f32].
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodePool, createRampModel, emptyMeta, loadKernels } from '../../dist/entrypoints/node.js';
import { refpixStep } from '../../dist/steps/refpix.js';

const [dir, ...cases] = process.argv.slice(2);
await loadKernels();
const pool = await createNodePool({ size: 2 });
const raw = (file, Type) => new Type(readFileSync(join(dir, file)).buffer.slice(0));
try {
  for (const name of cases) {
    const cfg = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
    const [ny, nx] = cfg.shape;
    const data = raw(`${name}_in.f32`, Float32Array);
    const meta = emptyMeta();
    Object.assign(meta.instrument, { name: cfg.instrument, detector: cfg.detector });
    Object.assign(meta.subarray, { name: cfg.name, xstart: cfg.xstart, ystart: cfg.ystart, xsize: nx, ysize: ny, fastaxis: cfg.fast, slowaxis: cfg.slow });
    Object.assign(meta.exposure, { noutputs: cfg.noutputs, zeroFrame: Boolean(cfg.zf) });
    const model = createRampModel({
      meta,
      shape: [cfg.nints, cfg.ngroups, ny, nx],
      data,
      pixeldq: raw(`${name}_dq.u32`, Uint32Array),
      groupdq: new Uint8Array(data.length),
      zeroframe: cfg.zf ? raw(`${name}_zfin.f32`, Float32Array) : undefined,
    });
    const options = { oddEvenColumns: cfg.oe, useSideRefPixels: cfg.side, sideSmoothingLength: cfg.L, sideGain: cfg.gain };
    if ((await refpixStep(model, options, { pool })) !== 'COMPLETE') throw new Error(`${name}: refpix did not complete`);
    writeFileSync(join(dir, `${name}_ours.f32`), model.data);
    if (cfg.zf) writeFileSync(join(dir, `${name}_zfours.f32`), model.zeroframe);
  }
} finally {
  await pool.destroy();
}
