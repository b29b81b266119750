/**
 * `detector1 demo`: the whole pipeline on data made here (no downloads, no ../shared). The
 * simulator writes a NIRCam SUB160 exposure and its reference files as a mini CRDS cache;
 * Detector1 chooses its references from that cache as CRDS would, runs with a 2-worker pool,
 * writes `_rate`/`_rateints` and a PNG preview of the rate.
 */
import { join } from 'node:path';
import { openCrdsCache } from '../crds/node.js';
import { crdsHeaderFromMeta } from '../crds/index.js';
import { runPreview } from './preview.js';
import { loadKernels } from '../kernels/load-node.js';
import { createNodePool } from '../pool/node.js';
import { runDetector1File } from '../pipeline/node.js';
import { simulateToDirectory, writeMiniCrdsCache } from '../sim/node.js';
import { referenceLines, stepTable } from './report.js';

export const demoRequest = {
  instrument: 'nircam',
  detector: 'NRCA1',
  subarray: 'SUB160',
  readpatt: 'RAPID',
  ngroups: 10,
  nints: 2,
  seed: 20261121,
  scene: { background: 30, stars: 12, galaxies: 4, starFlux: [1000, 300000] as [number, number], saturateAtGroups: [0, 4] },
  events: { cosmicRaysPerIntegration: 40, snowballs: 1 },
};
export const demoStem = 'jw00000001001_01101_00001_nrca1';

export async function runDemo(outputDir: string, log: (line: string) => void): Promise<void> {
  const started = performance.now();
  const simulated = await simulateToDirectory(demoRequest, outputDir, demoStem);
  const cache = await writeMiniCrdsCache(join(outputDir, 'crds'), [{ plan: simulated.plan }]);
  log(`simulated ${simulated.uncal} (${simulated.seconds.toFixed(2)} s) and ${cache.references.length} reference files in ${cache.root}`);
  const crds = await openCrdsCache(cache.root, { context: cache.context });

  await loadKernels();
  const pool = await createNodePool({ size: 2, startAll: true });
  try {
    const result = await runDetector1File(simulated.uncal, {
      outputDir,
      selectReference: async (reftype, meta) => {
        const selection = await crds.selectReference(reftype, crdsHeaderFromMeta(meta));
        return selection.status === 'found' ? { path: selection.path!, recorded: `crds://${selection.file}` } : undefined;
      },
      context: { pool, log: (level, message) => level === 'warning' && log(`  warning: ${message}`) },
      rampFitPool: pool,
      sharedProducts: true,
    });
    const [nints, ngroups, ny, nx] = [demoRequest.nints, demoRequest.ngroups, 160, 160];
    log(`detector1: ${nints} x ${ngroups} x ${ny} x ${nx} ramp, 2 workers, ${(performance.now() - started).toFixed(0)} ms in all`);
    for (const line of stepTable(result)) log(line);
    log('references:');
    for (const line of referenceLines(result)) log(line);
    log(`  PRIMECRS ${result.meta.exposure.primaryCosmicRays?.toFixed(3)} cosmic rays /s /Mpixel`);
    if (result.rate) {
      const valid = result.rate.data.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
      log(`  rate: ${valid.length} of ${result.rate.data.length} pixels finite, median ${valid[valid.length >> 1].toFixed(3)} DN/s`);
    }
    for (const [, path] of result.written) log(`wrote ${path}`);
    const rate = result.written.find(([suffix]) => suffix === 'rate');
    if (rate) await runPreview([rate[1], '-o', rate[1].replace(/\.fits$/, '.png')], log);
  } finally {
    await pool.destroy();
  }
}
