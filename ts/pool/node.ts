/** Node-only: a pool on Piscina worker threads. Imports node: modules and piscina. */
export { createNodePool, type NodePoolOptions } from './node-pool.js';
export * from './index.js';
