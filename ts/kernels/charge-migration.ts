import { applyChargeMigration } from '../../wasm-pkg/detector1_wasm.js';
import { checkArray, checkShape, type TileShape } from './arrays.js';
import { callWasm, KernelParameterError } from './errors.js';

export interface ChargeMigrationArrays {
  /** Ramp `(nints, ngroups, rows, cols)` in DN; only read. */
  data: Float32Array;
  /** GROUPDQ `(nints, ngroups, rows, cols)`; CHARGELOSS|DO_NOT_USE is OR-ed in. */
  groupdq: Uint8Array;
}

export interface ChargeMigrationParams {
  /** DN; compared with the float32 data in float32, as numpy 2 does with a Python float. */
  signalThreshold: number;
}

/** Rows of context above and below each band (the Rust `charge_migration::HALO_ROWS`): 4 neighbours. */
export const chargeMigrationHalo = 1;

/** CHARGELOSS|DO_NOT_USE from the first group above the threshold on, pixel and 4 neighbours, in place. */
export function chargeMigration(arrays: ChargeMigrationArrays, shape: TileShape, params: ChargeMigrationParams): void {
  const kernel = 'chargeMigration';
  checkShape(kernel, shape);
  if (typeof params.signalThreshold !== 'number' || Number.isNaN(params.signalThreshold)) {
    throw new KernelParameterError('invalid_parameter', `${kernel}: signalThreshold must be a number, got ${params.signalThreshold}`);
  }
  checkArray(kernel, 'data', arrays.data, Float32Array, 'cube', shape);
  checkArray(kernel, 'groupdq', arrays.groupdq, Uint8Array, 'cube', shape);
  callWasm(kernel, () =>
    applyChargeMigration(arrays.data, arrays.groupdq, Math.fround(params.signalThreshold), shape.nints, shape.ngroups, shape.rows, shape.cols),
  );
}
