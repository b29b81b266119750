/** Browser-only: a pool on module Web Workers. */
export { createBrowserPool, type BrowserPoolOptions } from './browser-pool.js';
export * from './index.js';
