/**
 * The Web Worker pool in headless Chromium. Vite serves ts/ as is, including the worker
 * (`new URL('./browser-worker.js', import.meta.url)` resolves to browser-worker.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { KernelShapeError, KernelTypeError } from '../../ts/kernels/errors.js';
import { loadKernels } from '../../ts/kernels/load-browser.js';
import { createBrowserPool, runTiled, type KernelPool } from '../../ts/pool/browser.js';
import { copyOf, outputBytes, superbiasTile, unevenTile } from '../unit/pool/superbias-tile.js';

/** Records the workers the pool starts, what it posts them and whether it terminates them. */
class RecordingWorker extends Worker {
  static started: RecordingWorker[] = [];
  modulesPosted = 0;
  terminated = false;

  constructor(url: string | URL, options?: WorkerOptions) {
    super(url, options);
    RecordingWorker.started.push(this);
  }

  override postMessage(message: unknown, transfer: Transferable[] | StructuredSerializeOptions = []): void {
    if (typeof message === 'object' && message !== null && 'module' in message) this.modulesPosted++;
    super.postMessage(message, transfer as Transferable[]);
  }

  override terminate(): void {
    this.terminated = true;
    super.terminate();
  }
}

const input = superbiasTile(unevenTile, 11);
const task = () => ({ kernel: 'superbias' as const, arrays: { ...copyOf(input) }, shape: unevenTile });
let inThread: ReturnType<typeof outputBytes>;
let pool: KernelPool | undefined;

beforeAll(async () => {
  await loadKernels();
  const arrays = copyOf(input);
  await runTiled(undefined, 'superbias', { ...arrays }, unevenTile);
  inThread = outputBytes(arrays);
  expect(inThread.data).not.toEqual(outputBytes(input).data);
});

describe('createBrowserPool', () => {
  beforeAll(() => {
    vi.stubGlobal('Worker', RecordingWorker);
  });

  afterAll(() => {
    vi.unstubAllGlobals();
  });

  afterEach(async () => {
    await pool?.destroy();
    RecordingWorker.started = [];
  });

  it('gives the in-thread result bit for bit with 2 workers, uneven last band', async () => {
    const compile = vi.spyOn(WebAssembly, 'compile');
    const compileStreaming = vi.spyOn(WebAssembly, 'compileStreaming');
    pool = await createBrowserPool({ size: 2 });
    expect(pool.size).toBe(2);
    for (const maxBandRows of [undefined, 3]) {
      const arrays = copyOf(input);
      await runTiled(pool, 'superbias', { ...arrays }, unevenTile, { maxBandRows });
      expect(outputBytes(arrays), `maxBandRows ${maxBandRows}`).toEqual(inThread);
    }
    // Two workers, each handed the page's compiled module once; nothing compiled again here.
    expect(RecordingWorker.started).toHaveLength(2);
    expect(RecordingWorker.started.map((worker) => worker.modulesPosted)).toEqual([1, 1]);
    expect(compile).not.toHaveBeenCalled();
    expect(compileStreaming).not.toHaveBeenCalled();
    compile.mockRestore();
    compileStreaming.mockRestore();
  });

  it('transfers task arrays to the worker instead of copying them', async () => {
    pool = await createBrowserPool({ size: 1 });
    const sent = task();
    const outputs = await pool.run(sent);
    for (const array of Object.values(sent.arrays)) expect(array.byteLength).toBe(0);
    expect(outputBytes(outputs)).toEqual(inThread);
  });

  it('rejects wrong arrays with the kernel error classes, naming the argument', async () => {
    pool = await createBrowserPool({ size: 2 });
    const wrongShape = { ...copyOf(input), bias: new Float32Array(5) };
    const shapeError = await pool.run({ ...task(), arrays: wrongShape }).catch((e: unknown) => e);
    expect(shapeError).toBeInstanceOf(KernelShapeError);
    expect(shapeError).toMatchObject({ name: 'KernelShapeError', code: 'shape_mismatch' });
    expect((shapeError as Error).message).toContain('argument `bias` has 5 elements');

    const wrongType = { ...copyOf(input), biasDq: new Int32Array(37 * 19) as never };
    const typeError = await pool.run({ ...task(), arrays: wrongType }).catch((e: unknown) => e);
    expect(typeError).toBeInstanceOf(KernelTypeError);
    expect((typeError as Error).message).toContain('argument `biasDq` must be a Uint32Array');

    // The worker that reported the error is still in use.
    expect(RecordingWorker.started.some((worker) => worker.terminated)).toBe(false);
    expect(outputBytes(await pool.run(task()))).toEqual(inThread);
  });

  it('aborts a queued task in place and a running one by replacing its worker', async () => {
    pool = await createBrowserPool({ size: 1 });
    await pool.run(task());
    const [first] = RecordingWorker.started;

    await expect(pool.run(task(), AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });

    const runningAbort = new AbortController();
    const queuedAbort = new AbortController();
    const running = pool.run(task(), runningAbort.signal);
    const queued = pool.run(task(), queuedAbort.signal);
    const next = pool.run(task());
    queuedAbort.abort();
    expect(first.terminated).toBe(false);
    runningAbort.abort();
    // Wasm cannot be interrupted: the worker running the task is terminated and replaced.
    expect(first.terminated).toBe(true);
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    expect(outputBytes(await next)).toEqual(inThread);
    expect(RecordingWorker.started).toHaveLength(2);
    expect(RecordingWorker.started[1].modulesPosted).toBe(1);

    const tiledAbort = new AbortController();
    const options = { maxBandRows: 1, signal: tiledAbort.signal };
    const tiled = runTiled(pool, 'superbias', { ...copyOf(input) }, unevenTile, options);
    tiledAbort.abort();
    await expect(tiled).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('terminates idle workers and starts new ones on demand', async () => {
    pool = await createBrowserPool({ size: 1, idleTimeout: 20 });
    await pool.run(task());
    await vi.waitFor(() => expect(RecordingWorker.started[0].terminated).toBe(true));
    expect(outputBytes(await pool.run(task()))).toEqual(inThread);
    expect(RecordingWorker.started).toHaveLength(2);
  });

  it('destroy() terminates every worker and rejects pending tasks', async () => {
    pool = await createBrowserPool({ size: 2 });
    const runs = [task(), task(), task()].map((sent) => pool!.run(sent).catch((e: unknown) => e));
    await pool.destroy();
    for (const run of runs) expect(await run).toMatchObject({ message: 'the kernel pool has been destroyed' });
    expect(RecordingWorker.started.every((worker) => worker.terminated)).toBe(true);
    await expect(pool.run(task())).rejects.toThrow('destroyed');
  });
});
