// Writes the inputs of test_clean_flicker_noise_vs_jwst.py: for each case, a simulated exposure
// (and its mini CRDS cache) taken through our dq_init, saturation, superbias (near-IR) and jump,
// then 1/f-like stripes are added to every group read: one offset per line along the fast
// readout axis (rows for NIRCam, columns for NIRSpec) or per column (MIRI's vertical flicker),
// different in every group. The TSO imaging cases also carry a transit of their target.
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
  // TSO imaging: a bright target at the aperture's reference point (XREF_SCI/YREF_SCI) dims
  // during integrations 2-4 (transit depths below), which tso_photometry's aperture sums see
  // and the image medians do not.
  miri_tso: { instrument: 'miri', detector: 'MIRIMAGE', subarray: 'SUB128', readpatt: 'FAST', ngroups: 5, nints: 5, tso: true, seed: 813, stripes: 'columns', amplitude: 4, emi: false, referencePoint: [64.5, 61.0], transit: [0, 0.03, 0.05, 0.02, 0] },
  nircam_tso: { instrument: 'nircam', detector: 'NRCA1', subarray: 'SUB160P', readpatt: 'RAPID', ngroups: 4, nints: 5, tso: true, seed: 814, stripes: 'rows', amplitude: 5, referencePoint: [80.0, 82.5], transit: [0, 0.04, 0.06, 0.01, 0] },
};

/** The transiting target: a Gaussian star of `flux` e/s, 0.3 px right of and 0.4 px below the reference point. */
function targetStar([xref, yref]) {
  return { kind: 'star', x: xref - 1 + 0.3, y: yref - 1 - 0.4, flux: 150000, sigma: 1.2 };
}

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
    const { stripes, amplitude, channelOffsets, transit, ...request } = spec;
    const caseScene = request.referencePoint ? { ...scene, sources: [targetStar(request.referencePoint)] } : scene;
    const simulated = await simulateToDirectory({ ...request, scene: caseScene, events: { cosmicRaysPerIntegration: 20 } }, dir, name);
    const cache = await writeMiniCrdsCache(join(dir, 'crds'), [{ plan: simulated.plan }]);
    const references = new Map();
    for (const ref of cache.references) if (ref.path.endsWith('.fits')) references.set(ref.reftype, await openFits(join(cache.root, ref.path)));
    const reference = (reftype) => references.get(reftype);
    const ramp = await readRamp(simulated.uncal);
    await dqInitStep(ramp, reference('mask'), context);
    await saturationStep(ramp, reference('saturation'), context, { superbias: reference('superbias') });
    if (spec.instrument !== 'miri') await superbiasStep(ramp, reference('superbias'), context);
    await jumpStep(ramp, { gain: reference('gain'), readnoise: reference('readnoise') }, context, {});
    if (transit) {
      const [nints, ngroups, ny, nx] = ramp.shape;
      // the target's signal lost in integration i: the depth times its signal since group 0
      // (at its peak pixel, the rise per group of integration 1, scaled by the PSF elsewhere)
      const star = targetStar(request.referencePoint);
      const psf = (x, y) => Math.exp(-((x - star.x) ** 2 + (y - star.y) ** 2) / (2 * star.sigma ** 2));
      const [px, py] = [Math.round(star.x), Math.round(star.y)];
      const perGroup = (ramp.data[((ngroups - 1) * ny + py) * nx + px] - ramp.data[py * nx + px]) / (ngroups - 1) / psf(px, py);
      for (let i = 0; i < nints; i++) {
        for (let y = 0; y < ny; y++) {
          for (let x = 0; x < nx; x++) {
            const lost = transit[i] * perGroup * psf(x, y);
            if (lost === 0) continue;
            for (let g = 1; g < ngroups; g++) ramp.data[((i * ngroups + g) * ny + y) * nx + x] -= lost * g;
          }
        }
      }
    }
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
    written[name] = { dir, pmap: cache.context ?? null, shape: ramp.shape, reference_point: request.referencePoint ?? null, transit: transit ?? null };
  }
} finally {
  await pool.destroy();
}
writeFileSync(join(outDir, 'cases.json'), JSON.stringify(written, null, 1));
