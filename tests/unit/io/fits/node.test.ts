import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeFits, FitsError, FitsStreamWriter, Header, type WritableHdu } from '../../../../ts/io/fits/index.js';
import { AtomicFileSink, openFileSource, readFits, writeFileAtomic, writeFitsFile } from '../../../../ts/io/fits/node.js';
import { concat } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fits-node-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* failingAfterFirstChunk(): AsyncGenerator<Uint8Array> {
  yield new Uint8Array(2880).fill(1);
  throw new Error('producer failed');
}

describe('writeFileAtomic', () => {
  it('writes the chunks and leaves no temporary file', async () => {
    const target = path.join(dir, 'out.fits');
    await writeFileAtomic(target, [new Uint8Array([1, 2]), new Uint8Array([3])]);
    expect(new Uint8Array(await readFile(target))).toEqual(new Uint8Array([1, 2, 3]));
    expect(await readdir(dir)).toEqual(['out.fits']);
  });

  it('on failure creates no target and removes its temporary file', async () => {
    const target = path.join(dir, 'out.fits');
    await expect(writeFileAtomic(target, failingAfterFirstChunk())).rejects.toThrow('producer failed');
    expect(await readdir(dir)).toEqual([]);
  });

  it('on failure leaves an existing target untouched', async () => {
    const target = path.join(dir, 'out.fits');
    await writeFile(target, 'previous version');
    await expect(writeFileAtomic(target, failingAfterFirstChunk())).rejects.toThrow('producer failed');
    expect(await readFile(target, 'utf8')).toBe('previous version');
    expect(await readdir(dir)).toEqual(['out.fits']);
  });

  it('replaces an existing target on success', async () => {
    const target = path.join(dir, 'out.fits');
    await writeFile(target, 'previous version');
    await writeFileAtomic(target, (async function* () {
      yield new TextEncoder().encode('new');
    })());
    expect(await readFile(target, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['out.fits']);
  });
});

describe('AtomicFileSink.commit over an existing path', () => {
  it('puts the old file back when the new one cannot be renamed into place', async () => {
    const target = path.join(dir, 'out.fits');
    await writeFile(target, 'previous version');
    const sink = await AtomicFileSink.create(target);
    await sink.write(new TextEncoder().encode('new'));
    // The temporary file vanishes (e.g. removed by a cleaner): the rename into place fails.
    await rm(sink.tempPath);
    await expect(sink.commit()).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(target, 'utf8')).toBe('previous version');
    expect(await readdir(dir)).toEqual(['out.fits']);
  });

  it('fails on a directory at the path and leaves the directory where it is', async () => {
    const target = path.join(dir, 'out.fits');
    await mkdir(target);
    await writeFile(path.join(target, 'inside'), 'kept');
    await expect(writeFileAtomic(target, [new Uint8Array([1])])).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['out.fits']);
    expect(await readFile(path.join(target, 'inside'), 'utf8')).toBe('kept');
  });
});

describe('file sources and FITS files on disk', () => {
  const hdus: WritableHdu[] = [
    { kind: 'image', header: new Header().set('DATAMODL', 'RampModel') },
    { kind: 'image', header: new Header().set('EXTNAME', 'SCI'), data: Float32Array.from({ length: 4 * 3 * 5 }, (_, i) => i / 4), shape: [4, 3, 5] },
  ];

  it('writeFitsFile then readFits round-trips, reading blocks lazily', async () => {
    const target = path.join(dir, 'ramp.fits');
    await writeFitsFile(target, hdus);
    expect(await readdir(dir)).toEqual(['ramp.fits']);
    const file = await readFits(target);
    try {
      expect(file.source.name).toBe(target);
      expect(file.primary.header.getString('DATAMODL')).toBe('RampModel');
      const plane = await file.readImage(file.get('SCI'), { index: [2] });
      expect(Array.from(plane.data as Float32Array)).toEqual(Array.from({ length: 15 }, (_, i) => (30 + i) / 4));
    } finally {
      await file.close();
    }
  });

  it('openFileSource reads exactly the requested range and refuses reads past the end', async () => {
    const target = path.join(dir, 'bytes.bin');
    await writeFile(target, Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff));
    const source = await openFileSource(target);
    try {
      expect(source.size).toBe(5000);
      expect(Array.from(await source.read(4998, 2))).toEqual([4998 & 0xff, 4999 & 0xff]);
      const target3 = new Uint8Array(3);
      await source.readInto?.(256, target3);
      expect(Array.from(target3)).toEqual([0, 1, 2]);
      await expect(source.read(4999, 2)).rejects.toThrow(FitsError);
      await expect(source.read(4999, 2)).rejects.toThrow(`${target}: read of 2 bytes at byte 4999 goes past the end of the file`);
    } finally {
      await source.close();
      await source.close();
    }
  });

  it('readFits closes the file and names it when it is not FITS', async () => {
    const target = path.join(dir, 'notes.txt');
    await writeFile(target, 'x'.repeat(4000));
    await expect(readFits(target)).rejects.toThrow(`${target}: not a FITS file`);
  });

  it('streams through an AtomicFileSink to the same bytes as encodeFits, or aborts cleanly', async () => {
    const target = path.join(dir, 'streamed.fits');
    const sink = await AtomicFileSink.create(target);
    const writer = new FitsStreamWriter(sink, { name: target });
    await writer.writeHdu(hdus[0]);
    await writer.beginImage(new Header().set('EXTNAME', 'SCI'), 'float32', [4, 3, 5]);
    const data = (hdus[1] as { data: Float32Array }).data;
    for (let i = 0; i < 4; i++) await writer.writePixels(data.subarray(i * 15, (i + 1) * 15));
    await writer.finish();
    await sink.commit();
    expect(new Uint8Array(await readFile(target))).toEqual(concat(encodeFits(hdus)));

    const aborted = await AtomicFileSink.create(path.join(dir, 'aborted.fits'));
    await aborted.write(new Uint8Array(10));
    await aborted.abort();
    expect(await readdir(dir)).toEqual(['streamed.fits']);
  });

  it('writes images of several slices through reused buffers to the same bytes as encodeFits', async () => {
    // More than two 1 Mi-pixel slices per image: each encoding buffer is reused while the other is written.
    const wide = Float64Array.from({ length: 2_500_003 }, (_, i) => (i * 7919) % 100003 / 3);
    const odd = Uint16Array.from({ length: 2_500_001 }, (_, i) => (i * 389) & 0xffff);
    const big: WritableHdu[] = [
      hdus[0],
      { kind: 'image', header: new Header().set('EXTNAME', 'WIDE'), data: wide },
      { kind: 'image', header: new Header().set('EXTNAME', 'ODD'), data: odd },
    ];
    const target = path.join(dir, 'big.fits');
    await writeFitsFile(target, big);
    const [written, encoded] = [await readFile(target), concat(encodeFits(big))];
    // Buffer.compare: toEqual on 40 MB of bytes would walk them as object entries.
    expect(written.length).toBe(encoded.length);
    expect(Buffer.compare(written, encoded)).toBe(0);
  });

  it('reports a failed overlapped write at the next step and leaves no rejection unhandled', async () => {
    let writes = 0;
    const failing = {
      releasesWritten: true,
      async write() {
        // 1: primary, 2: image header, 3 and 4: the first two slices.
        if (++writes === 4) throw new Error('disk full');
      },
      async writeAt() {},
    };
    const writer = new FitsStreamWriter(failing, { name: 'failing.fits' });
    await writer.writeHdu(hdus[0]);
    await writer.beginImage(new Header().set('EXTNAME', 'SCI'), 'float32', [3, 1 << 20]);
    await expect(writer.writePixels(new Float32Array(3 << 20))).rejects.toThrow('disk full');
  });
});
