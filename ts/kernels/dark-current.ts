import { applyDarkCurrent, applyDarkCurrentStaged, type Stage } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

export interface DarkCurrentArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN, corrected in place. */
  data: Float32Array;
  /** PIXELDQ `(rows, cols)`; the dark DQ is OR-ed in. Both or neither of it and `darkDq`. */
  pixeldq?: Uint32Array;
  /** The first `planes` dark planes of each dark integration: `(darkInts * planes, rows, cols)` = `shape.planes`. */
  frames: Float32Array;
  /** Dark DQ `(rows, cols)`, translated to standard flags. */
  darkDq?: Uint32Array;
}

export interface DarkCurrentParams {
  /** Dark planes passed per dark integration. */
  planes: number;
  darkInts: number;
  /** Planes after stcal's extrapolation of a short dark (= `planes` when none; then float32 throughout). */
  virtualPlanes: number;
  /** Science NFRAMES and GROUPGAP equal the dark's: plane g is subtracted from group g. */
  direct: boolean;
  nframes: number;
  groupgap: number;
  /** Dark integration of each science integration, -1 for none (data unchanged). */
  intMap: number[];
}

const noFlags = new Uint32Array(0);

/** Dark subtraction (spec/steps/dark_current.md), in place. */
export function darkCurrent(arrays: DarkCurrentArrays, shape: TileShape, params: DarkCurrentParams): void {
  const kernel = 'dark_current';
  const [layout, intMap] = wasmParams(shape, params);
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  if ((arrays.pixeldq === undefined) !== (arrays.darkDq === undefined)) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: give both pixeldq and darkDq, or neither (the dark DQ is in PIXELDQ already)`);
  }
  if (arrays.pixeldq !== undefined) checkArray(kernel, 'pixeldq', arrays.pixeldq, Uint32Array, 'plane', shape);
  checkArray(kernel, 'frames', arrays.frames, Float32Array, 'stack', shape);
  if (arrays.darkDq !== undefined) checkArray(kernel, 'darkDq', arrays.darkDq, Uint32Array, 'plane', shape);
  callWasm(kernel, () =>
    applyDarkCurrent(
      arrays.data,
      arrays.pixeldq ?? noFlags,
      arrays.frames,
      arrays.darkDq ?? noFlags,
      layout,
      intMap,
      shape.nints,
      shape.ngroups,
      shape.rows,
      shape.cols,
    ),
  );
}

/** `darkCurrent` on a band in a `Stage` (ts/kernels/stage.ts; slots as the registry lists them). */
export function darkCurrentStaged(stage: Stage, shape: TileShape, params: DarkCurrentParams): void {
  const [layout, intMap] = wasmParams(shape, params);
  callWasm('dark_current', () => applyDarkCurrentStaged(stage, layout, intMap, shape.nints, shape.ngroups, shape.rows, shape.cols));
}

/** The parameters as the wasm functions take them (`layout`, `int_map`), checked with the shape. */
function wasmParams(shape: TileShape, params: DarkCurrentParams): [Uint32Array, Int32Array] {
  const kernel = 'dark_current';
  checkShape(kernel, shape);
  const { planes, darkInts, virtualPlanes, direct, nframes, groupgap, intMap } = params;
  const counts = { planes, darkInts, virtualPlanes, nframes, groupgap };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 0 || value > 0xffffffff) {
      throw new KernelParameterError('invalid_parameter', `${kernel}: ${name} must be a non-negative integer, got ${value}`);
    }
  }
  if ((shape.planes ?? 1) !== planes * darkInts) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: shape.planes ${shape.planes} must be planes * darkInts = ${planes * darkInts}`);
  }
  return [Uint32Array.from([planes, darkInts, virtualPlanes, direct ? 1 : 0, nframes, groupgap]), Int32Array.from(intMap)];
}
