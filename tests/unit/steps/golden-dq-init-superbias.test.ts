/**
 * dq_init and superbias against jwst's own products of the golden cases (tests/golden): our step
 * on the product jwst's step started from, with the references jwst used, must give the same
 * arrays bit for bit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { openFits } from '../../../ts/datamodels/node.js';
import type { RampModel } from '../../../ts/datamodels/models.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { dqInitStep } from '../../../ts/steps/dq-init.js';
import { superbiasStep } from '../../../ts/steps/superbias.js';
import type { StepStatus } from '../../../ts/steps/step.js';
import type { FitsFile } from '../../../ts/io/fits/index.js';
import { compareProducts, formatReport, goldenCases, goldenCrdsRoot, goldenManifest, goldenProduct, goldenReferences } from '../../golden/compare.js';
import { existsSync } from 'node:fs';
import { readRamp } from '../../../ts/datamodels/node.js';

const crds = goldenCrdsRoot();
if (!crds) console.warn('skipping golden dq_init/superbias comparisons: no generated CRDS cache (run `make golden-inputs-check`)');

beforeAll(async () => {
  await loadKernels();
});

type Step = (ramp: RampModel, ref: FitsFile | undefined) => Promise<StepStatus>;
const steps: [string, string, Step][] = [
  ['dq_init', 'mask', dqInitStep],
  ['superbias', 'superbias', superbiasStep],
];

describe.skipIf(!crds)('golden truth (jwst 3.0.0)', () => {
  for (const caseName of goldenCases()) {
    for (const [step, reftype, run] of steps) {
      const products = goldenManifest().cases[caseName].products;
      if (!products.some((p) => p.variant === 'pipeline' && p.step === step)) continue; // MIRI has no superbias
      it(`${step} on ${caseName} equals jwst bit for bit`, async () => {
        const truth = goldenProduct(caseName, step);
        const refPath = goldenReferences(caseName, step)[reftype];
        if (!existsSync(refPath)) {
          console.warn(`skipping ${step} on ${caseName}: ${refPath} not generated (real references absent)`);
          return;
        }
        const ramp = await readRamp(truth.input);
        const ref = await openFits(refPath);
        try {
          expect(await run(ramp, ref)).toBe('COMPLETE');
        } finally {
          await ref.close();
        }
        const ours: Record<string, ArrayLike<number>> = { SCI: ramp.data, PIXELDQ: ramp.pixeldq, GROUPDQ: ramp.groupdq };
        if (ramp.zeroframe) ours.ZEROFRAME = ramp.zeroframe;
        const report = await compareProducts(ours, truth.file, { extensions: Object.keys(ours) });
        expect(report.ok, formatReport(report)).toBe(true);
        expect(report.arrays.every((a) => a.identical), formatReport(report)).toBe(true);
      });
    }
  }
});
