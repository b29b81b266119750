// Simulates a NIRCam SUB160 exposure with saturating stars and its reference files, runs our
// dq_init, saturation, superbias, refpix, linearity and dark_current on it and writes that ramp
// (input_ramp.fits); then runs our charge_migration and persistence steps (2 workers) on it in
// the configurations test_nir_flag_steps_vs_jwst.py runs jwst's steps with, writing ours_<case>.fits
// (and, for persistence, the saved window array as ours_<case>_array.asdf, as jwst's save_persistence).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createNodePool,
  createRampModel,
  loadKernels,
  openFits,
  readRamp,
  simulateToDirectory,
  writeMiniCrdsCache,
  writeModel,
  dqInitStep,
  saturationStep,
  superbiasStep,
  refpixStep,
  linearityStep,
  darkCurrentStep,
  chargeMigrationStep,
  persistenceStep,
  persistenceArrayEntry,
  encodePersistenceArrayFile,
  decodePersistenceArrayFile,
  updatePersistenceArrayFile,
} from '../../dist/entrypoints/node.js';

const [outDir] = process.argv.slice(2);
const request = {
  instrument: 'nircam',
  detector: 'NRCA1',
  subarray: 'SUB160',
  readpatt: 'RAPID',
  ngroups: 8,
  nints: 3,
  seed: 6066,
  scene: { background: 30, stars: 20, galaxies: 2, starFlux: [2000, 400000], saturateAtGroups: [0, 5] },
  events: { cosmicRaysPerIntegration: 30, snowballs: 1 },
};

/** Configurations, shared with the Python test through cases.json. */
const cases = {
  chgmig_default: { step: 'charge_migration', options: {} },
  chgmig_10000: { step: 'charge_migration', options: { signalThreshold: 10000.5 } },
  // Windows (1-2 s) shorter than an integration (2.5 s): they end, and re-open (jwst's count == 1).
  persistence_sat: { step: 'persistence', options: { persistenceTime: 1 } },
  persistence_short_dn: { step: 'persistence', options: { persistenceTime: 2, dnThreshold: 20000.5 }, slices: [[0, 2], [2, 3]] },
  // A window array from an earlier exposure, a DN threshold, DO_NOT_USE; also run on slices.
  persistence_all: { step: 'persistence', options: { persistenceTime: 200, dnThreshold: 12000.25, persistenceDnu: true }, array: true, slices: [[0, 1], [1, 3]] },
  persistence_other_time: { step: 'persistence', options: { persistenceTime: 199 }, array: true },
};

const simulated = await simulateToDirectory(request, outDir, 'flags');
const cache = await writeMiniCrdsCache(join(outDir, 'crds'), [{ plan: simulated.plan }]);
const references = new Map();
for (const ref of cache.references) references.set(ref.reftype, await openFits(join(cache.root, ref.path)));
const reference = (reftype) => references.get(reftype);

await loadKernels();
const pool = await createNodePool({ size: 2 });
const context = { pool, log: () => {} };
try {
  const ramp = await readRamp(simulated.uncal);
  await dqInitStep(ramp, reference('mask'), context);
  await saturationStep(ramp, reference('saturation'), context, { superbias: reference('superbias') });
  await superbiasStep(ramp, reference('superbias'), context);
  await refpixStep(ramp, {}, context);
  await linearityStep(ramp, reference('linearity'), context);
  await darkCurrentStep(ramp, reference('dark'), context);
  const inputPath = join(outDir, 'input_ramp.fits');
  await writeModel(inputPath, ramp);

  // Window ends around the exposure's own times (Unix s): open, ended, and "starting later".
  const [nints, ngroups, rows, cols] = ramp.shape;
  const epoch = (ramp.meta.exposure.startTime - 40587) * 86400;
  const entry = { filename: 'earlier_ramp.fits', rows: [], cols: [], vals: [], persTime: 200 };
  for (let p = 0; p < rows * cols; p += 7) {
    entry.rows.push(Math.floor(p / cols));
    entry.cols.push(p % cols);
    entry.vals.push(epoch + [-5, 3.5, 60.25, 150, 900][p % 5]);
  }
  // Written with our ASDF writer (jwst reads this file) and read back with our reader.
  const arrayFile = join(outDir, 'persistence_array.asdf');
  await writeFile(arrayFile, encodePersistenceArrayFile({ [ramp.meta.instrument.detector]: entry, NRCB5: { ...entry, vals: entry.vals.map(() => epoch + 100) } }));
  const persistenceArray = decodePersistenceArrayFile(await readFile(arrayFile));
  await writeFile(join(outDir, 'cases.json'), JSON.stringify(cases));

  const plane = ngroups * rows * cols;
  /** Integrations from..<to of `ramp` as a model of their own (same metadata and INT_TIMES). */
  const slice = (work, from, to) =>
    createRampModel({
      meta: work.meta,
      shape: [to - from, ngroups, rows, cols],
      data: work.data.slice(from * plane, to * plane),
      groupdq: work.groupdq.slice(from * plane, to * plane),
      pixeldq: work.pixeldq,
      intTimes: work.intTimes,
    });
  for (const [name, spec] of Object.entries(cases)) {
    const options = { ...spec.options, ...(spec.array ? { persistenceArray } : {}) };
    const work = await readRamp(inputPath);
    if (spec.step === 'charge_migration') {
      if ((await chargeMigrationStep(work, context, options)) !== 'COMPLETE') throw new Error(`${name} did not run`);
    } else {
      const result = await persistenceStep(work, context, options);
      if (result.status !== 'COMPLETE') throw new Error(`${name} did not run`);
      const saved = updatePersistenceArrayFile(undefined, work.meta.instrument.detector, persistenceArrayEntry(result.state, 'input_ramp.fits'));
      await writeFile(join(outDir, `ours_${name}_array.asdf`), saved);
    }
    await writeModel(join(outDir, `ours_${name}.fits`), work);
    if (spec.slices) {
      const whole = await readRamp(inputPath);
      let state;
      for (const [from, to] of spec.slices) {
        const part = slice(whole, from, to);
        state = (await persistenceStep(part, { ...context, integrationOffset: from }, options, state)).state;
        whole.groupdq.set(part.groupdq, from * plane);
      }
      await writeModel(join(outDir, `ours_${name}_sliced.fits`), whole);
    }
  }
} finally {
  await pool.destroy();
  for (const file of references.values()) await file.close();
}
