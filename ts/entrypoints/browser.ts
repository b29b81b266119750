/** Browser entrypoint: kernels fetched and compiled once, Web Worker pool; files come as Blobs. */
export * from '../index.js';
export { loadKernels } from '../kernels/load-browser.js';
export { createBrowserPool } from '../pool/browser.js';
