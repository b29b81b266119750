import { describe, expect, it } from 'vitest';
import { FitsError, Header } from '../../../../ts/io/fits/index.js';
import { headerBytes } from './helpers.js';

function cardImages(header: Header): string[] {
  const text = String.fromCharCode(...header.toBytes());
  return text.match(/.{80}/g) ?? [];
}

describe('Header.parse', () => {
  const bytes = headerBytes([
    'SIMPLE  =                    T / conforms to FITS standard',
    'BITPIX  =                    8',
    "ORIGIN  = 'STSCI   '           / Organization",
    "NAME    = 'O''Hara'            / doubled quote",
    "LEADING = '  spaced'",
    "EMPTY   = ''",
    'FLAG    =                    F',
    'BIG     = 12345678901234567890 / beyond 2^53',
    'NEGBIG  = -9223372036854775808',
    'DEXP    =              1.5D+03 / Fortran exponent',
    'SMALL   =             -2.5d-02',
    'FREE    = 42 / free-format integer',
    'FLOAT   =   1.88548527777777E-05',
    'UNDEF   =                      / undefined value',
    'COMMENT   FITS (Flexible Image Transport System)',
    'HISTORY second line of history',
    '        JWST ephemeris information',
    'lower   =                    1',
    'HIERARCH ESO DET CHIP = 3 / hierarchical',
    'ENDTIME =                 12.5 / not the END card',
  ]);
  const { header, byteLength } = Header.parse(bytes, 'test.fits');

  it('reads every value type', () => {
    expect(byteLength).toBe(2880);
    expect(header.get('SIMPLE')).toBe(true);
    expect(header.getBool('FLAG')).toBe(false);
    expect(header.getInt('BITPIX')).toBe(8);
    expect(header.getString('ORIGIN')).toBe('STSCI');
    expect(header.getString('NAME')).toBe("O'Hara");
    expect(header.getString('LEADING')).toBe('  spaced');
    expect(header.getString('EMPTY')).toBe('');
    expect(header.get('BIG')).toBe(12345678901234567890n);
    expect(header.get('NEGBIG')).toBe(-9223372036854775808n);
    expect(header.getNumber('DEXP')).toBe(1500);
    expect(header.getNumber('SMALL')).toBe(-0.025);
    expect(header.getInt('FREE')).toBe(42);
    expect(header.getNumber('FLOAT')).toBe(1.88548527777777e-5);
    expect(header.get('UNDEF')).toBeNull();
    expect(header.has('UNDEF')).toBe(true);
    expect(header.get('MISSING')).toBeUndefined();
    expect(header.get('lower')).toBe(1);
    expect(header.get('HIERARCH ESO DET CHIP')).toBe(3);
    expect(header.get('ESO DET CHIP')).toBe(3);
    expect(header.getNumber('ENDTIME')).toBe(12.5);
  });

  it('keeps comments and commentary text', () => {
    expect(header.cards.find((c) => c.key === 'ORIGIN')?.comment).toBe('Organization');
    expect(header.cards.find((c) => c.key === 'UNDEF')?.comment).toBe('undefined value');
    expect(header.get('COMMENT')).toBe('  FITS (Flexible Image Transport System)');
    expect(header.get('HISTORY')).toBe('second line of history');
    expect(header.cards.find((c) => c.key === '')?.value).toBe('JWST ephemeris information');
  });

  it('typed getters refuse other types', () => {
    expect(header.getString('BITPIX')).toBeUndefined();
    expect(header.getNumber('ORIGIN')).toBeUndefined();
    expect(header.getInt('DEXP')).toBe(1500);
    expect(header.getInt('SMALL')).toBeUndefined();
    expect(header.getInt('BIG')).toBeUndefined();
    expect(header.getBool('BITPIX')).toBeUndefined();
  });

  it('writes back an unmodified header byte for byte', () => {
    expect(header.toBytes()).toEqual(bytes);
  });

  it('throws a FitsError naming the file when END is missing', () => {
    const noEnd = headerBytes(['SIMPLE  =                    T', 'BITPIX  =                    8'], false);
    expect(() => Header.parse(noEnd, 'broken.fits')).toThrow(FitsError);
    expect(() => Header.parse(noEnd, 'broken.fits')).toThrow(/^broken\.fits: header has no END card/);
  });
});

describe('Header serialization', () => {
  it('round-trips values it formats itself', () => {
    const header = new Header()
      .set('SIMPLE', true, 'conforms')
      .set('NEG', -17)
      .set('BIG', 2n ** 63n)
      .set('TFRAME', 0.182)
      .set('TINY', 1.88548527777777e-5)
      .set('HUGE', -1.7976931348623157e308)
      .set('DENORM', 5e-324)
      .set('THIRD', 1 / 3)
      .set('UNSAFE', 2 ** 60)
      .set('QUOTE', "it's")
      .set('NOTHING', null, 'undefined on purpose')
      .set('ESO DET CHIP', 'hierarch')
      .add('HISTORY', 'x'.repeat(100))
      .add('COMMENT', 'short comment');
    const { header: parsed } = Header.parse(header.toBytes(), 'mem');
    for (const key of ['SIMPLE', 'NEG', 'BIG', 'TFRAME', 'TINY', 'HUGE', 'DENORM', 'THIRD', 'QUOTE', 'NOTHING', 'ESO DET CHIP']) {
      expect(parsed.get(key), key).toEqual(header.get(key));
    }
    expect(parsed.get('UNSAFE')).toBe(2 ** 60);
    expect(parsed.cards.filter((c) => c.key === 'HISTORY').map((c) => c.value).join('')).toBe('x'.repeat(100));
    expect(parsed.cards.find((c) => c.key === 'NOTHING')?.comment).toBe('undefined on purpose');
    const images = cardImages(header);
    expect(images[0]).toBe('SIMPLE  =                    T / conforms'.padEnd(80));
    expect(images.find((c) => c.startsWith('QUOTE'))).toBe("QUOTE   = 'it''s   '".padEnd(80));
    expect(images.find((c) => c.startsWith('TFRAME'))).toBe('TFRAME  =                0.182'.padEnd(80));
    expect(header.toBytes().length % 2880).toBe(0);
  });

  it('writes long strings as CONTINUE cards and reads them back joined', () => {
    const value = "A long value with 'quotes' in it, ".repeat(5).trim();
    const comment = 'a comment that is also rather long, so that it needs continuation cards of its own as well';
    const header = new Header().set('LONGSTRN', 'OGIP 1.0').set('S_REGION', value, comment).set('AFTER', 1);
    const images = cardImages(header);
    const first = images.findIndex((c) => c.startsWith('S_REGION'));
    const continued = images.slice(first + 1).filter((c) => c.startsWith('CONTINUE'));
    expect(continued.length).toBeGreaterThan(1);
    expect(images[first]).toMatch(/^S_REGION= '.*&'$/);
    const { header: parsed } = Header.parse(header.toBytes(), 'mem');
    expect(parsed.getString('S_REGION')).toBe(value);
    expect(parsed.cards.find((c) => c.key === 'S_REGION')?.comment).toBe(comment);
    expect(parsed.getInt('AFTER')).toBe(1);
    expect(parsed.has('CONTINUE')).toBe(false);
  });

  it('reads CONTINUE cards written by others', () => {
    const bytes = headerBytes([
      "LONG    = 'first part and &'  / c1",
      "CONTINUE  'second part&'",
      "CONTINUE  ' and the end' / c2",
      "NOTLONG = 'ends with &'",
      'OTHER   =                    5',
    ]);
    const { header } = Header.parse(bytes, 'x.fits');
    expect(header.getString('LONG')).toBe('first part and second part and the end');
    expect(header.cards.find((c) => c.key === 'LONG')?.comment).toBe('c1 c2');
    expect(header.getString('NOTLONG')).toBe('ends with &');
    expect(header.toBytes()).toEqual(bytes);
  });

  it('set replaces in place, keeps the comment, and appends new keys', () => {
    const header = new Header([{ key: 'a', value: 1, comment: 'first' }, { key: 'B', value: 2 }]);
    header.set('A', 10).set('C', 3, 'new');
    expect(header.cards.map((c) => c.key)).toEqual(['A', 'B', 'C']);
    expect(header.cards[0]).toEqual({ key: 'A', value: 10, comment: 'first' });
    header.delete('b');
    expect(header.has('B')).toBe(false);
  });

  it('re-formats a parsed card only once it changes', () => {
    const { header } = Header.parse(headerBytes(['BZERO   =              32768.0 / offset']), 'x.fits');
    expect(cardImages(header)[0]).toBe('BZERO   =              32768.0 / offset'.padEnd(80));
    header.set('BZERO', 100);
    expect(cardImages(header)[0]).toBe('BZERO   =                  100 / offset'.padEnd(80));
  });

  it('refuses values FITS cannot hold', () => {
    expect(() => new Header().set('X', NaN).toBytes()).toThrow(/NaN/);
    expect(() => new Header().set('X', 'caf\u00e9').toBytes()).toThrow(/ASCII/);
  });
});
