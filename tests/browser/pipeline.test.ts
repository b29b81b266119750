/**
 * The whole Detector1 pipeline in Chromium: a golden case's uncal and the references jwst used,
 * fetched as Blobs from the test server, run with a Web Worker pool; `_rate` and `_rateints`
 * must equal jwst 3.0.0's bit for bit (the same comparison the Node tests make).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobSource, FitsFile } from '../../ts/io/fits/index.js';
import { RampReader } from '../../ts/datamodels/fits-models.js';
import { loadKernels } from '../../ts/kernels/load-browser.js';
import { createBrowserPool, type KernelPool } from '../../ts/pool/browser.js';
import { runDetector1 } from '../../ts/pipeline/detector1.js';
import { MemorySpill } from '../../ts/pipeline/spill.js';

const CASE = 'nrc_sub64p_medium8_zeroframe';
const STEM = 'jw09999001001_01101_03102_nrca1';

async function fetchFits(path: string): Promise<FitsFile | undefined> {
  const response = await fetch(path);
  if (!response.ok) return undefined;
  const blob = await response.blob();
  return FitsFile.open(blobSource(blob, path.slice(path.lastIndexOf('/') + 1)));
}

let pool: KernelPool;
beforeAll(async () => {
  await loadKernels();
  pool = await createBrowserPool({ size: 2 });
});
afterAll(async () => pool?.destroy());

describe('Detector1 in the browser', () => {
  it(`${CASE}: _rate and _rateints equal jwst's, one integration at a time`, async () => {
    const uncal = await fetchFits(`/tests/golden/${CASE}/input/${STEM}_uncal.fits`);
    const truthRate = await fetchFits(`/tests/golden/${CASE}/truth/pipeline/${STEM}_rate.fits`);
    const truthRateints = await fetchFits(`/tests/golden/${CASE}/truth/pipeline/${STEM}_rateints.fits`);
    expect(uncal && truthRate && truthRateints, 'golden files served by the test server').toBeTruthy();
    const keywords = truthRate!.primary.header;
    // jwst records references chosen by CRDS as crds://<file>.
    const referenceFile = (keyword: string) => keywords.getString(keyword)?.replace(/^crds:\/\//, '');
    const probe = await fetchFits(`/target/golden-crds/references/jwst/nircam/${referenceFile('R_MASK')}`);
    if (!probe) {
      console.warn('skipping: the golden CRDS cache is not generated (make golden-inputs-check)');
      return;
    }
    const saved = new Map<string, unknown>();
    const result = await runDetector1(RampReader.open(uncal!), {
      io: {
        reference: async (reftype) => {
          const names: Record<string, string> = { mask: 'MASK', saturation: 'SATURA', superbias: 'SUPERB', ipc: 'IPC', linearity: 'LINEAR', dark: 'DARK', gain: 'GAIN', readnoise: 'READNO' };
          const name = names[reftype] && referenceFile(`R_${names[reftype]}`);
          return name && name !== 'N/A' ? fetchFits(`/target/golden-crds/references/jwst/nircam/${name}`) : undefined;
        },
        spill: async (shape) => new MemorySpill(shape),
        save: async (suffix, model) => void saved.set(suffix, model),
        saveRamp: async () => {},
      },
      context: { pool },
      rampFitPool: pool,
    });
    expect(result.rate && result.rateints).toBeTruthy();
    for (const [ours, truth] of [
      [result.rate!, truthRate!],
      [result.rateints!, truthRateints!],
    ] as const) {
      for (const [extname, array] of [
        ['SCI', ours.data],
        ['ERR', ours.err],
        ['DQ', ours.dq],
        ['VAR_POISSON', ours.varPoisson],
        ['VAR_RNOISE', ours.varRnoise],
      ] as const) {
        const expected = (await truth.readImage(truth.get(extname))).data;
        let differing = 0;
        for (let i = 0; i < expected.length; i++) if (!Object.is(Number(array[i]), Number(expected[i]))) differing++;
        expect(differing, `${ours.model} ${extname}`).toBe(0);
      }
    }
  });
});
