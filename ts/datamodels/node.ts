/** Node helpers: models from and to files (writes are atomic: temp file + rename). */
import { basename } from 'node:path';
import { readFits, writeFitsFile } from '../io/fits/node.js';
import { modelHdus, readModel, RampReader } from './fits-models.js';
import type { DataModel, RampModel } from './models.js';
import { fitsPixelEncoder } from '../kernels/fits-words.js';

/** A FITS file opened for reading on demand (closed again if it is not FITS); close it when done. */
export const openFits = readFits;

/**
 * Opens a ramp (`_uncal` or `_ramp`) for integration-by-integration reading, `meta.exposure.readTimes`
 * included. Close `reader.file` when done.
 */
export async function openRamp(path: string): Promise<RampReader> {
  const file = await openFits(path);
  try {
    const reader = RampReader.open(file);
    await reader.loadReadTimes();
    return reader;
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** An `_uncal` or `_ramp` file as one RampModel (SCI as float32, zero DQ for an uncal). */
export async function readRamp(path: string): Promise<RampModel> {
  const reader = await openRamp(path);
  return reader.readAll().finally(() => reader.file.close());
}

export async function readModelFile(path: string): Promise<DataModel> {
  const file = await openFits(path);
  try {
    return await readModel(file);
  } finally {
    await file.close();
  }
}

export async function writeModel(path: string, model: DataModel, date?: Date): Promise<void> {
  await writeFitsFile(path, modelHdus(model, { fileName: basename(path), date }), { encoder: fitsPixelEncoder() });
}
