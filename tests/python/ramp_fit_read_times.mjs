// Our ramp_fit on the ramps test_ramp_fit_read_times_vs_jwst.py wrote with jwst's datamodels
// (meta.exposure.read_times in the ASDF extension): reads each `<case>.fits` as a RampModel,
// fits it with algorithm OLS_C requested, and writes `ours_<case>_rate.fits`,
// `ours_<case>_rateints.fits` and the step's messages in `ours_<case>.json`; then runs the
// Detector1 pipeline on each with every step before ramp_fit skipped and algorithm OLS_C
// (`pipeline/<case>_rate.fits`).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadKernels, openFits, rampFitStep, readRamp, runDetector1File, writeModel } from '../../dist/entrypoints/node.js';

const [dir, ...cases] = process.argv.slice(2);
await loadKernels();
const reference = async (name) => {
  const file = await openFits(join(dir, name));
  try {
    return (await file.readImage(file.get('SCI'), { as: 'float32' })).data;
  } finally {
    await file.close();
  }
};
const gain = await reference('gain.fits');
const readnoise = await reference('readnoise.fits');
for (const name of cases) {
  const ramp = await readRamp(join(dir, `${name}.fits`));
  const messages = [];
  const log = (level, message) => messages.push({ level, message });
  const result = await rampFitStep(ramp, { gain, readnoise, algorithm: 'OLS_C', log });
  await writeModel(join(dir, `ours_${name}_rate.fits`), result.rate);
  await writeModel(join(dir, `ours_${name}_rateints.fits`), result.rateints);
  await writeFile(join(dir, `ours_${name}.json`), JSON.stringify({ messages, readTimes: ramp.meta.exposure.readTimes ?? null }));
}
const skipped = ['group_scale', 'dq_init', 'saturation', 'ipc', 'superbias', 'refpix', 'linearity', 'dark_current', 'charge_migration', 'jump', 'gain_scale'];
for (const name of cases) {
  await runDetector1File(join(dir, `${name}.fits`), {
    outputDir: join(dir, 'pipeline'),
    selectReference: async (reftype) => ({ gain: join(dir, 'gain.fits'), readnoise: join(dir, 'readnoise.fits') })[reftype],
    parameters: { steps: { ...Object.fromEntries(skipped.map((step) => [step, { skip: true }])), ramp_fit: { algorithm: 'OLS_C' } } },
  });
}
