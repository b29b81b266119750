/**
 * Detector1 on files (Node): the uncal is read integration by integration, references are opened
 * once (each slice reads the planes it needs), products are written atomically with jwst's names
 * (spec/pipeline.md §6), and corrected integrations wait in a temporary file.
 */
import { basename, join, resolve } from 'node:path';
import { mkdir, readFile } from 'node:fs/promises';
import { FitsStreamWriter, type FitsFile, type WritableHdu } from '../io/fits/index.js';
import { AtomicFileSink, writeFileAtomic } from '../io/fits/node.js';
import { modelHdus } from '../datamodels/fits-models.js';
import { openFits, openRamp, readModelFile, readRamp, writeModel } from '../datamodels/node.js';
import type { CubeModel, RampModel } from '../datamodels/models.js';
import { MemorySpill, type RateintsRows } from './spill.js';
import { FileRateintsStore, FileSpill } from './spill-node.js';
import { BandedProductWriter, RATE_EXTENSIONS } from './banded-writer-node.js';
import { Detector1Error, REFERENCE_KEYWORDS, runDetector1, type Detector1Io, type Detector1Options, type Detector1Result, type RampIntegration, type RampModelHeader } from './detector1.js';
import { RAMP_STEPS, stepOptions } from './ramp-steps.js';
import { readReferenceFloat, scienceGeometry } from '../reffiles/index.js';
import { rampFitStep } from '../steps/ramp-fit.js';
import { gainScaleStep } from '../steps/gain-scale.js';
import type { StepContext } from '../steps/step.js';
import type { RampFitPool } from '../kernels/ramp-fit.js';
import type { ParameterValue } from './parameters.js';
import type { CalledStepClass } from './step-specs.js';
import { fitsPixelEncoder } from '../kernels/fits-words.js';

/** Suffixes jwst strips from an input name to find the product root (stpipe `remove_suffix`). */
const KNOWN_SUFFIXES = [
  'uncal', 'ramp', 'rate', 'rateints', 'trapsfilled', 'dark', 'dq_init', 'group_scale', 'emicorr', 'saturation', 'ipc',
  'superbias', 'refpix', 'firstframe', 'lastframe', 'reset', 'linearity', 'rscd', 'dark_current', 'charge_migration',
  'jump', 'picture_frame', 'clean_flicker_noise', 'persistence', 'ramp_fit', 'gain_scale', 'gain_scaleints', 'fitopt',
  'calwebb_detector1', 'detector1',
];

type SelectedReference = string | { path: string; recorded: string } | undefined;

/**
 * jwst's `override_<reftype>`: absent or '' = CRDS chooses (`select`); 'N/A' = no reference;
 * else that file, which `R_*` records by its absolute path (stpipe `abspath(override)`).
 */
async function chooseReference(override: unknown, select: () => Promise<SelectedReference>): Promise<SelectedReference> {
  if (typeof override !== 'string' || override.trim() === '') return select();
  if (override.trim() === 'N/A') return undefined;
  return { path: override, recorded: resolve(override) };
}

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
  /**
   * CRDS parameters of a step that a Detector1 step calls itself (clean_flicker_noise's
   * TSOPhotometryStep; see `crdsCalledStepParameters`); that step's defaults without it.
   */
  calledStepParameters?(className: CalledStepClass, meta: RampModel['meta']): Promise<Record<string, ParameterValue> | undefined>;
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
      // Listed in the order they are asked for (the steps may open theirs at once).
      const entry: [string, string | undefined] = [reftype, undefined];
      referencePaths.push(entry);
      const selected = await chooseReference(override, () => options.selectReference(reftype, reader.meta));
      const path = typeof selected === 'object' ? selected.path : selected;
      if (typeof selected === 'object') recorded.set(reftype, selected.recorded);
      entry[1] = path;
      if (!path) return undefined;
      // Each slice reads the planes it needs again: cheaper in memory than keeping them, and
      // cheap in time (page cache, ~2% of a 10-integration SUB640 run).
      const file = await openFits(path);
      opened.push(file);
      return file;
    },
    async referenceBytes(reftype, override) {
      const entry: [string, string | undefined] = [reftype, undefined];
      referencePaths.push(entry);
      const selected = await chooseReference(override, () => options.selectReference(reftype, reader.meta));
      const path = typeof selected === 'object' ? selected.path : selected;
      if (typeof selected === 'object') recorded.set(reftype, selected.recorded);
      entry[1] = path;
      return path === undefined ? undefined : { name: basename(path), bytes: new Uint8Array(await readFile(path)) };
    },
    recordedName: (reftype) => recorded.get(reftype),
    calledStepParameters: async (className) => options.calledStepParameters?.(className, reader.meta),
    readBytes: (path) => readFile(path).then((bytes) => new Uint8Array(bytes), (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }),
    writeBytes: (path, bytes) => writeFileAtomic(path, [bytes]),
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
    rateintsStore: (shape) => FileRateintsStore.create(shape, options.spillDir),
    async saveRateints(skeleton, plane) {
      const path = pathOf('rateints');
      await writeCubeStreamed(path, skeleton, plane);
      wrote('rateints', path);
    },
    async productWriter(suffix, skeleton) {
      const path = pathOf(suffix);
      const writer = await BandedProductWriter.create(path, skeleton);
      return {
        writeRows: (integration, row0, rows) => writer.writeRows(integration, row0, rows),
        writeEncodedRows: (integration, row0, rows, sums) => writer.writeRows(integration, row0, rows, sums),
        fileTarget: () => writer.fileTarget(),
        recordWrittenRows: (integration, row0, n, sums) => writer.recordWrittenRows(integration, row0, n, sums),
        replacePrimaryHeader: (final) => writer.replacePrimaryHeader(final),
        async commit() {
          await writer.commit();
          wrote(suffix, path);
        },
        abort: () => writer.abort(),
      };
    },
  };

  try {
    const result = await runDetector1(reader, { ...options, io });
    if (result.rate && !result.rateSaved) await io.save('rate', result.rate);
    if (result.rateints && !result.rateintsSaved) await io.save('rateints', result.rateints);
    return { ...result, written, referencePaths };
  } finally {
    await reader.file.close();
    for (const file of opened) await file.close();
  }
}

/**
 * `_ramp.fits` written integration by integration: the HDUs and headers are exactly those of
 * `modelHdus` (same keywords, same order); SCI, GROUPDQ, ZEROFRAME and REFOUT are streamed.
 */
export async function writeRampStreamed(
  path: string,
  header: RampModelHeader,
  integration: (i: number) => Promise<RampIntegration>,
): Promise<void> {
  const [nints, ngroups, ny, nx] = header.shape;
  const { hasZeroframe, hasRefout, ...rest } = header;
  // Zero-length stand-ins: modelHdus only reads shapes and headers for these.
  const skeleton: RampModel = {
    ...rest,
    data: new Float32Array(0),
    groupdq: new Uint8Array(0),
    zeroframe: hasZeroframe ? new Float32Array(0) : undefined,
    refout: hasRefout ? new Float32Array(0) : undefined,
  };
  const streamed: Record<string, (one: Awaited<ReturnType<typeof integration>>) => Float32Array | Uint8Array> = {
    SCI: (one) => one.data,
    GROUPDQ: (one) => one.groupdq,
    ZEROFRAME: (one) => one.zeroframe ?? new Float32Array(ny * nx),
    REFOUT: (one) => one.refout ?? new Float32Array(ngroups * ny * (nx / 4)),
  };
  const sink = await AtomicFileSink.create(path);
  try {
    const writer = new FitsStreamWriter(sink, { name: path, encoder: fitsPixelEncoder() });
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

/**
 * A CubeModel (`_rateints`) written integration by integration: the HDUs and headers are those
 * of `modelHdus` on the skeleton (zero-length arrays); SCI, ERR, DQ and the variances come from
 * `plane(i, key)`, one integration's array at a time.
 */
export async function writeCubeStreamed(
  path: string,
  skeleton: CubeModel,
  plane: <K extends keyof RateintsRows>(i: number, key: K) => Promise<RateintsRows[K]>,
): Promise<void> {
  const [nints] = skeleton.shape;
  const sink = await AtomicFileSink.create(path);
  try {
    const writer = new FitsStreamWriter(sink, { name: path, encoder: fitsPixelEncoder() });
    for (const hdu of modelHdus(skeleton, { fileName: basename(path) })) {
      const name = hdu.kind === 'image' ? hdu.header.getString('EXTNAME') : undefined;
      const key = name ? RATE_EXTENSIONS[name] : undefined;
      if (!key || hdu.kind !== 'image') {
        await writer.writeHdu(hdu as WritableHdu);
        continue;
      }
      await writer.beginImage(hdu.header, key === 'dq' ? 'uint32' : 'float32', hdu.shape!);
      for (let i = 0; i < nints; i++) await writer.writePixels(await plane(i, key));
    }
    await writer.finish();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  await sink.commit();
}

export interface StepFileOptions {
  outputDir: string;
  /** The step's parameters by jwst name (e.g. resolveDetector1Parameters().steps.jump). */
  parameters: Record<string, unknown>;
  selectReference: Detector1FileOptions['selectReference'];
  calledStepParameters?: Detector1FileOptions['calledStepParameters'];
  context?: StepContext;
  rampFitPool?: RampFitPool;
}

/**
 * One step alone on a file, as `strun <step> <file>` runs it (a standalone step ignores `skip`):
 * ramp steps and ramp_fit take a ramp (`_uncal`, `_ramp` or a step's output), gain_scale a rate
 * product. Writes `<root>_<step>.fits` (ramp_fit: `<root>_0_ramp_fit.fits` and
 * `<root>_1_ramp_fit.fits`, plus `_fitopt` with save_opt). Returns the paths written.
 */
export async function runStepFile(alias: string, inputPath: string, options: StepFileOptions): Promise<string[]> {
  await mkdir(options.outputDir, { recursive: true });
  const { root, separator } = productRoot(inputPath);
  const pathOf = (suffix: string) => join(options.outputDir, `${root}${separator}${suffix}.fits`);
  const opened: FitsFile[] = [];
  const recorded = new Map<string, string>();
  const context = options.context ?? {};
  const reference = async (reftype: string, meta: RampModel['meta']) => {
    const override = options.parameters[`override_${reftype}`];
    const selected = await chooseReference(override, () => options.selectReference(reftype, meta));
    if (selected === undefined) return undefined;
    const path = typeof selected === 'object' ? selected.path : selected;
    if (typeof selected === 'object') recorded.set(reftype, selected.recorded);
    const file = await openFits(path);
    opened.push(file);
    return file;
  };
  const record = (meta: RampModel['meta']) => {
    for (const [reftype, name] of recorded) {
      const key = REFERENCE_KEYWORDS[reftype] ?? reftype.toUpperCase();
      if (meta.refFiles[key] !== undefined && meta.refFiles[key] !== 'N/A') meta.refFiles[key] = name;
    }
  };
  const written: string[] = [];
  const write = async (suffix: string, model: Parameters<typeof writeModel>[1]) => {
    record(model.meta);
    await writeModel(pathOf(suffix), model);
    written.push(pathOf(suffix));
  };
  try {
    if (alias === 'gain_scale') {
      const product = await readModelFile(inputPath);
      if (product.model !== 'ImageModel' && product.model !== 'IFUImageModel' && product.model !== 'CubeModel') {
        throw new Detector1Error(`${inputPath}: gain_scale takes a rate or rateints product, not a ${product.model}`);
      }
      await gainScaleStep(product, await reference('gain', product.meta), context);
      await write('gain_scale', product);
      return written;
    }
    const ramp = await readRamp(inputPath);
    if (alias === 'ramp_fit') {
      const gainFile = await reference('gain', ramp.meta);
      const readnoiseFile = await reference('readnoise', ramp.meta);
      if (!gainFile || !readnoiseFile) throw new Detector1Error(`ramp_fit on ${inputPath} needs GAIN and READNOISE references`);
      const refContext = { science: scienceGeometry(ramp.meta, ramp.shape, inputPath), instrument: ramp.meta.instrument.name };
      const gain = (await readReferenceFloat(gainFile, 'SCI', refContext)).data;
      const readnoise = (await readReferenceFloat(readnoiseFile, 'SCI', refContext)).data;
      const gainFactor = gainFile.primary.header.getNumber('GAINFACT');
      ramp.meta.refFiles.GAIN = basename(gainFile.source.name);
      ramp.meta.refFiles.READNO = basename(readnoiseFile.source.name);
      const fit = await rampFitStep(ramp, { ...stepOptions(options.parameters), gain, readnoise, gainFactor, pool: options.rampFitPool, signal: context.signal });
      if (fit.fitopt) await write('fitopt', fit.fitopt);
      if (!fit.rate || !fit.rateints) throw new Detector1Error(`ramp_fit on ${inputPath}: nothing to fit (${fit.noProducts})`);
      await write('0_ramp_fit', fit.rate);
      await write('1_ramp_fit', fit.rateints);
      return written;
    }
    const definition = RAMP_STEPS[alias];
    if (!definition) throw new Detector1Error(`no step '${alias}'`);
    const raw = definition.rawReftypes ?? [];
    const files = new Map<string, FitsFile | undefined>();
    const bytes = new Map<string, { name: string; bytes: Uint8Array } | undefined>();
    for (const reftype of definition.reftypes) {
      if (!raw.includes(reftype)) files.set(reftype, await reference(reftype, ramp.meta));
      else {
        const override = options.parameters[`override_${reftype}`];
        const selected = await chooseReference(override, () => options.selectReference(reftype, ramp.meta));
        const path = typeof selected === 'object' ? selected.path : selected;
        if (typeof selected === 'object') recorded.set(reftype, selected.recorded);
        bytes.set(reftype, path === undefined ? undefined : { name: basename(path), bytes: new Uint8Array(await readFile(path)) });
      }
    }
    const refs = {
      get: (type: string) => files.get(type),
      raw: (type: string) => bytes.get(type),
      load: (type: string) => reference(type, ramp.meta),
      calledStepParameters: async (className: CalledStepClass) => options.calledStepParameters?.(className, ramp.meta),
    };
    const readBytes = (path: string) =>
      readFile(path).then((bytes) => new Uint8Array(bytes), (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
    const stepContext = { ...context, saveProduct: write, readBytes };
    await definition.run(ramp, refs, { ...options.parameters, skip: false }, stepContext, new Map());
    await write(alias, ramp);
    return written;
  } finally {
    for (const file of opened) await file.close();
  }
}
