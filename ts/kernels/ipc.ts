import { applyIpc, applyIpcStaged, type Stage } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

export interface IpcArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN, convolved in place. */
  data: Float32Array;
  /** `(rows, cols)`: 1 on science pixels, 0 on reference pixels (kept, and read as 0). */
  science: Uint8Array;
  /** Per-pixel kernel `(ky*kx, rows, cols)` (a 4-D IPC reference cut to the science); `shape.planes = ky*kx`. */
  kernel?: Float32Array;
}

export interface IpcParams {
  ky: number;
  kx: number;
  /** A 2-D kernel, `ky*kx` values row-major (float32); absent when `arrays.kernel` is given. */
  weights?: number[];
}

function checkParams(kernel: string, params: IpcParams): void {
  for (const key of ['ky', 'kx'] as const) {
    if (!Number.isSafeInteger(params[key]) || params[key] < 1) {
      throw new KernelParameterError('invalid_parameter', `${kernel}: ${key} must be a positive integer, got ${params[key]}`);
    }
  }
}

/** The reference rows and columns on each side of a science array, which IPC leaves alone. */
export interface IpcReferenceBorder {
  bottom: number;
  top: number;
  left: number;
  right: number;
}

/** The science columns `[x0, x1)` of row `r` of a `rows` x `cols` array, or undefined in a reference row. */
export function ipcScienceColumns(border: IpcReferenceBorder, rows: number, cols: number, r: number): [number, number] | undefined {
  return r >= border.bottom && r < rows - border.top ? [border.left, Math.max(border.left, cols - border.right)] : undefined;
}

/** Rows of context above and below each band (the Rust `ipc::halo_rows`). */
export function ipcHalo(params: IpcParams): number {
  checkParams('ipc', params);
  return Math.floor(params.ky / 2);
}

/** IPC convolution (spec/steps/other.md §1), in place. */
export function ipc(arrays: IpcArrays, shape: TileShape, params: IpcParams): void {
  const kernel = 'ipc';
  checkShape(kernel, shape);
  checkParams(kernel, params);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'science', arrays.science, Uint8Array, 'plane', shape);
  const perPixel = arrays.kernel !== undefined;
  if (perPixel === (params.weights !== undefined)) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: give either params.weights (2-D kernel) or arrays.kernel (per-pixel kernel)`);
  }
  if (perPixel) {
    if (shape.planes !== params.ky * params.kx) {
      throw new KernelParameterError('invalid_parameter', `${kernel}: shape.planes must be ky*kx = ${params.ky * params.kx}, got ${shape.planes}`);
    }
    checkArray(kernel, 'kernel', arrays.kernel, Float32Array, 'stack', shape);
  }
  callWasm(kernel, () =>
    applyIpc(
      arrays.data,
      arrays.science,
      arrays.kernel ?? Float32Array.from(params.weights!),
      params.ky,
      params.kx,
      perPixel,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
    ),
  );
}

/**
 * `ipc` on a band in a `Stage` (ts/kernels/stage.ts; slots as the registry lists them): the
 * per-pixel kernel when its slot is filled, else `params.weights`.
 */
export function ipcStaged(stage: Stage, shape: TileShape, params: IpcParams): void {
  const kernel = 'ipc';
  checkShape(kernel, shape);
  checkParams(kernel, params);
  callWasm(kernel, () => applyIpcStaged(stage, Float32Array.from(params.weights ?? []), params.ky, params.kx, shape.nints, shape.ngroups, shape.rows, shape.cols));
}
