/**
 * `meta.exposure.read_times` from the ASDF extension of a FITS file: the layouts the asdf library
 * writes for Python lists (the jwst-written file itself is checked in
 * tests/python/test_ramp_fit_read_times_vs_jwst.py), and what is not read times.
 */
import { describe, expect, it } from 'vitest';
import { AsdfMetadataError, asdfDocumentText, asdfExposureReadTimes } from '../../../ts/datamodels/asdf.js';

const doc = (body: string[]) => new TextEncoder().encode(asdfDocumentText({ name: 'asdf', version: '5.4.0' }, body));

describe('asdfExposureReadTimes', () => {
  it('reads a block sequence of flow lists at the key indent, next to ndarrays stored in FITS HDUs', () => {
    const body = [
      'data: !core/ndarray-1.1.0',
      '  source: fits:SCI,1',
      '  shape: [1, 5, 2, 3]',
      'meta:',
      '  exposure:',
      '    nints: 1',
      '    read_times:',
      '    - [0.1, 0.2]',
      '    - [1.7]',
      '    - [3.1, 1.0e-05]',
      '  filename: x.fits',
    ];
    expect(asdfExposureReadTimes(doc(body), 'x.fits')).toEqual([[0.1, 0.2], [1.7], [3.1, 1e-5]]);
  });

  it('reads flow and nested block layouts', () => {
    expect(asdfExposureReadTimes(doc(['meta:', '  exposure:', '    read_times: [[1.5, 2], [3.25]]']), 'f')).toEqual([[1.5, 2], [3.25]]);
    const nested = ['meta:', '  exposure:', '    read_times:', '      - - 1.0', '        - 2.0', '      - - 3.0', 'history: {}'];
    expect(asdfExposureReadTimes(doc(nested), 'f')).toEqual([[1, 2], [3]]);
  });

  it('is undefined without read times, including a read_times key elsewhere in the tree', () => {
    expect(asdfExposureReadTimes(doc(['meta:', '  exposure:', '    nints: 2']), 'f')).toBeUndefined();
    expect(asdfExposureReadTimes(doc(['other:', '  exposure:', '    read_times: [[1.0]]']), 'f')).toBeUndefined();
    expect(asdfExposureReadTimes(doc(['meta:', '  read_times: [[1.0]]']), 'f')).toBeUndefined();
  });

  it('rejects values that are not lists of lists of numbers', () => {
    const bad = (value: string) => () => asdfExposureReadTimes(doc(['meta:', '  exposure:', `    read_times: ${value}`]), 'f');
    expect(bad('!core/ndarray-1.1.0')).toThrow(AsdfMetadataError);
    expect(bad('[1.0, 2.0]')).toThrow(/list of lists/);
    expect(bad('[[.nan]]')).toThrow(/finite/);
  });
});
