/** Runtime-neutral public API (re-exports only). Entrypoints add the runtime's kernel loader and pool. */
export * as dq from './dq/index.js';
export * from './io/fits/index.js';
export * from './datamodels/index.js';
export * from './kernels/index.js';
export * from './pool/index.js';
export { packageVersion } from './version.js';
