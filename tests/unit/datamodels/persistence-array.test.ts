/**
 * The persistence array file (jwst 3.0 `persistence_array_file` / `save_persistence`, ASDF):
 * our writer read back by our reader, the layout the `asdf` package writes for jwst (rows and
 * cols as strided views of one block, other top-level keys, flow mappings over two lines), and
 * errors. That jwst reads our files and we read jwst's: tests/python/test_nir_flag_steps_vs_jwst.py.
 */
import { describe, expect, it } from 'vitest';
import {
  decodePersistenceArrayFile,
  encodePersistenceArrayFile,
  PersistenceArrayFileError,
  updatePersistenceArrayFile,
} from '../../../ts/datamodels/persistence-array.js';

/** An ASDF file as the `asdf` package lays it out: YAML tree, then blocks with 48-byte headers. */
function asdfFile(yaml: string, blocks: Uint8Array[]): Uint8Array {
  const tree = new TextEncoder().encode(yaml);
  const parts: Uint8Array[] = [tree];
  for (const data of blocks) {
    const header = new Uint8Array(54);
    const view = new DataView(header.buffer);
    header.set([0xd3, 0x42, 0x4c, 0x4b]);
    view.setUint16(4, 48);
    view.setBigUint64(6 + 8, BigInt(data.length + 16)); // allocated beyond the used bytes
    view.setBigUint64(6 + 16, BigInt(data.length));
    view.setBigUint64(6 + 24, BigInt(data.length));
    parts.push(header, data, new Uint8Array(16));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

describe('persistence array file', () => {
  it('reads back what it writes, other detectors kept on update', () => {
    const a = { filename: "it's_ramp.fits", rows: [0, 5, 2047], cols: [1, 2, 3], vals: [1.5e9, 1.7e9 + 0.1, NaN], persTime: 200 };
    const b = { rows: [], cols: [], vals: [], persTime: 3 };
    const bytes = encodePersistenceArrayFile({ NRCA1: a, NRCB5: b });
    expect(new TextDecoder().decode(bytes.subarray(0, 11))).toBe('#ASDF 1.0.0');
    expect(decodePersistenceArrayFile(bytes)).toEqual({ NRCA1: a, NRCB5: b });
    const updated = decodePersistenceArrayFile(updatePersistenceArrayFile(bytes, 'NRCB5', { ...a, persTime: 7 }));
    expect(updated).toEqual({ NRCA1: a, NRCB5: { ...a, persTime: 7 } });
    expect(decodePersistenceArrayFile(updatePersistenceArrayFile(undefined, 'NRS1', b))).toEqual({ NRS1: b });
  });

  it('reads strided views of a shared block and ignores other top-level keys', () => {
    // np.nonzero -> rows, cols of one (n, 2) int64 array: offsets 0 and 8, stride 16.
    const pairs = new DataView(new ArrayBuffer(48));
    [[4, 9], [7, 1], [2047, 0]].forEach(([r, c], k) => {
      pairs.setBigInt64(16 * k, BigInt(r), true);
      pairs.setBigInt64(16 * k + 8, BigInt(c), true);
    });
    const vals = new DataView(new ArrayBuffer(24));
    [1.25, 2.5, 1e9].forEach((v, k) => vals.setFloat64(8 * k, v, true));
    const yaml = [
      '#ASDF 1.0.0',
      '#ASDF_STANDARD 1.6.0',
      '%YAML 1.1',
      '%TAG ! tag:stsci.edu:asdf/',
      '--- !core/asdf-1.1.0',
      "asdf_library: !core/software-1.0.0 {author: The ASDF Developers, homepage: 'http://github.com/asdf-format/asdf',",
      '  name: asdf, version: 5.4.0}',
      'history:',
      '  extensions:',
      '  - !core/extension_metadata-1.0.0',
      '    extension_class: asdf.extension._manifest.ManifestExtension',
      'NRCA1:',
      '  cols: !core/ndarray-1.1.0',
      '    source: 0',
      '    datatype: int64',
      '    byteorder: little',
      '    shape: [3]',
      '    offset: 8',
      '    strides: [16]',
      '  filename: jw01_ramp.fits',
      '  pers_time: 60',
      '  rows: !core/ndarray-1.1.0',
      '    source: 0',
      '    datatype: int64',
      '    byteorder: little',
      '    shape: [3]',
      '    strides: [16]',
      '  vals: !core/ndarray-1.1.0',
      '    source: 1',
      '    datatype: float64',
      '    byteorder: little',
      '    shape: [3]',
      '...',
      '',
    ].join('\n');
    const file = asdfFile(yaml, [new Uint8Array(pairs.buffer), new Uint8Array(vals.buffer)]);
    expect(decodePersistenceArrayFile(file)).toEqual({
      NRCA1: { filename: 'jw01_ramp.fits', rows: [4, 7, 2047], cols: [9, 1, 0], vals: [1.25, 2.5, 1e9], persTime: 60 },
    });
  });

  it('rejects what it cannot read', () => {
    expect(() => decodePersistenceArrayFile(new TextEncoder().encode('SIMPLE  =                    T'))).toThrow(PersistenceArrayFileError);
    const good = encodePersistenceArrayFile({ NRCA1: { rows: [1], cols: [2], vals: [3], persTime: 4 } });
    const truncated = good.subarray(0, good.length - 4);
    expect(() => decodePersistenceArrayFile(truncated)).toThrow(/NRCA1\.vals/);
    expect(() => encodePersistenceArrayFile({ 'NRC A1': { rows: [], cols: [], vals: [], persTime: 1 } })).toThrow(PersistenceArrayFileError);
    expect(() => encodePersistenceArrayFile({ NRCA1: { rows: [1], cols: [], vals: [], persTime: 1 } })).toThrow(/differ in length/);
  });
});
