/** Node helpers: models from and to files (writes are atomic: temp file + rename). */
import { basename } from 'node:path';
import { openFileSource, writeFitsFile } from '../io/fits/node.js';
import { FitsFile } from '../io/fits/index.js';
import { modelHdus, readModel, RampReader } from './fits-models.js';
import type { DataModel } from './models.js';

export async function openFits(path: string): Promise<FitsFile> {
  return FitsFile.open(await openFileSource(path));
}

/** Opens a ramp (`_uncal` or `_ramp`) for integration-by-integration reading. Close `reader.file` when done. */
export async function openRamp(path: string): Promise<RampReader> {
  const file = await openFits(path);
  try {
    return RampReader.open(file);
  } catch (error) {
    await file.close();
    throw error;
  }
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
  await writeFitsFile(path, modelHdus(model, { fileName: basename(path), date }));
}
