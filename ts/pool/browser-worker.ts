/**
 * Web Worker entry of the browser pool. The first message carries the compiled module, which
 * is only instantiated here; every later message is one task, answered with its outcome.
 */
import { instantiateKernels } from '../kernels/module.js';
import type { TileTask } from './pool.js';
import { runTaskHere } from './task-transport.js';
import { warmUpKernels } from './warm-up.js';

/** `warmUp`: this worker warms the kernels up first, for every worker of the pool (see warm-up.ts). */
export type BrowserWorkerMessage = { module: WebAssembly.Module; warmUp?: boolean } | { task: TileTask };

const scope = self as unknown as DedicatedWorkerGlobalScope;

let module: WebAssembly.Module;

scope.addEventListener('message', (event: MessageEvent<BrowserWorkerMessage>) => {
  const message = event.data;
  if ('module' in message) {
    module = message.module;
    if (message.warmUp) {
      instantiateKernels(module);
      warmUpKernels().catch((error: unknown) => console.warn('kernel warm-up failed:', error));
    }
    return;
  }
  const { outcome, transfer } = runTaskHere(message.task, module);
  scope.postMessage(outcome, { transfer });
});
