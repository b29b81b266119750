/**
 * Tiled == untiled for a row-band kernel: the whole tile in this thread against Node worker pools
 * of 1, 2 and 3 workers and several band heights, compared byte for byte (NaN payloads, -0).
 * Workers run compiled JavaScript, so the pool and kernels come from dist/ (built if absent).
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { KernelArray, TileShape } from '../../../ts/kernels/arrays.js';
import type { KernelPool } from '../../../ts/pool/index.js';
import type * as PoolApi from '../../../ts/pool/node.js';
import type * as LoaderApi from '../../../ts/kernels/load-node.js';
import type * as TransportApi from '../../../ts/pool/task-transport.js';
export { random } from '../../helpers/random.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

type Arrays = Record<string, KernelArray | undefined>;


function copy(arrays: Arrays): Arrays {
  return Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, v?.slice()]));
}

function sharedCopy(arrays: Arrays): Arrays {
  return Object.fromEntries(
    Object.entries(arrays).map(([k, v]) => {
      if (!v) return [k, v];
      const shared = new (v.constructor as new (buffer: SharedArrayBuffer) => KernelArray)(new SharedArrayBuffer(v.byteLength));
      shared.set(v as never);
      return [k, shared];
    }),
  );
}

function bytes(arrays: Arrays): Record<string, Uint8Array | undefined> {
  return Object.fromEntries(
    Object.entries(arrays).map(([k, v]) => [k, v && new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))]),
  );
}

/**
 * Runs `kernel` untiled in this thread, then in bands of 1 and 4 rows in this thread and through
 * pools of 1-3 workers with `bandRows` band heights (with `halo` rows of context for 2-D
 * neighbourhoods), and expects identical bytes; returns the configurations checked.
 */
export async function expectTiledEqualsUntiled(
  kernel: string,
  input: Arrays,
  shape: TileShape,
  params: unknown,
  bandRows: number[] = [1, 2, 5, 16],
  options: { halo?: number } = {},
): Promise<string[]> {
  if (!existsSync(join(root, 'dist/pool/node-worker.js'))) execSync('npx tsc -p tsconfig.json', { cwd: root, stdio: 'inherit' });
  const pools: typeof PoolApi = await import(join(root, 'dist/pool/node.js'));
  const loader: typeof LoaderApi = await import(join(root, 'dist/kernels/load-node.js'));
  await loader.loadKernels();
  const run = pools.runTiled as (p: KernelPool | undefined, k: string, a: Arrays, s: TileShape, o: object) => Promise<void>;

  const { halo } = options;
  const untiled = copy(input);
  await run(undefined, kernel, untiled, shape, { params, halo, maxBandRows: shape.rows });
  expect(bytes(untiled), 'the kernel changed nothing: the test would not see a lost band').not.toEqual(bytes(input));
  const checked: string[] = [];
  // Bands one after the other in this thread, too.
  for (const maxBandRows of [1, 4]) {
    const arrays = copy(input);
    await run(undefined, kernel, arrays, shape, { params, halo, maxBandRows });
    expect(bytes(arrays), `in thread, maxBandRows ${maxBandRows}`).toEqual(bytes(untiled));
    checked.push(`0w/${maxBandRows}`);
  }
  // A pool that runs each band the moment it is handed over, on arrays in shared memory (which
  // the bands change in place), so that every earlier band has written its rows: the halo rows
  // a band reads must come from snapshots taken before that.
  const transport: typeof TransportApi = await import(join(root, 'dist/pool/task-transport.js'));
  const eager: KernelPool = {
    size: 2,
    run: async (task) => {
      transport.runSharedBand(task, task.band!);
      return {};
    },
    destroy: async () => {},
  };
  for (const maxBandRows of bandRows) {
    const arrays = sharedCopy(input);
    await run(eager, kernel, arrays, shape, { params, halo, maxBandRows });
    expect(bytes(arrays), `bands run as handed over, maxBandRows ${maxBandRows}`).toEqual(bytes(untiled));
    checked.push(`eager/${maxBandRows}`);
  }
  for (const size of [1, 2, 3]) {
    const pool = await pools.createNodePool({ size });
    try {
      for (const maxBandRows of [undefined, ...bandRows]) {
        const arrays = copy(input);
        await run(pool, kernel, arrays, shape, { params, halo, maxBandRows });
        expect(bytes(arrays), `${size} workers, maxBandRows ${maxBandRows}`).toEqual(bytes(untiled));
        checked.push(`${size}w/${maxBandRows ?? 'auto'}`);
      }
    } finally {
      await pool.destroy();
    }
  }
  return checked;
}
