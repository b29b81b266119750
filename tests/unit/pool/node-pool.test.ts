/**
 * The Piscina pool. Workers run compiled JavaScript, so everything here is imported from dist/
 * (`make test` builds it first); error classes come from dist/ too, for `instanceof`.
 */
import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as KernelsApi from '../../../ts/kernels/index.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import type { KernelArray } from '../../../ts/kernels/arrays.js';
import type { KernelPool, TileTask } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import { bytesOf, copyOf, outputBytes, superbiasTile, unevenTile } from './superbias-tile.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

let pools: typeof PoolApi;
let kernels: typeof KernelsApi;
let loader: typeof LoaderApi;
const openPools: KernelPool[] = [];

const input = superbiasTile(unevenTile, 1);
let inThread: ReturnType<typeof outputBytes>;

/** A superbias task on the whole tile: a copy of `input`, or `arrays`. */
function task(arrays: TileTask['arrays'] = { ...copyOf(input) }): TileTask {
  return { kernel: 'superbias', arrays, shape: unevenTile };
}

async function pool(size: number): Promise<KernelPool> {
  const created = await pools.createNodePool({ size });
  openPools.push(created);
  return created;
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/pool/node-worker.js'))) {
    execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
  }
  pools = await import(join(root, 'dist/pool/node.js'));
  kernels = await import(join(root, 'dist/kernels/index.js'));
  loader = await import(join(root, 'dist/kernels/load-node.js'));
  await loader.loadKernels();

  const arrays = copyOf(input);
  await pools.runTiled(undefined, 'superbias', { ...arrays }, unevenTile);
  inThread = outputBytes(arrays);
  // The kernel changed every output, so a band that is not pasted back cannot go unnoticed.
  expect(inThread.data).not.toEqual(outputBytes(input).data);
  expect(inThread.zeroframe).not.toEqual(outputBytes(input).zeroframe);
  expect(inThread.pixeldq).not.toEqual(outputBytes(input).pixeldq);
});

afterAll(async () => {
  await Promise.all(openPools.map((open) => open.destroy()));
});

describe('createNodePool', () => {
  for (const size of [1, 2, 3]) {
    it(`gives the in-thread result bit for bit with ${size} worker(s), uneven last band`, async () => {
      const workers = await pool(size);
      expect(workers.size).toBe(size);
      const arrays = copyOf(input);
      await pools.runTiled(workers, 'superbias', { ...arrays }, unevenTile);
      expect(outputBytes(arrays)).toEqual(inThread);
    });
  }

  it('gives the same bits with many bands (maxBandRows 1, 2 and 5)', async () => {
    const workers = await pool(3);
    for (const maxBandRows of [1, 2, 5]) {
      const arrays = copyOf(input);
      await pools.runTiled(workers, 'superbias', { ...arrays }, unevenTile, { maxBandRows });
      expect(outputBytes(arrays), `maxBandRows ${maxBandRows}`).toEqual(inThread);
    }
  });

  it('gives the same bits window by window, with the reference planes cut to each window', async () => {
    // Windows of 7 rows (the last of 2), each run with only its rows of bias and biasDq; all
    // arrays plain or shared (the workers then cut them, the window's by the window's rows).
    const run = async (workers: KernelPool | undefined, shared: boolean) => {
      const arrays = copyOf(input);
      if (shared) {
        for (const key of ['data', 'zeroframe', 'pixeldq'] as const) {
          const source = arrays[key]!;
          const copy = kernels.allocShared(source.constructor as never, source.length) as typeof source;
          copy.set(source as never);
          Object.assign(arrays, { [key]: copy });
        }
      }
      for (const band of pools.planRowBands(unevenTile.rows, { maxRows: 7 })) {
        const rows = (array: KernelArray) => {
          const cut = array.slice(band.row0 * unevenTile.cols, (band.row0 + band.rows) * unevenTile.cols);
          if (!shared) return cut;
          const copy = kernels.allocShared(cut.constructor as never, cut.length) as typeof cut;
          copy.set(cut as never);
          return copy;
        };
        await pools.runTiled(workers, 'superbias', { ...arrays, bias: rows(input.bias), biasDq: rows(input.biasDq) }, unevenTile, {
          maxBandRows: 3,
          window: { ...band, arrays: ['bias', 'biasDq'] },
        });
      }
      return outputBytes(arrays);
    };
    expect(await run(undefined, false), 'in this thread').toEqual(inThread);
    for (const size of [1, 2, 3]) {
      const workers = await pool(size);
      for (const shared of [false, true]) expect(await run(workers, shared), `${size} workers, shared ${shared}`).toEqual(inThread);
    }
  });

  it('gives the same bits window by window for stacked planes (linearity coefficients), shared or not', async () => {
    // Windows from row 0 too: a window's stack is cut by the window's rows, not the tile's.
    const shape = { nints: 1, ngroups: 3, rows: 19, cols: 5, planes: 3 };
    const plane = shape.rows * shape.cols;
    const ramp = () => ({
      data: Float32Array.from({ length: shape.ngroups * plane }, (_, i) => ((i * 37) % 101) * 9.5),
      pixeldq: new Uint32Array(plane),
      groupdq: new Uint8Array(shape.ngroups * plane),
    });
    const coeffs = Float32Array.from({ length: shape.planes * plane }, (_, i) => [0.5, 1.01, 2e-6][Math.floor(i / plane)] * (1 + (i % plane) / 1000));
    const linDq = new Uint32Array(plane);
    const whole = ramp();
    await pools.runTiled(undefined, 'linearity', { ...whole, coeffs, linDq }, shape, { params: { nframes: 1 } });
    for (const size of [1, 2]) {
      const workers = await pool(size);
      for (const shared of [false, true]) {
        const arrays = ramp();
        for (const key of ['data', 'pixeldq', 'groupdq'] as const) {
          const copy = kernels.allocShared(arrays[key].constructor as never, arrays[key].length) as never as typeof arrays.data;
          copy.set(arrays[key] as never);
          Object.assign(arrays, { [key]: copy });
        }
        for (const window of pools.planRowBands(shape.rows, { maxRows: 8 })) {
          const rows = <T extends Float32Array | Uint32Array>(array: T, planes: number): T => {
            const cut = Array.from({ length: planes }, (_, p) => [...array.subarray(p * plane + window.row0 * shape.cols, p * plane + (window.row0 + window.rows) * shape.cols)]).flat();
            const out = shared ? (kernels.allocShared(array.constructor as never, cut.length) as never as T) : (new (array.constructor as new (n: number) => T)(cut.length));
            out.set(cut);
            return out;
          };
          await pools.runTiled(workers, 'linearity', { ...arrays, coeffs: rows(coeffs, 3), linDq: rows(linDq, 1) }, shape, {
            maxBandRows: 2,
            params: { nframes: 1 },
            window: { ...window, arrays: ['coeffs', 'linDq'] },
          });
        }
        expect([...arrays.data], `${size} workers, shared ${shared}`).toEqual([...whole.data]);
      }
    }
  });

  it('refuses a window outside the rows, with a halo, or over an output', async () => {
    const arrays = copyOf(input);
    const window = (row0: number, rows: number, names: string[], halo?: number) =>
      pools.runTiled(undefined, 'superbias', { ...arrays }, unevenTile, { halo, window: { row0, rows, arrays: names } });
    await expect(window(30, 8, ['bias'])).rejects.toThrow('superbias: window rows [30, 38) are not within the 37 rows');
    await expect(window(0, 37, ['bias'], 1)).rejects.toThrow('a row window takes no halo');
    await expect(window(0, 37, ['data'])).rejects.toThrow('window array "data" is an output');
    // A windowed array of the full height is the wrong size for a shorter window.
    await expect(window(0, 5, ['bias'])).rejects.toBeInstanceOf(kernels.KernelShapeError);
  });

  it('gives the same bits with a reference plane in file byte order (bigEndian), on every path', async () => {
    // Some host values whose reversed bytes read as NaNs (signalling and quiet): a copy through
    // a float register would change them.
    const hostBias = input.bias.slice();
    hostBias.set(new Float32Array(new Uint32Array([0x0100807f, 0x0000c07f, 0x0300a0ff]).buffer), 5);
    const reversed = (array: Float32Array, shared: boolean) => {
      const out = shared ? (kernels.allocShared(Float32Array, array.length) as Float32Array) : new Float32Array(array.length);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      array.forEach((value, i) => view.setFloat32(4 * i, value, false));
      return out;
    };
    const expected = copyOf({ ...input, bias: hostBias });
    await pools.runTiled(undefined, 'superbias', { ...expected }, unevenTile);
    const run = async (workers: KernelPool | undefined, shared: boolean, maxBandRows?: number) => {
      const arrays = copyOf(input);
      for (const key of shared ? (['data', 'zeroframe', 'pixeldq'] as const) : []) {
        const copy = kernels.allocShared(arrays[key]!.constructor as never, arrays[key]!.length) as never as Float32Array;
        copy.set(arrays[key] as never);
        Object.assign(arrays, { [key]: copy });
      }
      const bias = reversed(hostBias, shared);
      const before = bytesOf(bias);
      await pools.runTiled(workers, 'superbias', { ...arrays, bias }, unevenTile, { bigEndian: ['bias'], maxBandRows });
      // The caller's plane stays in file order.
      expect(bytesOf(bias)).toEqual(before);
      return outputBytes(arrays);
    };
    expect(await run(undefined, false), 'in this thread').toEqual(outputBytes(expected));
    expect(await run(undefined, false, 4), 'in this thread, bands').toEqual(outputBytes(expected));
    for (const size of [1, 2]) {
      const workers = await pool(size);
      for (const shared of [false, true]) {
        for (const maxBandRows of [undefined, 3]) {
          expect(await run(workers, shared, maxBandRows), `${size} workers, shared ${shared}, maxBandRows ${maxBandRows}`).toEqual(outputBytes(expected));
        }
      }
    }
    await expect(pools.runTiled(undefined, 'superbias', { ...copyOf(input) }, unevenTile, { bigEndian: ['data'] })).rejects.toThrow(
      'superbias: big-endian array "data" must be a float32 or uint32 input of the kernel',
    );
  });

  it('gives the same flags with a reference DQ as its file stores it (storedDq), on every path', async () => {
    // One table that masks (each defined bit its own flag), one that moves bits elsewhere.
    const masking = Uint32Array.from({ length: 32 }, (_, bit) => (bit % 3 === 0 ? 0 : 2 ** bit));
    const moving = Uint32Array.from({ length: 32 }, (_, bit) => (bit % 5 === 0 ? 0 : (2 ** ((bit * 7) % 32) | 1) >>> 0));
    const storedWords = (words: Uint32Array, unsigned: boolean, shared: boolean) => {
      const out = shared ? (kernels.allocShared(Uint32Array, words.length) as Uint32Array) : new Uint32Array(words.length);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      words.forEach((word, i) => view.setUint32(4 * i, (word ^ (unsigned ? 0x80000000 : 0)) >>> 0, false));
      return out;
    };
    const translate = (words: Uint32Array, bitFlags: Uint32Array) =>
      words.map((word) => bitFlags.reduce((flags, value, bit) => ((word >>> bit) & 1 ? (flags | value) >>> 0 : flags), 0));
    for (const bitFlags of [masking, moving]) {
      for (const unsigned of [false, true]) {
        const expected = copyOf({ ...input, biasDq: translate(input.biasDq, bitFlags) });
        await pools.runTiled(undefined, 'superbias', { ...expected }, unevenTile);
        const run = async (workers: KernelPool | undefined, shared: boolean, maxBandRows?: number) => {
          const arrays = copyOf(input);
          for (const key of shared ? (['data', 'zeroframe', 'pixeldq', 'bias'] as const) : []) {
            const copy = kernels.allocShared(arrays[key]!.constructor as never, arrays[key]!.length) as never as Float32Array;
            copy.set(arrays[key] as never);
            Object.assign(arrays, { [key]: copy });
          }
          const biasDq = storedWords(input.biasDq, unsigned, shared);
          const before = bytesOf(biasDq);
          await pools.runTiled(workers, 'superbias', { ...arrays, biasDq }, unevenTile, { storedDq: { biasDq: { unsigned, bitFlags } }, maxBandRows });
          // The caller's array stays as the file stores it.
          expect(bytesOf(biasDq)).toEqual(before);
          return outputBytes(arrays);
        };
        const label = `${bitFlags === masking ? 'masking' : 'moving'} table, unsigned ${unsigned}`;
        expect(await run(undefined, false), `${label}, in this thread`).toEqual(outputBytes(expected));
        expect(await run(undefined, false, 4), `${label}, in this thread, bands`).toEqual(outputBytes(expected));
        for (const size of [1, 2]) {
          const workers = await pool(size);
          for (const shared of [false, true]) {
            for (const maxBandRows of [undefined, 3]) {
              expect(await run(workers, shared, maxBandRows), `${label}, ${size} workers, shared ${shared}, maxBandRows ${maxBandRows}`).toEqual(outputBytes(expected));
            }
          }
        }
      }
    }
    await expect(pools.runTiled(undefined, 'superbias', { ...copyOf(input) }, unevenTile, { storedDq: { pixeldq: { unsigned: false, bitFlags: masking } } })).rejects.toThrow(
      'superbias: stored DQ array "pixeldq" must be a uint32 input of the kernel',
    );
  });

  it('gives the same bits without the optional ZEROFRAME', async () => {
    const noZeroframe = superbiasTile(unevenTile, 2, false);
    const expected = copyOf(noZeroframe);
    await pools.runTiled(undefined, 'superbias', { ...expected }, unevenTile);
    const arrays = copyOf(noZeroframe);
    await pools.runTiled(await pool(2), 'superbias', { ...arrays }, unevenTile);
    expect(outputBytes(arrays)).toEqual(outputBytes(expected));
  });

  it('transfers task arrays to the worker instead of copying them', async () => {
    const workers = await pool(1);
    const sent = task();
    const outputs = await workers.run(sent);
    // A transferred buffer is detached on the sending side; a cloned one would still hold its data.
    for (const array of Object.values(sent.arrays)) expect(array!.byteLength).toBe(0);
    expect(Object.keys(outputs).sort()).toEqual(['data', 'pixeldq', 'zeroframe']);
    expect(outputBytes(outputs)).toEqual(inThread);
  });

  it('rejects a wrong-shape array with KernelShapeError naming the argument', async () => {
    const workers = await pool(2);
    // Sent as is: the worker's check fails and the error crosses back with its class.
    const wrongShape = { ...copyOf(input), bias: new Float32Array(5) };
    const shapeError = await workers.run(task(wrongShape)).catch((e: unknown) => e);
    expect(shapeError).toBeInstanceOf(kernels.KernelShapeError);
    expect(shapeError).toMatchObject({ name: 'KernelShapeError', code: 'shape_mismatch' });
    expect((shapeError as Error).message).toContain('argument `bias` has 5 elements');

    const wrongType = { ...copyOf(input), pixeldq: new Float32Array(37 * 19) };
    const typeError = await workers.run(task(wrongType)).catch((e: unknown) => e);
    expect(typeError).toBeInstanceOf(kernels.KernelTypeError);
    expect((typeError as Error).message).toContain('argument `pixeldq` must be a Uint32Array');

    // Through runTiled the full arrays are checked before cutting, which would pad a short array.
    const arrays = { ...copyOf(input), pixeldq: new Uint32Array(37 * 19 - 1) };
    const untouched = outputBytes(copyOf(arrays));
    const tiled = pools.runTiled(workers, 'superbias', { ...arrays }, unevenTile);
    await expect(tiled).rejects.toBeInstanceOf(kernels.KernelShapeError);
    await expect(tiled).rejects.toThrow('argument `pixeldq` has 702 elements');
    expect(outputBytes(arrays)).toEqual(untouched);
  });

  it('rejects aborted tasks with an AbortError and keeps working', async () => {
    const workers = await pool(1);
    await workers.run(task()); // the worker is up, so the next task starts at once

    await expect(workers.run(task(), AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });

    const runningAbort = new AbortController();
    const queuedAbort = new AbortController();
    const running = workers.run(task(), runningAbort.signal);
    const queued = workers.run(task(), queuedAbort.signal);
    const after = workers.run(task());
    queuedAbort.abort();
    runningAbort.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    expect(outputBytes(await after)).toEqual(inThread);

    const tiledAbort = new AbortController();
    const options = { maxBandRows: 1, signal: tiledAbort.signal };
    const tiled = pools.runTiled(workers, 'superbias', { ...copyOf(input) }, unevenTile, options);
    tiledAbort.abort();
    await expect(tiled).rejects.toMatchObject({ name: 'AbortError' });

    const arrays = copyOf(input);
    await pools.runTiled(workers, 'superbias', { ...arrays }, unevenTile);
    expect(outputBytes(arrays)).toEqual(inThread);
  });

  it('runs a task queued behind one whose worker an abort terminated', async () => {
    const workers = await pool(1);
    await workers.run(task());
    const abort = new AbortController();
    const running = workers.run(task(), abort.signal);
    const next = workers.run(task());
    abort.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(outputBytes(await next)).toEqual(inThread);
  });

  it('destroy() rejects pending tasks and later runs', async () => {
    const workers = await pools.createNodePool({ size: 2 });
    const runs = [task(), task(), task()].map((sent) => workers.run(sent).catch((e: unknown) => e));
    await workers.destroy();
    for (const run of runs) expect(await run).toMatchObject({ message: 'the kernel pool has been destroyed' });
    await expect(workers.run(task())).rejects.toThrow('destroyed');
  });

  it('fails clearly when run from the TypeScript sources, where there is no compiled worker', async () => {
    const fromSources: typeof PoolApi = await import('../../../ts/pool/node.js');
    await expect(fromSources.createNodePool({ size: 1 })).rejects.toThrow(
      /node-worker\.js does not exist.*build the package/s,
    );
  });

  it('rejects sizes that are not positive integers', async () => {
    for (const size of [0, 1.5, Number.NaN]) {
      await expect(pools.createNodePool({ size })).rejects.toThrow(RangeError);
    }
  });
});

describe('a copy of the package', () => {
  let copy: string;
  let copiedPools: typeof PoolApi;
  let copiedLoader: typeof LoaderApi;

  beforeAll(async () => {
    copy = mkdtempSync(join(tmpdir(), 'detector1-pool-'));
    writeFileSync(join(copy, 'package.json'), '{ "type": "module" }');
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    symlinkSync(join(root, 'ts'), join(copy, 'ts')); // for the source maps
    cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(root, 'wasm-pkg'), join(copy, 'wasm-pkg'), { recursive: true });
    copiedLoader = await import(join(copy, 'dist/kernels/load-node.js'));
    copiedPools = await import(join(copy, 'dist/pool/node.js'));
  });

  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('compiles the module once, in the main thread; workers never read the .wasm file', async () => {
    const compile = vi.spyOn(WebAssembly, 'compile');
    try {
      const module = await copiedLoader.loadKernels();
      rmSync(join(copy, 'wasm-pkg/detector1_wasm_bg.wasm'));

      const expected = copyOf(input);
      await copiedPools.runTiled(undefined, 'superbias', { ...expected }, unevenTile);
      for (const options of [{ size: 3 }, { size: 2, module }]) {
        const workers = await copiedPools.createNodePool(options);
        try {
          const arrays = copyOf(input);
          await copiedPools.runTiled(workers, 'superbias', { ...arrays }, unevenTile, { maxBandRows: 4 });
          expect(outputBytes(arrays)).toEqual(outputBytes(expected));
        } finally {
          await workers.destroy();
        }
      }
      expect(compile).toHaveBeenCalledTimes(1);
    } finally {
      compile.mockRestore();
    }
  });

  it('rejects runs, rather than leaving them queued, when workers cannot start', async () => {
    writeFileSync(join(copy, 'dist/pool/node-worker.js'), 'throw new Error("this worker cannot start");');
    const workers = await copiedPools.createNodePool({ size: 2, module: await copiedLoader.loadKernels() });
    try {
      const runs = [task(), task(), task()].map((sent) => workers.run(sent));
      for (const run of runs) await expect(run).rejects.toThrow('this worker cannot start');
    } finally {
      await workers.destroy();
    }
  });
});
