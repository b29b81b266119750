import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFits } from '../../../ts/io/fits/node.js';
import { formatMapping, formatMatchSelector, planExposure, pyRepr } from '../../../ts/sim/index.js';
import { writeMiniCrdsCache } from '../../../ts/sim/node.js';

const work = mkdtempSync(join(tmpdir(), 'detector1-crds-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha1 = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex');

describe('mapping syntax', () => {
  it('renders Python literals as crds writes them', () => {
    expect(pyRepr(['META.INSTRUMENT.NAME'])).toBe("('META.INSTRUMENT.NAME',)");
    expect(pyRepr([['A', 'B'], ['C']])).toBe("(('A', 'B'), ('C',))");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(formatMatchSelector([{ match: [], useAfter: { '2022-01-01 00:00:00': 'x.asdf' } }])).toContain("() : UseAfter({");
  });

  it('carries a sha1sum over the text without the sha1sum line (what crds verifies)', () => {
    const text = formatMapping({ mapping: 'PIPELINE', name: 'jwst_0001.pmap', parkey: ['META.INSTRUMENT.NAME'], derived_from: 'x', observatory: 'JWST' }, "{\n    'MIRI' : 'N/A',\n}", sha1);
    const sum = /'sha1sum' : '([0-9a-f]{40})'/.exec(text)![1];
    const without = text
      .split(/(?<=\n)/)
      .filter((line) => !line.includes('sha1sum'))
      .join('');
    expect(sha1(without)).toBe(sum);
    expect(text.startsWith('header = {\n')).toBe(true);
    expect(text).toContain("\nselector = {\n    'MIRI' : 'N/A',\n}\n");
  });
});

describe('mini CRDS cache', () => {
  it('writes references per instrument, rmaps/imaps/pmap that select them, and an offline config', async () => {
    const root = join(work, 'cache');
    const nircam = planExposure({ instrument: 'nircam', detector: 'NRCA1', subarray: 'SUB64P', readpatt: 'RAPID', ngroups: 3, nints: 1, seed: 1 });
    const miri = planExposure({ instrument: 'miri', subarray: 'SUB64', readpatt: 'FAST', ngroups: 4, nints: 2, seed: 2 });
    const cache = await writeMiniCrdsCache(root, [{ plan: nircam }, { plan: miri }]);
    expect(cache.context).toBe('jwst_0001.pmap');
    expect(readdirSync(join(root, 'references', 'jwst')).sort()).toEqual(['miri', 'nircam']);
    const nircamRefs = readdirSync(join(root, 'references', 'jwst', 'nircam')).sort();
    expect(nircamRefs).toEqual(['dark', 'gain', 'ipc', 'linearity', 'mask', 'readnoise', 'saturation', 'superbias'].map((t) => `jwst_nircam_${t}_9001.fits`));
    expect(readdirSync(join(root, 'references', 'jwst', 'miri'))).toContain('jwst_miri_emicorr_9001.asdf');
    const imap = readFileSync(join(root, 'mappings', 'jwst', 'jwst_nircam_0001.imap'), 'utf8');
    expect(imap).toContain("'dark' : 'jwst_nircam_dark_0001.rmap'");
    expect(imap).toContain("'rscd' : 'N/A'");
    const rmap = readFileSync(join(root, 'mappings', 'jwst', 'jwst_nircam_superbias_0001.rmap'), 'utf8');
    expect(rmap).toContain("('NRCA1', 'RAPID', 'SUB64P') : UseAfter({\n        '2022-01-01 00:00:00' : 'jwst_nircam_superbias_9001.fits',");
    expect(readFileSync(join(root, 'config', 'jwst', 'server_config'), 'utf8')).toContain("'latest_context': 'jwst_0001.pmap'");

    // NIRCam mask/linearity/gain cover a larger GENERIC region, so steps must cut them (reffile_utils)
    const mask = await readFits(join(root, 'references', 'jwst', 'nircam', 'jwst_nircam_mask_9001.fits'));
    expect(mask.primary.header.getString('SUBARRAY')).toBe('GENERIC');
    expect(mask.get('DQ').shape).toEqual([128, 128]);
    expect(mask.primary.header.getString('REFTYPE')).toBe('MASK');
    await mask.close();
    const dark = await readFits(join(root, 'references', 'jwst', 'miri', 'jwst_miri_dark_9001.fits'));
    expect(dark.get('SCI').shape).toEqual([2, 4, 64, 72]);
    expect(dark.primary.header.getString('DATAMODL')).toBe('DarkMIRIModel');
    await dark.close();
  });
});
