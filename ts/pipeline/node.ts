/**
 * Detector1 on files (Node): the uncal is read integration by integration, references are opened
 * once (each slice reads the planes it needs), products are written atomically with jwst's names
 * (spec/pipeline.md §6), and corrected integrations wait in a temporary file.
 */
import { basename, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { FitsStreamWriter, type FitsFile, type WritableHdu } from '../io/fits/index.js';
import { AtomicFileSink } from '../io/fits/node.js';
import { modelHdus } from '../datamodels/fits-models.js';
import { openFits, openRamp, writeModel } from '../datamodels/node.js';
import type { RampModel } from '../datamodels/models.js';
import { MemorySpill } from './spill.js';
import { FileSpill } from './spill-node.js';
import { runDetector1, type Detector1Io, type Detector1Options, type Detector1Result, type RampModelHeader } from './detector1.js';

/** Suffixes jwst strips from an input name to find the product root (stpipe `remove_suffix`). */
const KNOWN_SUFFIXES = [
  'uncal', 'ramp', 'rate', 'rateints', 'trapsfilled', 'dark', 'dq_init', 'group_scale', 'emicorr', 'saturation', 'ipc',
  'superbias', 'refpix', 'firstframe', 'lastframe', 'reset', 'linearity', 'rscd', 'dark_current', 'charge_migration',
  'jump', 'picture_frame', 'clean_flicker_noise', 'persistence', 'ramp_fit', 'gain_scale', 'gain_scaleints', 'fitopt',
  'calwebb_detector1', 'detector1',
];

/** `jw..._nrca1_uncal.fits` -> `{ root: 'jw..._nrca1', separator: '_' }`. */
export function productRoot(inputPath: string): { root: string; separator: string } {
  const name = basename(inputPath).replace(/\.fits(\.gz)?$/i, '');
  for (const suffix of [...KNOWN_SUFFIXES].sort((a, b) => b.length - a.length)) {
    for (const separator of ['_', '-']) {
      if (name.endsWith(separator + suffix)) return { root: name.slice(0, -(suffix.length + 1)), separator };
    }
  }
  return { root: name, separator: '_' };
}

export interface Detector1FileOptions extends Omit<Detector1Options, 'io'> {
  /** Directory of the products (created); default the current directory, as jwst. */
  outputDir?: string;
  /** Base name of the products instead of the input's root (jwst `output_file`). */
  outputFile?: string;
  /**
   * The file of a reference type for this exposure, undefined for none (N/A). With `recorded`,
   * that is what `R_*` records instead of the base name (the CRDS selector gives `crds://<file>`).
   */
  selectReference(reftype: string, meta: RampModel['meta']): Promise<string | { path: string; recorded: string } | undefined>;
  /** Where corrected integrations wait when there are several (default: the system temp directory). */
  spillDir?: string;
  /** Called with each written product path. */
  onWrite?: (path: string) => void;
}

export interface Detector1FileResult extends Detector1Result {
  /** Product suffix -> path written. */
  written: [string, string][];
  /** Reference type -> the path that was opened (or undefined for N/A). */
  referencePaths: [string, string | undefined][];
}

/** Runs Detector1 on an `_uncal.fits` (or `_ramp.fits`) file and writes `_rate`/`_rateints` (and what the parameters ask). */
export async function runDetector1File(inputPath: string, options: Detector1FileOptions): Promise<Detector1FileResult> {
  const reader = await openRamp(inputPath);
  const outputDir = options.outputDir ?? '.';
  await mkdir(outputDir, { recursive: true });
  const { root, separator } = options.outputFile
    ? { root: productRoot(options.outputFile).root, separator: '_' }
    : productRoot(inputPath);
  const pathOf = (suffix: string) => join(outputDir, `${root}${separator}${suffix}.fits`);
  const opened: FitsFile[] = [];
  const referencePaths: [string, string | undefined][] = [];
  const written: [string, string][] = [];
  const wrote = (suffix: string, path: string) => {
    written.push([suffix, path]);
    options.onWrite?.(path);
  };

  const recorded = new Map<string, string>();
  const io: Detector1Io = {
    async reference(reftype, override) {
      const selected = override ?? (await options.selectReference(reftype, reader.meta));
      const path = typeof selected === 'object' ? selected.path : selected;
      if (typeof selected === 'object') recorded.set(reftype, selected.recorded);
      referencePaths.push([reftype, path]);
      if (!path) return undefined;
      // Each slice reads the planes it needs again: cheaper in memory than keeping them, and
      // cheap in time (page cache, ~2% of a 10-integration SUB640 run).
      const file = await openFits(path);
      opened.push(file);
      return file;
    },
    recordedName: (reftype) => recorded.get(reftype),
    async spill(shape, hasZeroframe) {
      return reader.shape[0] === 1 ? new MemorySpill(shape) : FileSpill.create(shape, hasZeroframe, options.spillDir);
    },
    async save(suffix, model) {
      const path = pathOf(suffix);
      await writeModel(path, model);
      wrote(suffix, path);
    },
    async saveRamp(header, integration) {
      const path = pathOf('ramp');
      await writeRampStreamed(path, header, integration);
      wrote('ramp', path);
    },
  };

  try {
    const result = await runDetector1(reader, { ...options, io });
    if (result.rate) await io.save('rate', result.rate);
    if (result.rateints) await io.save('rateints', result.rateints);
    return { ...result, written, referencePaths };
  } finally {
    await reader.file.close();
    for (const file of opened) await file.close();
  }
}

/**
 * `_ramp.fits` written integration by integration: the HDUs and headers are exactly those of
 * `modelHdus` (same keywords, same order); SCI, GROUPDQ and ZEROFRAME are streamed.
 */
export async function writeRampStreamed(
  path: string,
  header: RampModelHeader,
  integration: (i: number) => Promise<{ data: Float32Array; groupdq: Uint8Array; zeroframe?: Float32Array }>,
): Promise<void> {
  const [nints, , ny, nx] = header.shape;
  const { hasZeroframe, ...rest } = header;
  // Zero-length stand-ins: modelHdus only reads shapes and headers for these three.
  const skeleton: RampModel = {
    ...rest,
    data: new Float32Array(0),
    groupdq: new Uint8Array(0),
    zeroframe: hasZeroframe ? new Float32Array(0) : undefined,
  };
  const streamed: Record<string, (one: Awaited<ReturnType<typeof integration>>) => Float32Array | Uint8Array> = {
    SCI: (one) => one.data,
    GROUPDQ: (one) => one.groupdq,
    ZEROFRAME: (one) => one.zeroframe ?? new Float32Array(ny * nx),
  };
  const sink = await AtomicFileSink.create(path);
  try {
    const writer = new FitsStreamWriter(sink, { name: path });
    for (const hdu of modelHdus(skeleton, { fileName: basename(path) })) {
      const name = hdu.kind === 'image' ? hdu.header.getString('EXTNAME') : undefined;
      const pick = name ? streamed[name] : undefined;
      if (!pick || hdu.kind !== 'image') {
        await writer.writeHdu(hdu as WritableHdu);
        continue;
      }
      await writer.beginImage(hdu.header, name === 'GROUPDQ' ? 'uint8' : 'float32', hdu.shape!);
      for (let i = 0; i < nints; i++) await writer.writePixels(pick(await integration(i)));
    }
    await writer.finish();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  await sink.commit();
}
