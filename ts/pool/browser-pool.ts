/**
 * The browser pool: module Web Workers that each instantiate the one compiled kernel module.
 * Wasm cannot be interrupted, so aborting a running task terminates its worker; idle workers
 * are terminated too, since a wasm heap never shrinks. Workers start on demand.
 */
import type { KernelArray } from '../kernels/arrays.js';
import { loadKernels } from '../kernels/load-browser.js';
import type { BrowserWorkerMessage } from './browser-worker.js';
import { resolvePoolOptions, type PoolOptions } from './pool-options.js';
import type { KernelPool, TileTask } from './pool.js';
import { outputsOf, transferablesOf, type TaskOutcome } from './task-transport.js';

export type BrowserPoolOptions = PoolOptions;

interface Job {
  task: TileTask;
  signal?: AbortSignal;
  resolve(outputs: Record<string, KernelArray>): void;
  reject(error: unknown): void;
  onAbort(): void;
}

interface PoolWorker {
  worker: Worker;
  job?: Job;
  idleTimer?: ReturnType<typeof setTimeout>;
}

export async function createBrowserPool(options: BrowserPoolOptions = {}): Promise<KernelPool> {
  const { size, idleTimeout } = resolvePoolOptions(options, navigator.hardwareConcurrency || 1);
  return new BrowserKernelPool(size, options.module ?? (await loadKernels()), idleTimeout);
}

class BrowserKernelPool implements KernelPool {
  readonly #module: WebAssembly.Module;
  readonly #idleTimeout: number;
  readonly #workers = new Set<PoolWorker>();
  readonly #idle: PoolWorker[] = [];
  readonly #queue: Job[] = [];
  #destroyed = false;
  #warmedUp = false;

  constructor(
    readonly size: number,
    module: WebAssembly.Module,
    idleTimeout: number,
  ) {
    this.#module = module;
    this.#idleTimeout = idleTimeout;
  }

  run(task: TileTask, signal?: AbortSignal): Promise<Record<string, KernelArray>> {
    if (this.#destroyed) return Promise.reject(new Error('the kernel pool has been destroyed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const job: Job = { task, signal, resolve, reject, onAbort: () => this.#abort(job) };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    const error = new Error('the kernel pool has been destroyed');
    for (const job of this.#queue.splice(0)) this.#release(job).reject(error);
    for (const poolWorker of [...this.#workers]) {
      const { job } = poolWorker;
      this.#retire(poolWorker);
      if (job) this.#release(job).reject(error);
    }
  }

  /** Hands queued jobs to idle workers, starting workers up to `size`. */
  #dispatch(): void {
    while (this.#queue.length > 0) {
      const poolWorker = this.#idle.pop() ?? (this.#workers.size < this.size ? this.#spawn() : undefined);
      if (!poolWorker) return;
      clearTimeout(poolWorker.idleTimer);
      const job = this.#queue.shift()!;
      poolWorker.job = job;
      const message: BrowserWorkerMessage = { task: job.task };
      poolWorker.worker.postMessage(message, transferablesOf(job.task.arrays));
    }
  }

  #spawn(): PoolWorker {
    // Written out for bundlers (vite, webpack), which recognise this exact pattern. Vite serves
    // browser-worker.ts for the .js name; from dist/ it is the compiled file next to this one.
    const worker = new Worker(new URL('./browser-worker.js', import.meta.url), { type: 'module' });
    const poolWorker: PoolWorker = { worker };
    worker.addEventListener('message', (event: MessageEvent<TaskOutcome>) => this.#finish(poolWorker, event.data));
    worker.addEventListener('error', (event) => {
      // Handled here: the failure goes to the task's caller, not to the page's error handler.
      event.preventDefault();
      this.#fail(poolWorker, event.message);
    });
    worker.addEventListener('messageerror', () => this.#fail(poolWorker, 'a message could not be decoded'));
    // The pool's first worker warms the kernels up for all (the compiled code stays with the module).
    const init: BrowserWorkerMessage = { module: this.#module, warmUp: !this.#warmedUp };
    this.#warmedUp = true;
    worker.postMessage(init);
    this.#workers.add(poolWorker);
    return poolWorker;
  }

  #finish(poolWorker: PoolWorker, outcome: TaskOutcome): void {
    // A reply already queued when an abort terminated its worker belongs to a settled task.
    if (!this.#workers.has(poolWorker)) return;
    const job = poolWorker.job!;
    poolWorker.job = undefined;
    this.#release(job);
    try {
      job.resolve(outputsOf(outcome, job.task));
    } catch (error) {
      job.reject(error);
    }
    this.#idle.push(poolWorker);
    if (this.#idleTimeout !== Infinity) {
      poolWorker.idleTimer = setTimeout(() => this.#retire(poolWorker), this.#idleTimeout);
    }
    this.#dispatch();
  }

  /** A worker that failed to load, or threw outside a task, is dropped and its task fails. */
  #fail(poolWorker: PoolWorker, reason: string | undefined): void {
    const { job } = poolWorker;
    this.#retire(poolWorker);
    // A script that fails to load gives an error event without a message.
    const detail = reason || 'it could not load browser-worker.js (is it served next to browser-pool.js?)';
    if (job) this.#release(job).reject(new Error(`kernel worker failed: ${detail}`));
    this.#dispatch();
  }

  #abort(job: Job): void {
    const queuedAt = this.#queue.indexOf(job);
    if (queuedAt >= 0) {
      this.#queue.splice(queuedAt, 1);
    } else {
      const running = [...this.#workers].find((poolWorker) => poolWorker.job === job);
      if (running) this.#retire(running);
    }
    this.#release(job).reject(job.signal!.reason);
    this.#dispatch();
  }

  /** Detaches the job from its signal before it settles. */
  #release(job: Job): Job {
    job.signal?.removeEventListener('abort', job.onAbort);
    return job;
  }

  /** Terminating is the only way to stop a running wasm call, and it frees the worker's heap. */
  #retire(poolWorker: PoolWorker): void {
    clearTimeout(poolWorker.idleTimer);
    poolWorker.worker.terminate();
    this.#workers.delete(poolWorker);
    const idleAt = this.#idle.indexOf(poolWorker);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
  }
}
