/** Runtime-neutral pool API. Pools live in ./node.js (Piscina) and ./browser.js (Web Workers). */
export { runTiled, type KernelPool, type TileTask, type TiledOptions } from './pool.js';
export { planRowBands, cutBand, pasteBand, type RowBand } from './plan.js';
