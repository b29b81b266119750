/**
 * Tiled must equal untiled (STYLE.md §10.3; jwst #6143, #8618, #5756): ramp_fit in the Node
 * worker pool with 1, 2 and 3 workers and several band heights gives the in-thread products
 * bit for bit, fitopt included (bands with different segment counts are merged as stcal
 * pads them), and so does LIKELY, chi-square included. Workers run compiled JavaScript, so this imports from dist/ (`make build`).
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as KernelsApi from '../../../ts/kernels/index.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type { RampFitInput, RampFitResult } from '../../../ts/kernels/ramp-fit.js';
import { loadCase } from './ramp-fit-oracle-data.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

let pools: typeof PoolApi;
let kernels: typeof KernelsApi;
const open: KernelPool[] = [];

beforeAll(async () => {
  const registry = join(root, 'dist/kernels/registry.js');
  if (!existsSync(registry) || !readFileSync(registry, 'utf8').includes('rampFit')) {
    execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
  }
  pools = await import(join(root, 'dist/pool/node.js'));
  kernels = await import(join(root, 'dist/kernels/index.js'));
  const loader: typeof LoaderApi = await import(join(root, 'dist/kernels/load-node.js'));
  await loader.loadKernels();
});

afterAll(async () => {
  await Promise.all(open.map((p) => p.destroy()));
});

async function pool(size: number): Promise<KernelPool> {
  const p = await pools.createNodePool({ size });
  open.push(p);
  return p;
}

/** Every output as raw bytes, base64 (NaN payloads and -0 count; strings compare fast). */
function bytes(result: RampFitResult | null): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) => {
    out[name] = Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  };
  for (const prefix of ['rate', 'rateints'] as const) {
    for (const [key, value] of Object.entries(result![prefix])) add(`${prefix}.${key}`, value);
  }
  if (result!.fitopt) {
    for (const [key, value] of Object.entries(result!.fitopt)) {
      if (typeof value === 'number') out[`fitopt.${key}`] = String(value);
      else add(`fitopt.${key}`, value);
    }
  }
  return out;
}

/**
 * The large local oracle case when present (40 x 48 pixels), else the committed golden one:
 * 'mixed' has every feature (jumps, saturation, DNU, PERSISTENCE, CHARGELOSS, ZEROFRAME, dark
 * current, bad gain, 3 integrations, fitopt) and pixels with different segment counts.
 */
function mixed(): { input: RampFitInput; shape: { nints: number; ngroups: number; rows: number; cols: number } } {
  const large = join(root, 'tests/oracle/out/ramp_fit');
  const c = loadCase(existsSync(join(large, 'mixed')) ? large : join(root, 'tests/golden/ramp_fit'), 'mixed');
  return { input: c.input, shape: c.shape };
}

describe('rampFit in the Node pool equals in-thread, bit for bit', () => {
  let reference: Record<string, string>;
  const { input, shape } = mixed();

  beforeAll(() => {
    const result = kernels.fitRamps(input, shape, { maxBandRows: shape.rows });
    expect(result!.fitopt!.maxSeg).toBeGreaterThan(1);
    reference = bytes(result);
  });

  it('in this thread, for band heights 1, 2, 3 and 5 (fitopt bands with different segment counts)', () => {
    for (const maxBandRows of [1, 2, 3, 5]) {
      expect(bytes(kernels.fitRamps(input, shape, { maxBandRows })), `maxBandRows ${maxBandRows}`).toEqual(reference);
    }
  });

  it('in this thread without fitopt (band rows copied into wasm memory in place), for band heights 1, 2, 3 and 5', () => {
    const plain = { ...input, saveOpt: false };
    const plan = kernels.planRampFit(plain, shape);
    if (!('params' in plan)) throw new Error('the mixed case has products');
    const whole = bytes(kernels.rampFitTile(plain, shape, plan.params));
    for (const maxBandRows of [1, 2, 3, 5, shape.rows]) {
      expect(bytes(kernels.fitRamps(plain, shape, { maxBandRows })), `maxBandRows ${maxBandRows}`).toEqual(whole);
    }
  });

  for (const size of [1, 2, 3]) {
    it(`with ${size} worker(s), fitopt included`, async () => {
      const workers = await pool(size);
      expect(bytes(await kernels.fitRampsParallel(workers, input, shape))).toEqual(reference);
      for (const maxBandRows of [1, 3, 7]) {
        const tiled = await kernels.fitRampsParallel(workers, input, shape, { maxBandRows });
        expect(bytes(tiled), `maxBandRows ${maxBandRows}`).toEqual(reference);
      }
    });
  }

  it('with 1, 2 and 3 workers without fitopt (through shared slots, or shared outputs), from plain and from shared inputs', async () => {
    const plain = { ...input, saveOpt: false };
    const expected = Object.fromEntries(Object.entries(reference).filter(([k]) => !k.startsWith('fitopt')));
    const shared = <T extends Float32Array | Uint8Array | Uint32Array>(a: T): T => {
      const copy = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
      copy.set(a as never);
      return copy;
    };
    const sharedInput: RampFitInput = {
      ...plain,
      data: shared(plain.data),
      groupdq: shared(plain.groupdq),
      pixeldq: shared(plain.pixeldq),
      gain: shared(plain.gain),
      readnoise: shared(plain.readnoise),
      zeroframe: plain.zeroframe && shared(plain.zeroframe),
      averageDarkCurrent: plain.averageDarkCurrent && shared(plain.averageDarkCurrent),
    };
    for (const size of [1, 2, 3]) {
      const workers = await pool(size);
      // mixed: a shared ramp beside plain planes (the pipeline's average dark is one).
      const mixed: RampFitInput = { ...sharedInput, gain: plain.gain, readnoise: plain.readnoise };
      for (const [name, source] of [['plain', plain], ['shared', sharedInput], ['mixed', mixed]] as const) {
        for (const sharedOutputs of [false, true]) {
          for (const maxBandRows of [undefined, 1, 3, 7]) {
            const result = await kernels.fitRampsParallel(workers, source, shape, { maxBandRows, sharedOutputs });
            expect(bytes(result), `${size} workers, ${name} inputs, sharedOutputs ${sharedOutputs}, maxBandRows ${maxBandRows}`).toEqual(expected);
            // With sharedOutputs the workers wrote the products in place; else they are ordinary arrays.
            expect(result!.rateints.err.buffer instanceof SharedArrayBuffer).toBe(sharedOutputs);
            // Each product is an array of its own (at the start of its buffer), so it can be given back.
            expect(result!.rate.slope.byteOffset).toBe(0);
            expect(result!.rate.slope.byteLength).toBeLessThanOrEqual(result!.rate.slope.buffer.byteLength);
            // Given back full of garbage: the next calls' products come from these recycled,
            // unzeroed buffers, so every element must be written by the workers.
            if (sharedOutputs) {
              for (const array of [...Object.values(result!.rate), ...Object.values(result!.rateints)]) {
                new Uint8Array(array.buffer).fill(0xa5);
                kernels.releaseShared(array);
              }
            }
          }
        }
      }
    }
    expect(sharedInput.gain.buffer instanceof SharedArrayBuffer && !(plain.gain.buffer instanceof SharedArrayBuffer)).toBe(true);
    // The caller's arrays are untouched.
    expect(bytes(kernels.fitRamps(plain, shape))).toEqual(expected);
  });

  it('with 1, 2 and 3 workers, products placed in the shared ramp itself (productMemory) equal the others', async () => {
    const plain = { ...input, saveOpt: false };
    const expected = Object.fromEntries(Object.entries(reference).filter(([k]) => !k.startsWith('fitopt')));
    const plane = shape.rows * shape.cols;
    for (const size of [1, 2, 3]) {
      const workers = await pool(size);
      // The whole ramp, and its first 12 planes: room for rate and part of rateints only.
      for (const [available, maxBandRows] of [[shape.nints * shape.ngroups, undefined], [shape.nints * shape.ngroups, 1], [12, 3], [12, 7]] as const) {
        // The ramp is overwritten by the products: a fresh shared copy for every call.
        const data = new Float32Array(new SharedArrayBuffer(plain.data.byteLength));
        data.set(plain.data);
        const groupdq = new Uint8Array(new SharedArrayBuffer(plain.groupdq.byteLength));
        groupdq.set(plain.groupdq);
        const result = await kernels.fitRampsParallel(workers, { ...plain, data, groupdq }, shape, { maxBandRows, sharedOutputs: true, productMemory: data.subarray(0, available * plane) });
        expect(bytes(result), `${size} workers, maxBandRows ${maxBandRows}, room for ${available} planes`).toEqual(expected);
        // Plane after plane while the ramp has room (rate's 5, then rateints' 5 x nints).
        let used = 0;
        for (const array of [...Object.values(result!.rate), ...Object.values(result!.rateints)]) {
          used += array.length / plane;
          expect(array.buffer === data.buffer, `planes up to ${used} of ${available}`).toBe(used <= available);
        }
      }
    }
  });

  it('gives every band of the products once, final when given (onBand), on every path; a failing onBand fails the fit', async () => {
    const plane = shape.rows * shape.cols;
    const workers = await pool(2);
    const ramp = () => {
      const data = new Float32Array(new SharedArrayBuffer(input.data.byteLength));
      data.set(input.data);
      const groupdq = new Uint8Array(new SharedArrayBuffer(input.groupdq.byteLength));
      groupdq.set(input.groupdq);
      return { ...input, saveOpt: false, data, groupdq };
    };
    const shared = ramp();
    const paths: [string, KernelPool | undefined, RampFitInput, Parameters<typeof kernels.fitRampsParallel>[3]][] = [
      ['in this thread', undefined, input, {}],
      ['fitopt bands merged', workers, input, { maxBandRows: 3 }],
      ['slots, plain outputs', workers, { ...input, saveOpt: false }, { maxBandRows: 3 }],
      ['shared outputs in the ramp', workers, shared, { maxBandRows: 3, sharedOutputs: true, productMemory: shared.data }],
    ];
    for (const [label, workerPool, source, options] of paths) {
      const times = new Uint8Array(shape.rows);
      // The bands' rows copied as they are given: they must be the products' final values.
      const copies = { rate: {} as Record<string, Float32Array | Uint32Array>, rateints: {} as Record<string, Float32Array | Uint32Array> };
      const result = await kernels.fitRampsParallel(workerPool, source, shape, {
        ...options,
        onBand: async (band, products) => {
          for (let r = band.row0; r < band.row0 + band.rows; r++) times[r]++;
          for (const [kind, planes] of [['rate', 1], ['rateints', shape.nints]] as const) {
            for (const [key, array] of Object.entries(products[kind])) {
              copies[kind][key] ??= new (array.constructor as new (n: number) => Float32Array | Uint32Array)(array.length);
              for (let p = 0; p < planes; p++) {
                const start = p * plane + band.row0 * shape.cols;
                copies[kind][key].set(array.subarray(start, start + band.rows * shape.cols), start);
              }
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        },
      });
      expect([...times].every((n) => n === 1), `${label}: rows given ${[...times].join(',')} times`).toBe(true);
      const products = (r: RampFitResult | null) => Object.fromEntries(Object.entries(bytes(r)).filter(([key]) => !key.startsWith('fitopt')));
      expect(bytes({ rate: copies.rate, rateints: copies.rateints } as unknown as RampFitResult), label).toEqual(products(result));
    }
    const failing = kernels.fitRampsParallel(workers, ramp(), shape, { maxBandRows: 3, sharedOutputs: true, onBand: async () => { throw new Error('disk full'); } });
    await expect(failing).rejects.toThrow('disk full');
  });

  it('reports a wrong-shape band without fitopt (shared outputs) as KernelShapeError from the worker', async () => {
    const bad = { ...input, saveOpt: false, gain: new Float32Array(5) };
    await expect(kernels.fitRampsParallel(await pool(2), bad, shape)).rejects.toBeInstanceOf(kernels.KernelShapeError);
  });

  it('through runTiled (rate and rateints; the scalars travel as task params)', async () => {
    const plan = kernels.planRampFit({ ...input, saveOpt: false }, shape);
    if (!('params' in plan)) throw new Error('expected a fittable exposure');
    const run = async (p: KernelPool | undefined, maxBandRows?: number) => {
      const arrays = { ...input, ...kernels.allocTaskOutputs(shape) };
      await pools.runTiled(p, 'rampFit', arrays as never, shape, { maxBandRows, params: plan.params });
      const r = kernels.taskResult(arrays);
      return bytes({ rate: r.rate, rateints: r.rateints });
    };
    const inThread = await run(undefined);
    const expected = Object.fromEntries(Object.entries(reference).filter(([k]) => !k.startsWith('fitopt')));
    expect(inThread).toEqual(expected);
    for (const size of [1, 2, 3]) expect(await run(await pool(size)), `${size} workers`).toEqual(expected);
    expect(await run(await pool(3), 2), 'maxBandRows 2').toEqual(expected);
  });

  it('refuses saveOpt through runTiled, whose pasting cannot merge fitopt bands', async () => {
    const plan = kernels.planRampFit(input, shape);
    if (!('params' in plan)) throw new Error('expected a fittable exposure');
    const arrays = { ...input, ...kernels.allocTaskOutputs(shape) };
    const tiled = pools.runTiled(await pool(2), 'rampFit', arrays as never, shape, { params: plan.params });
    await expect(tiled).rejects.toBeInstanceOf(kernels.KernelError);
    await expect(tiled).rejects.toThrow(/saveOpt through runTiled is not supported.*fitRampsParallel/);
  });

  it('reports a wrong-shape band as KernelShapeError from the worker', async () => {
    const bad = { ...input, gain: new Float32Array(5) };
    await expect(kernels.fitRampsParallel(await pool(2), bad, shape)).rejects.toBeInstanceOf(kernels.KernelShapeError);
  });
});

/**
 * LIKELY on the large local oracle case when present, else the committed one: 'mixed' has
 * unflagged and flagged jumps, saturation, DNU, PERSISTENCE, bad gain, dark current, 3 integrations.
 */
function likelyMixed(): { input: RampFitInput; shape: { nints: number; ngroups: number; rows: number; cols: number } } {
  const large = join(root, 'tests/oracle/out/ramp_fit_likely');
  const c = loadCase(existsSync(join(large, 'mixed')) ? large : join(root, 'tests/golden/ramp_fit_likely'), 'mixed');
  return { input: c.input, shape: c.shape };
}

describe('LIKELY in the Node pool equals in-thread, bit for bit', () => {
  let reference: Record<string, string>;
  const { input, shape } = likelyMixed();
  const withChisq = (r: RampFitResult | null) => ({ ...bytes(r), chisq: Buffer.from(r!.chisq!.buffer, r!.chisq!.byteOffset, r!.chisq!.byteLength).toString('base64') });

  beforeAll(() => {
    expect(input.algorithm).toBe('LIKELY');
    reference = withChisq(kernels.fitRamps(input, shape, { maxBandRows: shape.rows }));
  });

  it('in this thread, for band heights 1, 2, 3 and 5', () => {
    for (const maxBandRows of [1, 2, 3, 5]) {
      expect(withChisq(kernels.fitRamps(input, shape, { maxBandRows })), `maxBandRows ${maxBandRows}`).toEqual(reference);
    }
  });

  for (const size of [1, 2, 3]) {
    it(`with ${size} worker(s)`, async () => {
      const workers = await pool(size);
      expect(withChisq(await kernels.fitRampsParallel(workers, input, shape))).toEqual(reference);
      for (const maxBandRows of [1, 3]) {
        expect(withChisq(await kernels.fitRampsParallel(workers, input, shape, { maxBandRows })), `maxBandRows ${maxBandRows}`).toEqual(reference);
      }
    });
  }

  it('through runTiled, chi-square pasted like the rate', async () => {
    const plan = kernels.planRampFit(input, shape);
    if (!('params' in plan)) throw new Error('expected a fittable exposure');
    const arrays = { ...input, ...kernels.allocTaskOutputs(shape, true) };
    await pools.runTiled(await pool(3), 'rampFit', arrays as never, shape, { maxBandRows: 2, params: plan.params });
    expect(withChisq(kernels.taskResult(arrays))).toEqual(reference);
  });
});
