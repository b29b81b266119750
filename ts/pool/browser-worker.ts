/**
 * Web Worker entry of the browser pool. The first message carries the compiled module, which
 * is only instantiated here; every later message is one task, answered with its outcome.
 */
import type { TileTask } from './pool.js';
import { runTaskHere } from './task-transport.js';

export type BrowserWorkerMessage = { module: WebAssembly.Module } | { task: TileTask };

const scope = self as unknown as DedicatedWorkerGlobalScope;

let module: WebAssembly.Module;

scope.addEventListener('message', (event: MessageEvent<BrowserWorkerMessage>) => {
  const message = event.data;
  if ('module' in message) {
    module = message.module;
    return;
  }
  const { outcome, transfer } = runTaskHere(message.task, module);
  scope.postMessage(outcome, { transfer });
});
