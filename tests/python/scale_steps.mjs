// group_scale and gain_scale inputs for test_scale_steps_vs_jwst.py, and our results on them.
// A simulated NIRCam SUB160 exposure is given NFRAMES/FRMDIVSR pairs (group_N_D.fits) and run
// through our group_scale (ours_group_N_D.fits). The same exposure, through our dq_init ...
// ramp_fit, gives _rate/_rateints products that our gain_scale rescales with the GAINFACT of a
// GAIN reference (gain_fact.fits; gain_nofact.fits has none) or of the product itself.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Header,
  createNodePool,
  loadKernels,
  openFits,
  readRamp,
  readReferenceFloat,
  scienceGeometry,
  simulateToDirectory,
  writeFitsFile,
  writeMiniCrdsCache,
  writeModel,
  readModelFile,
  dqInitStep,
  saturationStep,
  superbiasStep,
  refpixStep,
  linearityStep,
  darkCurrentStep,
  jumpStep,
  rampFitStep,
  groupScaleStep,
  gainScaleStep,
} from '../../dist/entrypoints/node.js';

const [outDir] = process.argv.slice(2);
const request = {
  instrument: 'nircam',
  detector: 'NRCA1',
  subarray: 'SUB160',
  readpatt: 'RAPID',
  ngroups: 6,
  nints: 2,
  seed: 4711,
  scene: { background: 30, stars: 12, galaxies: 3, starFlux: [1000, 300000], saturateAtGroups: [1, 5] },
  events: { cosmicRaysPerIntegration: 20, snowballs: 0 },
};
/** [NFRAMES, FRMDIVSR or null]: rescaled by 4/5, 8/5 and 1/6; 6 without FRMDIVSR and 4 = 4 are skipped. */
const groupCases = [[5, 4], [5, 8], [6, 1], [6, null], [4, 4]];
/** [product, gain reference, GAINFACT in the product]. */
const gainCases = [
  ['rate', 'gain_fact', null],
  ['rateints', 'gain_fact', null],
  ['rate', 'gain_nofact', null],
  ['rateints', 'gain_nofact', 0.8125],
];
const gainFact = 1.3637;

const simulated = await simulateToDirectory(request, outDir, 'scale');
const cache = await writeMiniCrdsCache(join(outDir, 'crds'), [{ plan: simulated.plan }]);
const references = new Map();
for (const ref of cache.references) references.set(ref.reftype, await openFits(join(cache.root, ref.path)));
const reference = (reftype) => references.get(reftype);

await loadKernels();
const pool = await createNodePool({ size: 2 });
const context = { pool, log: () => {} };
const status = {};
try {
  for (const [nframes, divisor] of groupCases) {
    const name = `group_${nframes}_${divisor ?? 'none'}`;
    const ramp = await readRamp(simulated.uncal);
    ramp.meta.exposure.nframes = nframes;
    if (divisor === null) {
      // Gone from the metadata and from the uncal's primary header the writer starts from.
      delete ramp.meta.exposure.frameDivisor;
      ramp.primary.delete('FRMDIVSR');
    } else {
      ramp.meta.exposure.frameDivisor = divisor;
    }
    await writeModel(join(outDir, `${name}.fits`), ramp);
    const work = await readRamp(join(outDir, `${name}.fits`));
    status[name] = await groupScaleStep(work, context);
    await writeModel(join(outDir, `ours_${name}.fits`), work);
  }

  // Rate products of the exposure.
  const ramp = await readRamp(simulated.uncal);
  await dqInitStep(ramp, reference('mask'), context);
  await saturationStep(ramp, reference('saturation'), context, { superbias: reference('superbias') });
  await superbiasStep(ramp, reference('superbias'), context);
  await refpixStep(ramp, {}, context);
  await linearityStep(ramp, reference('linearity'), context);
  await darkCurrentStep(ramp, reference('dark'), context);
  await jumpStep(ramp, { gain: reference('gain'), readnoise: reference('readnoise') }, context);
  const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, simulated.uncal), instrument: ramp.meta.instrument.name };
  const gain = (await readReferenceFloat(reference('gain'), 'SCI', refContext)).data;
  const readnoise = (await readReferenceFloat(reference('readnoise'), 'SCI', refContext)).data;
  const fit = await rampFitStep(ramp, { gain, readnoise, pool });
  await writeModel(join(outDir, 'rate.fits'), fit.rate);
  await writeModel(join(outDir, 'rateints.fits'), fit.rateints);

  // GAIN references: the simulated one's header, with and without GAINFACT.
  const source = reference('gain');
  const sci = await source.readImage(source.get('SCI'), { as: 'float32' });
  for (const [name, factor] of [['gain_fact', gainFact], ['gain_nofact', null]]) {
    const primary = new Header(source.primary.header.cards.filter((card) => !['SIMPLE', 'BITPIX', 'NAXIS', 'EXTEND', 'GAINFACT'].includes(card.key)));
    if (factor !== null) primary.set('GAINFACT', factor, 'Gain scale factor');
    await writeFitsFile(join(outDir, `${name}.fits`), [
      { kind: 'image', header: primary },
      { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: sci.data, shape: sci.shape },
    ]);
  }
  for (const [product, gainName, productFactor] of gainCases) {
    const name = `gain_${product}_${gainName}${productFactor === null ? '' : '_own'}`;
    const model = await readModelFile(join(outDir, `${product}.fits`));
    if (productFactor !== null) model.meta.exposure.gainFactor = productFactor;
    await writeModel(join(outDir, `${name}_in.fits`), model);
    const work = await readModelFile(join(outDir, `${name}_in.fits`));
    const gainFile = await openFits(join(outDir, `${gainName}.fits`));
    status[name] = await gainScaleStep(work, gainFile, context);
    await gainFile.close();
    await writeModel(join(outDir, `ours_${name}.fits`), work);
  }
  await writeFile(join(outDir, 'status.json'), JSON.stringify(status));
} finally {
  await pool.destroy();
  for (const file of references.values()) await file.close();
}
