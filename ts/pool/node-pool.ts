/** The Node pool: Piscina worker threads that share one compiled kernel module. */
import { access } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { KernelArray } from '../kernels/arrays.js';
import { loadKernels } from '../kernels/load-node.js';
import type { NodeWorkerData } from './node-worker.js';
import { resolvePoolOptions, type PoolOptions } from './pool-options.js';
import type { KernelPool, TileTask } from './pool.js';
import { outputsOf, rebuildError, transferablesOf, type SerializedError, type TaskOutcome } from './task-transport.js';
import type { BorderTask, ChainResult, ChainTask, RefpixGroupsTask } from './chain-band.js';

export type NodePoolOptions = PoolOptions;

type Balancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>['loadBalancer']>;

/**
 * Chain bands queued on the workers: a worker running a band of a chain is given the next
 * band of the same chain to start as soon as it is done, rather than waiting for this thread
 * to hear it is done and send one (~1 ms a band on two busy cores). Other tasks go to idle
 * workers only, as with Piscina's balancer. Bands of one chain share its abort signal: an
 * abort, which terminates the worker, fails both for the same reason.
 */
export class QueuedBands {
  #next = 0;
  /** Each band's chain, by its id, until it settles. */
  readonly #chains = new Map<number, object>();
  /** The chain whose bands each worker has run since it was last given a task idle. */
  readonly #running = new Map<number, object>();

  /** Marks `task` as a band of `chain`: its id, for `done`. */
  mark(task: object, chain: object): number {
    const id = this.#next++;
    this.#chains.set(id, chain);
    (task as Record<symbol, unknown>)[Piscina.queueOptionsSymbol] = { band: id };
    return id;
  }

  /** The band has settled (run, failed or aborted); the chain is forgotten with its last band. */
  done(id: number): void {
    const chain = this.#chains.get(id);
    this.#chains.delete(id);
    if ([...this.#chains.values()].includes(chain!)) return;
    for (const [worker, running] of this.#running) if (running === chain) this.#running.delete(worker);
  }

  readonly balancer: Balancer = (task, workers) => {
    const band = ((task as unknown as Record<symbol, unknown>)[Piscina.queueOptionsSymbol] as { band?: number } | null)?.band;
    const chain = band === undefined ? undefined : this.#chains.get(band);
    const idle = workers.find((worker) => worker.currentUsage === 0);
    if (idle) {
      if (chain) this.#running.set(idle.id, chain);
      else this.#running.delete(idle.id);
      return idle;
    }
    // Behind a worker's one running task (Piscina counts an abortable one as Infinity) when the
    // worker has run only bands of this chain since it was given a task idle.
    return (chain && workers.find((worker) => worker.currentUsage === Infinity && this.#running.get(worker.id) === chain)) || null;
  };
}

/**
 * Piscina runs workers from a JS file: the compiled one next to this module, named from the
 * pool directory so that the CLI's bundle (a chunk in dist/cli/, scripts/bundle-node.mjs) finds it too.
 */
async function locateWorkerFile(): Promise<string> {
  const file = fileURLToPath(new URL('../pool/node-worker.js', import.meta.url));
  try {
    await access(file);
  } catch {
    throw new Error(
      `createNodePool: worker entry ${file} does not exist. Worker threads run compiled JavaScript: ` +
        'build the package (`make build` or `npx tsc -p tsconfig.json`) and import createNodePool from dist/.',
    );
  }
  return file;
}

export async function createNodePool(options: NodePoolOptions = {}): Promise<KernelPool> {
  const { size, idleTimeout } = resolvePoolOptions(options, availableParallelism());
  const filename = await locateWorkerFile();
  const workerData: NodeWorkerData = { module: options.module ?? (await loadKernels()) };
  const minThreads = options.startAll ? size : 1;
  const queued = new QueuedBands();
  const piscina = new Piscina({
    filename,
    workerData,
    // One resident worker: with none, Piscina starts no replacement when an abort terminates the
    // last worker, and queued tasks would wait forever. The others exit when idle.
    minThreads,
    maxThreads: size,
    idleTimeout,
    // A chain band may wait on a worker behind another band of the same chain (QueuedBands).
    concurrentTasksPerWorker: 2,
    loadBalancer: queued.balancer,
  });

  // Runs not yet settled, each with a way to fail it if Piscina strands it.
  const pending = new Set<AbortController>();
  // Once workers fail to start, Piscina starts no more for queued tasks, and tells at most with
  // an 'error' event (also emitted, harmlessly, for a reply from a worker an abort is ending).
  const failIfStranded = (error: unknown) => {
    if (piscina.threads.length === 0) for (const stranded of pending) stranded.abort(error);
  };
  piscina.on('error', failIfStranded);

  let destroyed = false;
  const destroyedError = () => new Error('the kernel pool has been destroyed');

  // Node 20 aborts the process when a worker is terminated while it loads its modules ("v8::
  // Module::IsGraphAsync must be used on an instantiated module", 1 run in 20 of a CLI failing at
  // once): destroy() waits until the workers started here have answered a first, empty task.
  let booted: Promise<unknown> = Promise.resolve();
  /** Runs `task` on a worker (the default export, or `name`), failing it when Piscina strands it. */
  const dispatch = async (task: TileTask | ChainTask | BorderTask | RefpixGroupsTask | null, options: { name?: string; transferList?: ArrayBuffer[] }, signal?: AbortSignal, chain?: object): Promise<unknown> => {
    // Piscina would start new workers after destroy().
    if (destroyed) throw destroyedError();
    const stranded = new AbortController();
    pending.add(stranded);
    const band = chain && task ? queued.mark(task, chain) : undefined;
    try {
      return await piscina.run(task, { ...options, signal: signal ? AbortSignal.any([signal, stranded.signal]) : stranded.signal });
    } catch (error) {
      // Piscina wraps aborts in its own AbortError: give the reason, as `signal.throwIfAborted()` does.
      if (signal?.aborted) throw signal.reason;
      if (destroyed) throw destroyedError();
      failIfStranded(error);
      throw stranded.signal.aborted ? stranded.signal.reason : error;
    } finally {
      pending.delete(stranded);
      if (band !== undefined) queued.done(band);
    }
  };
  /** A named task's result, or its error rebuilt. */
  const resultOf = <T>(outcome: unknown): T => {
    if (destroyed) throw destroyedError();
    const reply = outcome as { result: T } | { error: SerializedError };
    if ('error' in reply) throw rebuildError(reply.error);
    return reply.result;
  };
  const pool: KernelPool = {
    size,
    async run(task: TileTask, signal?: AbortSignal): Promise<Record<string, KernelArray>> {
      const outcome = (await dispatch(task, { transferList: transferablesOf(task.arrays) }, signal)) as TaskOutcome;
      // Runs pending when destroy() was called fail, also those that ran while it waited for the boot.
      if (destroyed) throw destroyedError();
      return outputsOf(outcome, task);
    },
    async runChain(task: ChainTask, signal?: AbortSignal): Promise<ChainResult> {
      return resultOf<ChainResult>(await dispatch(task, { name: 'runChain' }, signal, task.plan));
    },
    async runBorder(task: BorderTask, signal?: AbortSignal): Promise<void> {
      resultOf<true>(await dispatch(task, { name: 'runBorder' }, signal));
    },
    async runRefpixGroups(task: RefpixGroupsTask, signal?: AbortSignal): Promise<void> {
      resultOf<true>(await dispatch(task, { name: 'runRefpixGroups' }, signal));
    },
    async destroy() {
      destroyed = true;
      await booted;
      return piscina.destroy();
    },
  };
  const ping = (): TileTask => ({ kernel: 'groupScale', arrays: { data: new Float32Array(1) }, shape: { nints: 1, ngroups: 1, rows: 1, cols: 1 }, params: { scale: 1 } });
  // One worker warms the kernels up (for every thread: see warm-up.ts) while the others answer a ping.
  booted = Promise.allSettled([dispatch(null, { name: 'warmUp' }), ...Array.from({ length: minThreads - 1 }, () => pool.run(ping()))]);
  return pool;
}
