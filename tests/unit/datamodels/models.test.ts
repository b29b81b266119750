import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Header,
  FitsFile,
  bytesSource,
  encodeFits,
  createCubeModel,
  createImageModel,
  createRampModel,
  derivedHeaders,
  emptyMeta,
  modelHdus,
  readMeta,
  readModel,
  writeMeta,
  ModelShapeError,
  RampReader,
  type RampModel,
} from '../../../ts/index.js';
import { openRamp } from '../../../ts/datamodels/node.js';
import { packageVersion } from '../../../ts/version.js';
import packageJson from '../../../package.json' with { type: 'json' };

const realDir = fileURLToPath(new URL('../../../../shared/data/real/', import.meta.url));
const uncalPath = `${realDir}jw01019001001_gs-acq1_2022117003102_uncal.fits`;

async function reopen(hdus: ReturnType<typeof modelHdus>): Promise<FitsFile> {
  const chunks = encodeFits(hdus);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return FitsFile.open(bytesSource(bytes, 'memory.fits'));
}

function smallRamp(): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.instrument, { name: 'NIRCAM', detector: 'NRCA1' });
  Object.assign(meta.exposure, { nints: 2, ngroups: 3, frameTime: 10.73677, zeroFrame: true });
  const shape: RampModel['shape'] = [2, 3, 4, 5];
  return createRampModel({
    meta,
    shape,
    data: Float32Array.from({ length: 120 }, (_, i) => i + 0.25),
    pixeldq: Uint32Array.from({ length: 20 }, (_, i) => (i === 3 ? 2 ** 31 : i)),
    groupdq: Uint8Array.from({ length: 120 }, (_, i) => i % 256),
    zeroframe: Float32Array.from({ length: 40 }, (_, i) => i),
  });
}

describe('typed metadata', () => {
  it('round-trips every typed keyword through a header', () => {
    const meta = emptyMeta();
    Object.assign(meta.exposure, { nints: 3, frameTime: 0.182, zeroFrame: false, readpatt: 'FAST' });
    Object.assign(meta.subarray, { name: '128X128', xstart: 887 });
    meta.calStep.DQINIT = 'SKIPPED';
    meta.refFiles.MASK = 'crds://jwst_nircam_mask_0001.fits';
    const header = new Header();
    writeMeta(meta, header);
    expect(header.get('NINTS')).toBe(3);
    expect(header.get('S_DQINIT')).toBe('SKIPPED');
    expect(readMeta(header, 'x.fits')).toEqual(meta);
  });

  it('reports a keyword of the wrong type, naming file and keyword', () => {
    const header = new Header().set('NGROUPS', 'ten');
    expect(() => readMeta(header, 'bad_uncal.fits')).toThrow(/bad_uncal.fits: keyword NGROUPS should be int/);
  });
});

describe('models', () => {
  it('refuse arrays that do not fit their shape, naming the array', () => {
    expect(() =>
      createImageModel({
        shape: [4, 5],
        data: new Float32Array(20),
        err: new Float32Array(20),
        dq: new Uint32Array(19),
        varPoisson: new Float32Array(20),
        varRnoise: new Float32Array(20),
      }),
    ).toThrow(new ModelShapeError('ImageModel: dq has 19 elements but shape [4, 5] needs 20'));
    expect(() => createRampModel({ ...smallRamp(), pixeldq: new Uint32Array(21) })).toThrow(/pixeldq has 21 elements/);
  });

  it('write a RampModel with the schema layout and read it back identically', async () => {
    const ramp = smallRamp();
    const file = await reopen(modelHdus(ramp, { fileName: 'x_ramp.fits', date: new Date('2026-01-01T00:00:00Z') }));
    expect(file.hdus.map((h) => h.extname ?? 'PRIMARY')).toEqual(['PRIMARY', 'SCI', 'PIXELDQ', 'GROUPDQ', 'ZEROFRAME', 'ASDF']);
    expect(file.get('SCI').bitpix).toBe(-32);
    expect(file.get('PIXELDQ').header.get('BZERO')).toBe(2147483648);
    expect(file.get('GROUPDQ').bitpix).toBe(8);
    expect(file.primary.header.get('DATAMODL')).toBe('RampModel');
    expect(file.primary.header.get('DATE')).toBe('2026-01-01T00:00:00.000');
    expect(file.get('SCI').header.get('BUNIT')).toBe('DN');
    const back = (await readModel(file)) as RampModel;
    expect(back.model).toBe('RampModel');
    expect(back.shape).toEqual(ramp.shape);
    expect(back.data).toEqual(ramp.data);
    expect(back.pixeldq).toEqual(ramp.pixeldq);
    expect(back.groupdq).toEqual(ramp.groupdq);
    expect(back.zeroframe).toEqual(ramp.zeroframe);
    expect(back.meta.exposure).toEqual(ramp.meta.exposure);
  });

  it('read one integration at a time, equal to the whole read', async () => {
    const ramp = smallRamp();
    const reader = RampReader.open(await reopen(modelHdus(ramp, { fileName: 'x.fits' })));
    const second = await reader.readIntegration(1);
    expect(second.data).toEqual(ramp.data.subarray(60, 120));
    expect(second.groupdq).toEqual(ramp.groupdq.subarray(60, 120));
    expect(second.zeroframe).toEqual(ramp.zeroframe!.subarray(20, 40));
    await expect(reader.readIntegration(2)).rejects.toThrow(/memory.fits: integration 2 is out of range 0..1/);
  });

  it('write rate and rateints products that read back', async () => {
    const n = 20;
    const f = (v: number) => new Float32Array(n).fill(v);
    const rate = createImageModel({
      meta: smallRamp().meta,
      shape: [4, 5],
      data: f(1.5),
      err: f(0.1),
      dq: new Uint32Array(n).fill(2 ** 31 + 1),
      varPoisson: f(0.2),
      varRnoise: f(0.3),
    });
    const file = await reopen(modelHdus(rate, { fileName: 'x_rate.fits' }));
    expect(file.hdus.map((h) => h.extname ?? 'PRIMARY')).toEqual(['PRIMARY', 'SCI', 'ERR', 'DQ', 'VAR_POISSON', 'VAR_RNOISE', 'ASDF']);
    expect(file.get('SCI').header.get('BUNIT')).toBe('DN/s');
    const back = await readModel(file);
    expect(back).toMatchObject({ model: 'ImageModel', shape: [4, 5] });
    expect((back as typeof rate).dq[0]).toBe(2 ** 31 + 1);

    const cube = createCubeModel({ ...rate, shape: [1, 4, 5] });
    const cubeBack = await readModel(await reopen(modelHdus(cube, { fileName: 'x_rateints.fits' })));
    expect(cubeBack).toMatchObject({ model: 'CubeModel', shape: [1, 4, 5] });
  });

  it('carry only schema keywords into derived products (jwst model.update)', () => {
    const primary = new Header().set('TARGNAME', 'x').set('MYPRIVATE', 1).set('DATE', 'old').set('NINTS', 2);
    const sciHeader = new Header().set('BUNIT', 'DN').set('CRPIX1', 1.5).set('FOO', 'bar');
    const derived = derivedHeaders({ primary, sciHeader });
    expect(derived.primary.cards.map((c) => c.key)).toEqual(['TARGNAME', 'NINTS']);
    expect(derived.sciHeader.cards.map((c) => c.key)).toEqual(['BUNIT', 'CRPIX1']);
  });

  it('record the package version that package.json declares', () => {
    expect(packageVersion).toBe(packageJson.version);
  });
});

describe.skipIf(!existsSync(uncalPath))('a real uncal file (../shared/data/real)', () => {
  it('opens as a ramp with its metadata, reading integrations lazily', async () => {
    const reader = await openRamp(uncalPath);
    try {
      expect(reader.shape).toEqual([6, 2, 128, 128]);
      expect(reader.meta.exposure).toMatchObject({ nints: 6, ngroups: 2, frameTime: 0.182 });
      expect(reader.meta.subarray).toMatchObject({ name: '128X128', xstart: 887, ystart: 1022 });
      const last = await reader.readIntegration(5);
      expect(last.data).toBeInstanceOf(Float32Array);
      expect(last.data.length).toBe(2 * 128 * 128);
      expect(Math.min(...last.data)).toBeGreaterThanOrEqual(5886);
      expect(Math.max(...last.data)).toBeLessThanOrEqual(64364);
      expect((await reader.readPixeldq()).every((v) => v === 0)).toBe(true);
    } finally {
      await reader.file.close();
    }
  });
});
if (!existsSync(uncalPath)) console.warn(`skipping real-file model tests: ${uncalPath} not found (../shared absent)`);
