// Writes the inputs of test_clean_flicker_noise_vs_jwst.py: for each case, a simulated exposure
// (and its mini CRDS cache) taken through our dq_init, saturation, superbias (near-IR) and jump,
// then 1/f-like stripes are added to every group read: one offset per line along the fast
// readout axis (rows for NIRCam, columns for NIRSpec) or per column (MIRI's vertical flicker),
// different in every group.
// Writes <case>/input_ramp.fits, <case>/unstriped_ramp.fits (before the stripes) and <case>/crds;
// cases.json lists them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createNodePool,
  loadKernels,
  openFits,
  readRamp,
  simulateToDirectory,
  writeMiniCrdsCache,
  writeModel,
  dqInitStep,
  saturationStep,
  superbiasStep,
  jumpStep,
} from '../../dist/entrypoints/node.js';

const [outDir, ...only] = process.argv.slice(2);
const scene = { background: 20, stars: 40, galaxies: 4, starFlux: [500, 200000] };
const cases = {
  nircam_sub: { instrument: 'nircam', detector: 'NRCA1', subarray: 'SUB320', readpatt: 'RAPID', ngroups: 6, nints: 2, seed: 808, stripes: 'rows', amplitude: 6 },
  nircam_full: { instrument: 'nircam', detector: 'NRCA1', subarray: 'FULL', readpatt: 'RAPID', ngroups: 3, nints: 1, seed: 809, stripes: 'rows', amplitude: 6, channelOffsets: true },
  miri_image: { instrument: 'miri', detector: 'MIRIMAGE', subarray: 'FULL', readpatt: 'FAST', ngroups: 5, nints: 1, seed: 810, stripes: 'columns', amplitude: 4, emi: false },
  // NIRSpec reads along y (FASTAXIS = ±2): its 1/f stripes are columns
  nirspec_full: { instrument: 'nirspec', detector: 'NRS1', subarray: 'FULL', readpatt: 'NRSRAPID', ngroups: 2, nints: 1, seed: 811, stripes: 'columns', amplitude: 3 },
  nirspec_sub: { instrument: 'nirspec', detector: 'NRS2', subarray: 'SUB2048', readpatt: 'NRSRAPID', ngroups: 4, nints: 2, seed: 812, stripes: 'columns', amplitude: 4 },
};

/** A deterministic normal deviate generator (xorshift + Box-Muller). */
function normals(seed) {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

await loadKernels();
const pool = await createNodePool({ size: 2 });
const context = { pool, log: () => {} };
const written = {};
try {
  for (const [name, spec] of Object.entries(cases)) {
    if (only.length && !only.includes(name)) continue;
    const dir = join(outDir, name);
    const { stripes, amplitude, channelOffsets, ...request } = spec;
    const simulated = await simulateToDirectory({ ...request, scene, events: { cosmicRaysPerIntegration: 20 } }, dir, name);
    const cache = await writeMiniCrdsCache(join(dir, 'crds'), [{ plan: simulated.plan }]);
    const references = new Map();
    for (const ref of cache.references) if (ref.path.endsWith('.fits')) references.set(ref.reftype, await openFits(join(cache.root, ref.path)));
    const reference = (reftype) => references.get(reftype);
    const ramp = await readRamp(simulated.uncal);
    await dqInitStep(ramp, reference('mask'), context);
    await saturationStep(ramp, reference('saturation'), context, { superbias: reference('superbias') });
    if (spec.instrument !== 'miri') await superbiasStep(ramp, reference('superbias'), context);
    await jumpStep(ramp, { gain: reference('gain'), readnoise: reference('readnoise') }, context, {});
    // the ramp without stripes: the test measures the stripes left in the outputs against it
    await writeModel(join(dir, 'unstriped_ramp.fits'), ramp);
    const [nints, ngroups, ny, nx] = ramp.shape;
    const normal = normals(spec.seed);
    for (let i = 0; i < nints; i++) {
      for (let g = 0; g < ngroups; g++) {
        const base = (i * ngroups + g) * ny * nx;
        const lines = stripes === 'rows' ? ny : nx;
        for (let line = 0; line < lines; line++) {
          // full frame: each 512-column amplifier drifts on its own too (fit_by_channel's case)
          const offsets = channelOffsets ? [0, 1, 2, 3].map(() => amplitude * normal()) : [amplitude * normal()];
          for (let k = 0; k < (stripes === 'rows' ? nx : ny); k++) {
            const p = stripes === 'rows' ? base + line * nx + k : base + k * nx + line;
            ramp.data[p] += offsets[channelOffsets ? Math.floor(k / 512) : 0];
          }
        }
      }
    }
    await writeModel(join(dir, 'input_ramp.fits'), ramp);
    for (const file of references.values()) await file.close();
    written[name] = { dir, pmap: cache.context ?? null, shape: ramp.shape };
  }
} finally {
  await pool.destroy();
}
writeFileSync(join(outDir, 'cases.json'), JSON.stringify(written, null, 1));
