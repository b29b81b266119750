/**
 * ipc (spec/steps/other.md §1, jwst `ipc/`): convolve every group with the IPC reference kernel
 * (2-D, or 4-D per pixel), leaving the reference-pixel border alone. Missing reference -> SKIPPED.
 * No parameters. NIRSpec IRS2 frames: the normal rows are taken out of the 3200-row layout,
 * convolved as a 2048 x 2048 frame and put back (jwst `x_irs2`); reference rows are untouched.
 */
import type { FitsFile } from '../io/fits/index.js';
import type { RampModel } from '../datamodels/models.js';
import { ReferenceFileError, scienceGeometry } from '../reffiles/index.js';
import { runTiled } from '../pool/pool.js';
import { ipcHalo, ipcScienceColumns, type IpcParams, type IpcReferenceBorder } from '../kernels/ipc.js';
import { referenceName, skipWithoutReference, warn, type StepContext, type StepStatus } from './step.js';
import { gatherRows, irs2NormalRows, scatterRows } from './x-irs2.js';

export const ipcKeywords = { status: 'IPC', reference: 'IPC' } as const;

/** A mode jwst supports that this library does not (yet). */
export class StepNotImplementedError extends Error {
  override name = 'StepNotImplementedError';
}

/** jwst `pipe_utils.is_irs2`: an axis longer than 2048. */
export function isIrs2(shape: readonly number[]): boolean {
  return Math.max(shape[shape.length - 1], shape[shape.length - 2]) > 2048;
}

/**
 * `(rows, cols)` mask, 1 on the science pixels and 0 on the reference border that jwst's
 * `get_num_ref_pixels` derives from the subarray keywords.
 */
export function ipcScienceMask(meta: RampModel['meta'], rows: number, cols: number): Uint8Array {
  const border = ipcReferenceBorder(meta, rows, cols);
  const mask = new Uint8Array(rows * cols);
  for (let y = 0; y < rows; y++) {
    const science = ipcScienceColumns(border, rows, cols, y);
    if (science) mask.fill(1, y * cols + science[0], y * cols + science[1]);
  }
  return mask;
}

/** The reference rows and columns on each side of a `(rows, cols)` science array (`ipcScienceMask`). */
export function ipcReferenceBorder(meta: RampModel['meta'], rows: number, cols: number): IpcReferenceBorder {
  const xs = (meta.subarray.xstart ?? 1) - 1;
  const ys = (meta.subarray.ystart ?? 1) - 1;
  const xsize = meta.subarray.xsize ?? cols;
  const ysize = meta.subarray.ysize ?? rows;
  const miri = meta.instrument.name?.toUpperCase() === 'MIRI';
  const bottom = miri ? 0 : Math.max(0, 4 - ys);
  const top = miri ? 0 : Math.max(0, ys + ysize - 2044);
  const left = Math.max(0, 4 - xs);
  const right = Math.max(0, xs + xsize - (miri ? 1028 : 2044));
  return { bottom, top, left, right };
}

export async function ipcStep(ramp: RampModel, reference: FitsFile | undefined, context: StepContext = {}): Promise<StepStatus> {
  if (!reference) return skipWithoutReference(ramp.meta, context, 'ipc', 'ipc', ipcKeywords);
  const irs2Rows = isIrs2(ramp.shape) ? irs2NormalRows(ramp) : undefined;
  const name = reference.source.name;
  const hdu = reference.find('SCI');
  if (!hdu) throw new ReferenceFileError(name, 'no SCI extension');
  const image = await reference.readImage(hdu, { as: 'float32' });
  const { shape } = image;
  const weights = image.data as Float32Array;
  const [nints, ngroups, fullRows, cols] = ramp.shape;
  const rows = irs2Rows ? irs2Rows.length : fullRows;
  const planes = nints * ngroups;
  const data = irs2Rows ? gatherRows(ramp.data, planes, fullRows, cols, irs2Rows) : ramp.data;
  const tile = { nints, ngroups, rows, cols };
  const science = ipcScienceMask(ramp.meta, rows, cols);
  let params: IpcParams;
  let kernel: Float32Array | undefined;
  if (shape.length === 2) {
    params = { ky: shape[0], kx: shape[1], weights: Array.from(weights) };
  } else if (shape.length === 4) {
    params = { ky: shape[0], kx: shape[1] };
    kernel = perPixelKernel(weights, shape, ramp, name, (m) => warn(context, m));
  } else {
    throw new ReferenceFileError(name, `IPC kernel must be 2-D or 4-D, got (${shape.join(', ')})`);
  }
  await runTiled(context.pool, 'ipc', { data, science, kernel }, { ...tile, planes: params.ky * params.kx }, {
    halo: ipcHalo(params),
    params,
    signal: context.signal,
  });
  if (irs2Rows) scatterRows(ramp.data, data, planes, fullRows, cols, irs2Rows);
  ramp.meta.refFiles[ipcKeywords.reference] = referenceName(reference);
  return (ramp.meta.calStep[ipcKeywords.status] = 'COMPLETE');
}

/** jwst `get_ipc_slice`: a subarray takes `[..., ystart-1 : +ysize, xstart-1 : +xsize]` of the 4-D kernel. */
function perPixelKernel(weights: Float32Array, shape: number[], ramp: RampModel, file: string, warnFn: (m: string) => void): Float32Array {
  const [ky, kx, ny, nx] = shape;
  const sci = scienceGeometry(ramp.meta, ramp.shape, 'science data', warnFn);
  const x0 = sci.xstart - 1;
  const y0 = sci.ystart - 1;
  if (x0 + sci.xsize > nx || y0 + sci.ysize > ny) {
    throw new ReferenceFileError(file, `the ${ny} x ${nx} per-pixel IPC kernel does not cover the science subarray`);
  }
  const out = new Float32Array(ky * kx * sci.ysize * sci.xsize);
  for (let p = 0; p < ky * kx; p++) {
    for (let y = 0; y < sci.ysize; y++) {
      const from = (p * ny + y0 + y) * nx + x0;
      out.set(weights.subarray(from, from + sci.xsize), (p * sci.ysize + y) * sci.xsize);
    }
  }
  return out;
}
