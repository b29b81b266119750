/**
 * Our pipeline on a bench manifest (`{ uncal, crds, context }`) as `detector1 run` runs it: the
 * kernels compiled, the CRDS cache opened and every worker started at once, then
 * `runDetector1File` by the chain where it can (`mode`: 'auto', 'banded' or 'whole').
 * Shared by bench/pipeline.mjs (one run a process) and bench/warm-runs.mjs (several).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function loadOurPipeline(manifestPath, workers, mode = 'auto') {
  const info = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const { loadKernels } = await import(join(root, 'dist/kernels/load-node.js'));
  const { createNodePool } = await import(join(root, 'dist/pool/node.js'));
  const { runDetector1File } = await import(join(root, 'dist/pipeline/node.js'));
  const { openCrdsCache } = await import(join(root, 'dist/crds/node.js'));
  const { crdsHeaderFromMeta } = await import(join(root, 'dist/crds/index.js'));
  return {
    /** Compiles the kernels, opens the cache, starts the pool (a run's clock starts before this). */
    async start() {
      await loadKernels();
      const cache = await openCrdsCache(info.crds, { context: info.context });
      // As the CLI starts it: every worker at once.
      const pool = workers > 0 ? await createNodePool({ size: workers, startAll: true }) : undefined;
      return {
        run: (outputDir) =>
          runDetector1File(info.uncal, {
            outputDir,
            selectReference: async (reftype, meta) => {
              const selection = await cache.selectReference(reftype, crdsHeaderFromMeta(meta));
              return selection.status === 'found' ? { path: selection.path, recorded: `crds://${selection.file}` } : undefined;
            },
            context: { pool },
            rampFitPool: pool,
            // As the CLI runs it (one exposure per process).
            sharedProducts: true,
            banded: mode === 'banded' ? true : mode === 'whole' ? false : undefined,
          }),
        stop: () => pool?.destroy(),
      };
    },
  };
}
