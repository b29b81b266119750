import { describe, expect, it } from 'vitest';
import { conditionValue, reformatDate } from '../../../ts/crds/condition.js';
import { MappingSyntaxError, parseExpression, parseLiteral, parseMapping, pyFloatRepr, pyRepr } from '../../../ts/crds/pyliteral.js';
import { makeMatcher } from '../../../ts/crds/selectors.js';

describe('conditionValue (crds utils.condition_value)', () => {
  it('upper-cases, strips, and writes numbers as Python floats', () => {
    expect(conditionValue(' foo ')).toBe('FOO');
    expect(conditionValue('iref$uaf12559i_drk.fits')).toBe('IREF$UAF12559I_DRK.FITS');
    expect(conditionValue(1)).toBe('1.0');
    expect(conditionValue('-9')).toBe('-9.0');
    expect(conditionValue('1.')).toBe('1.0');
    expect(conditionValue('.5')).toBe('0.5');
    expect(conditionValue(2048)).toBe('2048.0');
    expect(conditionValue(1e-5)).toBe('1e-05'); // str(float('1E-05')) is lower case again
    expect(conditionValue('1e16')).toBe('1e+16');
    expect(conditionValue('2013-11-05 15:21:34')).toBe('2013-11-05 15:21:34');
  });

  it('maps the special values: N/A forms, ANY, booleans, 4294967295', () => {
    for (const v of ['N/A', 'n/a', 'NOT APPLICABLE', 'NOT_APPLICABLE', '()', '-2147483648', -2147483648]) expect(conditionValue(v), String(v)).toBe('N/A');
    // only NOT_APPLICABLE is end-anchored in crds' regex: other prefixes are enough
    expect(conditionValue('N/A-ISH')).toBe('N/A');
    expect(conditionValue('NOT_APPLICABLE_X')).toBe('NOT_APPLICABLE_X');
    expect(conditionValue('ANY')).toBe('*');
    expect(conditionValue(4294967295)).toBe('-1.0');
    expect(conditionValue(true)).toBe('T');
    expect(conditionValue('true')).toBe('T');
    expect(conditionValue(false)).toBe('F');
    expect(conditionValue('f')).toBe('F');
  });

  it('formats floats as Python repr does', () => {
    expect(pyFloatRepr(4)).toBe('4.0');
    expect(pyFloatRepr(0.0001)).toBe('0.0001');
    expect(pyFloatRepr(0.00001)).toBe('1e-05');
    expect(pyFloatRepr(123456789012345680)).toBe('1.2345678901234568e+17');
    expect(pyFloatRepr(1e15)).toBe('1000000000000000.0');
    expect(pyFloatRepr(-2.5)).toBe('-2.5');
  });
});

describe('reformatDate (crds timestamp.reformat_date)', () => {
  it('normalises the date forms crds accepts', () => {
    expect(reformatDate('2024-01-17 10:16:09.000')).toBe('2024-01-17 10:16:09');
    // crds truncates (9.123 - 9) * 1e6 = 122999.99999999997 to an int, as we do
    expect(reformatDate('2024-01-17T10:16:09.123')).toBe('2024-01-17 10:16:09.122999');
    expect(reformatDate('2024-01-17T10:16:09.5')).toBe('2024-01-17 10:16:09.500000');
    expect(reformatDate('2024-01-17')).toBe('2024-01-17 00:00:00');
    expect(reformatDate('12/21/1999 05:42')).toBe('1999-12-21 05:42:00');
    expect(reformatDate('21/12/99 05:42')).toBe('1999-12-21 05:42:00');
    expect(reformatDate('Feb 08 2006 01:02AM')).toBe('2006-02-08 01:02:00');
    expect(reformatDate('Feb 08 2006 01:02 PM')).toBe('2006-02-08 13:02:00');
    expect(reformatDate('19971014:053714')).toBe('1997-10-14 05:37:14');
  });

  it('rejects UNDEFINED, impossible days and unknown layouts', () => {
    expect(() => reformatDate('UNDEFINED 10:00:00')).toThrow(/UNDEFINED/);
    expect(() => reformatDate('2003-09-35 01:28:00')).toThrow(/day is out of range/);
    expect(() => reformatDate('2003/12/2 01:28:00')).toThrow(/Unknown numerical date format/);
  });
});

describe('restricted mapping parser', () => {
  const rmap = `header = {
    'classes' : ('Match', 'UseAfter'),   # comment
    'parkey' : (('META.INSTRUMENT.DETECTOR',), ('META.OBSERVATION.DATE', 'META.OBSERVATION.TIME')),
    'NAME' : "x.rmap",
}

comment = """free text with 'quotes'
over lines"""

selector = Match({
    'NRCA1' : UseAfter({
        '2022-01-01 00:00:00' : 'a.fits',
    }),
    ('NRCB1',) : 'N/A',
    (1, -2.5, True, None) : 'b.fits',
})
`;

  it('reads header, comment and selector calls as plain values (header keys lower-cased)', () => {
    const parsed = parseMapping(rmap, 'x.rmap');
    expect(pyRepr(parsed.header.get('parkey')!)).toBe("(('META.INSTRUMENT.DETECTOR',), ('META.OBSERVATION.DATE', 'META.OBSERVATION.TIME'))");
    expect(parsed.header.get('name')).toBe('x.rmap');
    expect(parsed.comment).toBe("free text with 'quotes'\nover lines");
    expect(pyRepr(parsed.selector)).toBe(
      "Match({'NRCA1': UseAfter({'2022-01-01 00:00:00': 'a.fits'}), ('NRCB1',): 'N/A', (1, -2.5, True, None): 'b.fits'})",
    );
  });

  it('refuses anything that is not a declarative literal', () => {
    const bad = [
      "import os\nheader = {}\nselector = {}",
      "header = {}\nselector = open('x')",
      "header = {'a': os.path}\nselector = {}",
      "header = {}\nselector = __import__('os')",
      "header = {}\nselector = {}\nevil = 1",
      "header = {}\nselector = Match({'a': 'b'}) + 1",
      "header = {}\nselector = lambda: 1",
    ];
    for (const text of bad) expect(() => parseMapping(text, 'bad.rmap'), text).toThrow(MappingSyntaxError);
  });

  it('reads the server_config dict and header expressions', () => {
    const config = parseLiteral("{'latest_context': 'jwst_0001.pmap', 'bad_files_list': [], 'connected': False}\n", 'server_config');
    expect(pyRepr(config)).toBe("{'latest_context': 'jwst_0001.pmap', 'bad_files_list': [], 'connected': False}");
    const expr = parseExpression('(META_EXPOSURE_TYPE not in ("MIR_IMAGE", "NRC_IMAGE")) and not X == 1', 'expr');
    expect(expr.kind).toBe('bool');
  });
});

describe('matchers (crds selectors.matcher)', () => {
  const cases: [string, string, number][] = [
    ['FULL', 'FULL', 1],
    ['FULL', 'SUB64', -1],
    ['FULL', '*', 1],
    ['FULL', 'N/A', 0],
    ['N/A', 'ANYTHING', 0],
    ['N/A', '*', 0],
    ['NRC_IMAGE|NRC_TSIMAGE', 'NRC_TSIMAGE', 1],
    ['NRC_IMAGE|NRC_TSIMAGE', 'NRC_TS', -1],
    ['SUB*', 'SUB640', 1],
    ['SUB*', 'FULL', -1],
    ['(SUB[0-9]+)', 'SUB64X', 1], // re.match anchors at the start only
    ['(SUB[0-9]+)', 'XSUB64', -1],
    ['{A|B}', 'A|B', 1],
    ['{A|B}', 'A', -1],
    ['>1.5', '2.0', 1],
    ['>1.5', '1.5', -1],
    ['<=1.5', '1.5', 1],
    ['BETWEEN 3000 3200', '3000.0', 1],
    ['BETWEEN 3000 3200', '3200.0', -1],
    ['# >1 AND <=20 #', '20.0', 1],
    ['#>20 OR <5#', '4.0', 1],
    ['#>20 OR <5#', '5.0', -1],
    ['NOT FULL', 'SUB64', 1],
    ['NOT FULL', 'FULL', -1],
    ['NOT FULL', 'N/A', 0],
    ['NOT FULL', '*', -1],
  ];
  it.each(cases)('%s against %s -> %d', (key, value, status) => {
    expect(makeMatcher(key)(value)).toBe(status);
  });
});
