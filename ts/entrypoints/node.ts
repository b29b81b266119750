/** Node entrypoint: kernels loaded from the package's .wasm file, Piscina worker pool, file helpers. */
export * from '../index.js';
export { loadKernels } from '../kernels/load-node.js';
export { createNodePool, type NodePoolOptions } from '../pool/node.js';
export { openFileSource, readFits, writeFileAtomic, writeFitsFile, AtomicFileSink } from '../io/fits/node.js';
export { openFits, openRamp, readRamp, readModelFile, writeModel } from '../datamodels/node.js';
export { simulateToDirectory, writeMiniCrdsCache, type SimulatedFiles } from '../sim/node.js';
export { runDetector1File, productRoot, type Detector1FileOptions, type Detector1FileResult } from '../pipeline/node.js';
export { FileSpill } from '../pipeline/spill-node.js';
export { openCrdsCache } from '../crds/node.js';
