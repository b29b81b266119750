/**
 * BandedProductWriter: `_rate`/`_rateints` written by row bands in any order are the very bytes
 * writeModel writes for the whole model, with valid checksums; incomplete products never appear.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesSource, FitsFile, Header, onesComplementSum, type FitsTable } from '../../../ts/io/fits/index.js';
import { createCubeModel, createImageModel, type CubeModel, type ImageModel } from '../../../ts/datamodels/models.js';
import { emptyMeta } from '../../../ts/datamodels/meta.js';
import { readModelFile, writeModel } from '../../../ts/datamodels/node.js';
import { BandedProductWriter } from '../../../ts/pipeline/banded-writer-node.js';
import { encodePixels } from '../../../ts/io/fits/pixels.js';
import { RATEINTS_KEYS, type RateintsRows } from '../../../ts/pipeline/spill.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { kernelsLoaded } from '../../../ts/kernels/module.js';
import { expectSameArray } from '../io/fits/helpers.js';
import { random as seeded } from '../../helpers/random.js';

const DATE = new Date('2025-01-02T03:04:05.678Z');

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'banded-writer-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function intTimes(nints: number): FitsTable {
  const columns = [
    { name: 'integration_number', format: 'J', type: 'J', repeat: 1, data: Int32Array.from({ length: nints }, (_, i) => i + 1) },
    { name: 'int_start_MJD_UTC', format: 'D', type: 'D', repeat: 1, data: Float64Array.from({ length: nints }, (_, i) => 60000.5 + i / 1000) },
  ];
  return { nrows: nints, columns, column: (name) => columns.find((c) => c.name === name)! };
}

/** Random slopes with NaNs, flags over all 32 bits (BZERO's sign flip), realistic headers. */
function filledModel(shape: [number, number] | [number, number, number], seed: number): ImageModel | CubeModel {
  const random = seeded(seed);
  const length = shape.reduce((a, b) => a * b, 1);
  const float = () => Float32Array.from({ length }, () => (random() < 0.05 ? NaN : (random() - 0.3) * 1e4));
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM', detector: 'NRCA1' });
  Object.assign(meta.exposure, { type: 'NRC_IMAGE', ngroups: 5, nints: shape.length === 3 ? shape[0] : 1 });
  const primary = new Header().set('ORIGIN', 'STSCI', 'institution').set('TARG_RA', 53.16, 'target RA');
  const sciHeader = new Header().set('PHOTMJSR', 1.5, 'MJy/sr per DN/s').set('CRPIX1', 12.5);
  const arrays = {
    meta,
    primary,
    sciHeader,
    data: float(),
    err: float(),
    dq: Uint32Array.from({ length }, () => (random() < 0.5 ? 0 : Math.floor(random() * 2 ** 32))),
    varPoisson: float(),
    varRnoise: float(),
  };
  return shape.length === 3
    ? createCubeModel({ ...arrays, shape, intTimes: intTimes(shape[0]) })
    : createImageModel({ ...arrays, shape });
}

/** The model with zero-length arrays, as the pipeline hands it over. */
function skeletonOf(model: ImageModel | CubeModel): ImageModel | CubeModel {
  return { ...model, data: new Float32Array(0), err: new Float32Array(0), dq: new Uint32Array(0), varPoisson: new Float32Array(0), varRnoise: new Float32Array(0) };
}

/** Rows row0 ..< row1 of integration i of every array (views, no copies). */
function bandOf(model: ImageModel | CubeModel, i: number, row0: number, row1: number): RateintsRows {
  const [rows, cols] = model.shape.slice(-2);
  const start = (i * rows + row0) * cols;
  const end = (i * rows + row1) * cols;
  return { data: model.data.subarray(start, end), err: model.err.subarray(start, end), dq: model.dq.subarray(start, end), varPoisson: model.varPoisson.subarray(start, end), varRnoise: model.varRnoise.subarray(start, end) };
}

/** Every integration cut into bands of uneven heights (1 to 7 rows), in shuffled order. */
function shuffledBands(model: ImageModel | CubeModel, seed: number): [number, number, number][] {
  const random = seeded(seed);
  const nints = model.model === 'CubeModel' ? model.shape[0] : 1;
  const rows = model.shape[model.shape.length - 2];
  const bands: [number, number, number][] = [];
  for (let i = 0; i < nints; i++) {
    for (let row0 = 0; row0 < rows; ) {
      const row1 = Math.min(rows, row0 + 1 + Math.floor(random() * 7));
      bands.push([i, row0, row1]);
      row0 = row1;
    }
  }
  for (let k = bands.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [bands[k], bands[j]] = [bands[j], bands[k]];
  }
  return bands;
}

/** Every HDU (header and padded data) sums to -0, as its CHECKSUM says. */
async function expectValidChecksums(bytes: Uint8Array): Promise<number> {
  const file = await FitsFile.open(bytesSource(bytes, 'banded.fits'));
  for (const [k, hdu] of file.hdus.entries()) {
    const end = k + 1 < file.hdus.length ? file.hdus[k + 1].headerOffset : bytes.length;
    expect(onesComplementSum(bytes.subarray(hdu.headerOffset, end)), hdu.extname).toBe(0xffffffff);
    expect(hdu.header.has('DATASUM'), hdu.extname).toBe(true);
  }
  return file.hdus.length;
}

/** Writes `model` whole (writeModel) and band by band (bands concurrently, in shuffled order); returns both files' bytes. */
async function writeBothWays(model: ImageModel | CubeModel, name: string, seed: number): Promise<{ whole: Uint8Array; banded: Uint8Array; bandedPath: string }> {
  // Same base name (FILENAME) in two directories.
  const wholePath = join(directory, 'whole', name);
  const bandedPath = join(directory, 'banded', name);
  await mkdir(join(directory, 'whole'));
  await mkdir(join(directory, 'banded'));
  await writeModel(wholePath, model, DATE);
  const writer = await BandedProductWriter.create(bandedPath, skeletonOf(model), DATE);
  await Promise.all(shuffledBands(model, seed).map(([i, row0, row1]) => writer.writeRows(i, row0, bandOf(model, i, row0, row1))));
  await writer.commit();
  return { whole: new Uint8Array(await readFile(wholePath)), banded: new Uint8Array(await readFile(bandedPath)), bandedPath };
}

function identityTests(codec: string): void {
  it(`${codec}: an ImageModel in shuffled uneven bands is writeModel's file, byte for byte`, async () => {
    const model = filledModel([37, 29], 1);
    const { whole, banded, bandedPath } = await writeBothWays(model, 'jw_rate.fits', 2);
    expect(banded.length).toBe(whole.length);
    expect(Buffer.compare(banded, whole)).toBe(0);
    expect(await expectValidChecksums(banded)).toBe(7);
    const back = await readModelFile(bandedPath);
    for (const key of RATEINTS_KEYS) expectSameArray((back as ImageModel)[key], model[key], key);
  });

  it(`${codec}: a 3-integration CubeModel (INT_TIMES between its images) is writeModel's file, byte for byte`, async () => {
    const model = filledModel([3, 23, 17], 3);
    const { whole, banded, bandedPath } = await writeBothWays(model, 'jw_rateints.fits', 4);
    expect(Buffer.compare(banded, whole)).toBe(0);
    expect(await expectValidChecksums(banded)).toBe(8);
    const back = await readModelFile(bandedPath);
    expect(back.model).toBe('CubeModel');
    for (const key of RATEINTS_KEYS) expectSameArray((back as CubeModel)[key], model[key], key);
  });
}

describe('BandedProductWriter', () => {
  describe('with the JS pixel codec', () => {
    it('runs before the kernels are loaded', () => {
      expect(kernelsLoaded()).toBe(false);
    });
    identityTests('JS codec');
  });

  describe('with the wasm pixel encoder', () => {
    beforeEach(async () => {
      await loadKernels();
    });
    identityTests('wasm');

    it('a plane larger than writeModel streams in slices is still the same bytes', async () => {
      // 1030 x 1024 pixels: writeModel goes through its streaming path for every image.
      const model = filledModel([1030, 1024], 5);
      const path = join(directory, 'big', 'jw_rate.fits');
      const wholePath = join(directory, 'jw_rate.fits');
      await mkdir(join(directory, 'big'));
      await writeModel(wholePath, model, DATE);
      const writer = await BandedProductWriter.create(path, skeletonOf(model), DATE);
      for (const [row0, row1] of [[700, 1030], [0, 300], [300, 700]]) await writer.writeRows(0, row0, bandOf(model, 0, row0, row1));
      await writer.commit();
      expect(Buffer.compare(await readFile(path), await readFile(wholePath))).toBe(0);
    });

    it('refuses bands outside the product or of mismatched arrays, naming the file', async () => {
      const model = filledModel([2, 10, 6], 6);
      const path = join(directory, 'jw_rateints.fits');
      const writer = await BandedProductWriter.create(path, skeletonOf(model));
      try {
        const band = bandOf(model, 0, 2, 5);
        await expect(writer.writeRows(2, 0, band)).rejects.toThrow(RangeError);
        await expect(writer.writeRows(2, 0, band)).rejects.toThrow(`${path}: integration 2 is out of range 0..1`);
        await expect(writer.writeRows(0, 8, band)).rejects.toThrow(`${path}: rows 8..<11 are outside the image's 10 rows`);
        await expect(writer.writeRows(0, -1, band)).rejects.toThrow(RangeError);
        await expect(writer.writeRows(0, 0, { ...band, data: band.data.subarray(1) })).rejects.toThrow(/not whole rows of 6/);
        await expect(writer.writeRows(0, 0, { ...band, dq: band.dq.subarray(6) })).rejects.toThrow(/dq has 12 values, data 18/);
        await writer.writeRows(0, 2, band);
        await expect(writer.writeRows(0, 4, bandOf(model, 0, 4, 6))).rejects.toThrow(`${path}: rows 4..<6 of integration 0 overlap rows already written`);
        // Rows still being written count too: of two bands given at once, the second overlaps.
        const [first, second] = await Promise.allSettled([writer.writeRows(1, 0, bandOf(model, 1, 0, 3)), writer.writeRows(1, 2, bandOf(model, 1, 2, 4))]);
        expect(first.status).toBe('fulfilled');
        expect(second.status === 'rejected' && String(second.reason)).toContain(`${path}: rows 2..<4 of integration 1 overlap rows already written`);
      } finally {
        await writer.abort();
      }
    });

    it('rows another thread wrote into its file as file words, then counted with their sums, give writeModel\'s file; bad ranges are refused', async () => {
      const model = filledModel([3, 10, 6], 9);
      const [rows, cols] = model.shape.slice(-2);
      const name = 'jw_rateints.fits';
      await mkdir(join(directory, 'whole'));
      await writeModel(join(directory, 'whole', name), model, DATE);
      const path = join(directory, name);
      const writer = await BandedProductWriter.create(path, skeletonOf(model), DATE);
      const target = writer.fileTarget()!;
      expect(target.path).not.toBe(path);
      const fd = openSync(target.path, 'r+');
      try {
        for (const [i, row0, row1] of shuffledBands(model, 10)) {
          const band = bandOf(model, i, row0, row1);
          const sums = {} as Record<keyof RateintsRows, number>;
          for (const key of RATEINTS_KEYS) {
            const words = new Uint8Array(band[key].length * 4);
            encodePixels(band[key], words);
            sums[key] = onesComplementSum(words);
            writeSync(fd, words, 0, words.length, target.offsets[key] + (i * rows + row0) * cols * 4);
          }
          writer.recordWrittenRows(i, row0, row1 - row0, sums);
        }
      } finally {
        closeSync(fd);
      }
      const zeros = { data: 0, err: 0, dq: 0, varPoisson: 0, varRnoise: 0 };
      expect(() => writer.recordWrittenRows(3, 0, 1, zeros)).toThrow(`${path}: rows 0..<1 of integration 3 are outside the product's 3 x 10 rows`);
      expect(() => writer.recordWrittenRows(0, 8, 3, zeros)).toThrow(RangeError);
      expect(() => writer.recordWrittenRows(1, 4, 2, zeros)).toThrow(`${path}: rows 4..<6 of integration 1 overlap rows already written`);
      await writer.commit();
      expect(Buffer.compare(await readFile(path), await readFile(join(directory, 'whole', name)))).toBe(0);
      expect(writer.fileTarget()).toBeUndefined();
      expect(() => writer.recordWrittenRows(0, 0, 1, zeros)).toThrow('rows recorded after commit or abort');
    });

    it('commit with rows missing throws naming them, and the product never appears', async () => {
      const model = filledModel([3, 10, 6], 7);
      const path = join(directory, 'jw_rateints.fits');
      const writer = await BandedProductWriter.create(path, skeletonOf(model));
      for (const [i, row0, row1] of shuffledBands(model, 8)) {
        if ((i === 1 && row0 < 5) || i === 2) continue;
        await writer.writeRows(i, row0, bandOf(model, i, row0, row1));
      }
      await writer.writeRows(2, 3, bandOf(model, 2, 3, 4));
      await expect(writer.commit()).rejects.toThrow(
        `${path}: cannot commit: integration 1 rows 0..<5, integration 2 rows 0..<3, integration 2 rows 4..<10 never written`,
      );
      expect(await readdir(directory)).toHaveLength(1);
      await writer.abort();
      expect(await readdir(directory)).toEqual([]);
    });

    it("the primary header laid out with placeholders and replaced before commit is writeModel's file of the final model", async () => {
      const model = filledModel([2, 9, 7], 10);
      const final = { ...model, meta: structuredClone(model.meta) };
      Object.assign(final.meta.exposure, { primaryCosmicRays: 0.01234567, extendedEmissionEvents: 3.5 });
      const placeholders = { ...model, meta: structuredClone(model.meta) };
      Object.assign(placeholders.meta.exposure, { primaryCosmicRays: 0, extendedEmissionEvents: 0 });
      await mkdir(join(directory, 'whole'));
      const wholePath = join(directory, 'whole', 'jw_rateints.fits');
      await writeModel(wholePath, final, DATE);
      const path = join(directory, 'jw_rateints.fits');
      const writer = await BandedProductWriter.create(path, skeletonOf(placeholders), DATE);
      for (const [i, row0, row1] of shuffledBands(model, 11)) await writer.writeRows(i, row0, bandOf(model, i, row0, row1));
      expect(await writer.replacePrimaryHeader(skeletonOf(final))).toBe(true);
      await writer.commit();
      const bytes = new Uint8Array(await readFile(path));
      expect(Buffer.compare(bytes, await readFile(wholePath))).toBe(0);
      expect(await expectValidChecksums(bytes)).toBe(8);
    });

    it('a replacement primary header of another size is refused and nothing is written', async () => {
      const model = filledModel([9, 7], 12);
      const path = join(directory, 'jw_rate.fits');
      const writer = await BandedProductWriter.create(path, skeletonOf(model), DATE);
      const before = new Uint8Array(await readFile(join(directory, (await readdir(directory))[0])));
      const longer = skeletonOf(model);
      longer.primary = new Header(model.primary.cards.map((c) => ({ ...c })));
      for (let k = 0; k < 40; k++) longer.primary.set(`EXTRA${k}`, k, 'a card too many');
      try {
        expect(await writer.replacePrimaryHeader(longer)).toBe(false);
        const after = new Uint8Array(await readFile(join(directory, (await readdir(directory))[0])));
        expect(Buffer.compare(after.subarray(0, before.length), before)).toBe(0);
      } finally {
        await writer.abort();
      }
      await expect(writer.replacePrimaryHeader(skeletonOf(model))).rejects.toThrow(/primary header replaced after commit or abort/);
    });

    it('abort removes the temporary file; nothing is written after it', async () => {
      const model = filledModel([12, 5], 9);
      const path = join(directory, 'jw_rate.fits');
      const writer = await BandedProductWriter.create(path, skeletonOf(model));
      await writer.writeRows(0, 0, bandOf(model, 0, 0, 4));
      expect((await readdir(directory))[0]).toMatch(/^\.jw_rate\.fits\.[0-9a-f]+\.tmp$/);
      await writer.abort();
      expect(await readdir(directory)).toEqual([]);
      await expect(writer.writeRows(0, 4, bandOf(model, 0, 4, 12))).rejects.toThrow(`${path}: rows written after commit or abort`);
      await expect(writer.commit()).rejects.toThrow(/commit after commit or abort/);
    });
  });
});
