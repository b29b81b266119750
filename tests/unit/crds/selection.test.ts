import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCrdsCacheWith, stepReference, type CrdsCacheOptions } from '../../../ts/crds/cache.js';
import { mappingChecksum, sha1Hex } from '../../../ts/crds/sha1.js';
import { crdsHeaderFromMeta } from '../../../ts/crds/header.js';
import { openCrdsCache } from '../../../ts/crds/node.js';
import { readMeta } from '../../../ts/datamodels/meta.js';
import { readFits } from '../../../ts/io/fits/node.js';
import { GOLDEN_DIR, goldenCases, goldenCrdsRoot, goldenProduct } from '../../golden/compare.js';

/** Hand-written rules covering crds' matching rules; tests/python/test_crds_selection.py checks them against crds. */
const HAND_CACHE = join(dirname(fileURLToPath(import.meta.url)), 'hand-cache');
const handCache = (options: CrdsCacheOptions = {}) => openCrdsCache(HAND_CACHE, { env: {}, ...options });

const header = (overrides: Record<string, string | number | boolean> = {}) => ({
  INSTRUME: 'NIRCAM',
  DETECTOR: 'NRCA1',
  EXP_TYPE: 'NRC_IMAGE',
  SUBARRAY: 'FULL',
  NOUTPUTS: 4,
  READPATT: 'RAPID',
  'DATE-OBS': '2023-08-01',
  'TIME-OBS': '10:00:00.000',
  ...overrides,
});

describe('sha1', () => {
  it('equals node:crypto on texts of every length around the block boundaries, and on non-ASCII text', () => {
    for (const text of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'y'.repeat(64), 'z'.repeat(119), 'é€𝄞\n'.repeat(40)]) {
      expect(sha1Hex(text)).toBe(createHash('sha1').update(text, 'utf8').digest('hex'));
    }
  });

  it('skips the sha1sum line, as crds does', () => {
    const text = "header = {\n    'name' : 'x.rmap',\n    'sha1sum' : '0123',\n}\n";
    expect(mappingChecksum(text)).toBe(sha1Hex("header = {\n    'name' : 'x.rmap',\n}\n"));
  });
});

describe('hand-written rmaps', () => {
  it('chooses the latest USEAFTER not after DATE-OBS + TIME-OBS', async () => {
    const cache = await handCache();
    const pick = async (date: string, time: string) => (await cache.selectReference('dark', header({ 'DATE-OBS': date, 'TIME-OBS': time }))).file;
    expect(await pick('2022-01-01', '00:00:00')).toBe('jwst_nircam_dark_0001.fits'); // equal dates count
    expect(await pick('2023-05-31', '23:59:59.999')).toBe('jwst_nircam_dark_0001.fits');
    expect(await pick('2023-06-01', '00:00:00')).toBe('jwst_nircam_dark_0002.fits');
    expect(await pick('2024-03-01', '11:59:59')).toBe('jwst_nircam_dark_0002.fits');
  });

  it('prefers the row with more exact matches, and falls back to a wildcard row when its UseAfter has no early-enough date', async () => {
    const cache = await handCache();
    const exact = await cache.selectReference('dark', header());
    expect(exact.file).toBe('jwst_nircam_dark_0002.fits');
    expect(exact.explanation).toContain("Match row ('NRC_IMAGE|NRC_TSIMAGE', 'NRCA1', 'FULL', '4.0'): 4 exact of 4");
    expect(exact.explanation).toContain("UseAfter META.OBSERVATION.DATE + META.OBSERVATION.TIME = 2023-08-01 10:00:00: entry '2023-06-01 00:00:00'");
    const early = await cache.selectReference('dark', header({ 'DATE-OBS': '2021-06-01' }));
    expect(early.file).toBe('jwst_nircam_dark_0010.fits');
    expect(early.explanation).toMatch(/4 exact of 4, abandoned: No selection <= '2021-06-01 10:00:00'/);
    // the SUB64P row wants NOUTPUTS 1: with 4 it is out, and the wildcard row (SUBARRAY ANY, NOUTPUTS N/A) is used
    expect((await cache.selectReference('dark', header({ SUBARRAY: 'SUB64P' }))).file).toBe('jwst_nircam_dark_0010.fits');
  });

  it('reports "No match found" when nothing fits, an unknown value as a validation error, and a N/A leaf as N/A', async () => {
    const cache = await handCache();
    const none = await cache.selectReference('dark', header({ DETECTOR: 'NRCA1', EXP_TYPE: 'NRC_TSIMAGE', 'DATE-OBS': '2020-01-01' }));
    expect(none.status).toBe('not-found');
    expect(none.reason).toBe('No match found.');
    const invalid = await cache.selectReference('dark', header({ DETECTOR: 'NRCA5' }));
    expect(invalid.status).toBe('not-found');
    expect(invalid.reason).toMatch(/parameter='META.INSTRUMENT.DETECTOR' value='NRCA5' is not in \['NRCA1', 'NRCB1'\]/);
    // GENERIC is substituted by N/A (crds' built-in SUBARRAY substitution): any subarray matches that column
    const na = await cache.selectReference('dark', header({ DETECTOR: 'NRCB1', NOUTPUTS: 1, SUBARRAY: 'SUB640' }));
    expect(na.status).toBe('N/A');
    expect(na.path).toBeUndefined();
  });

  it('merges the UseAfters of rows that match equally well (greater file name at a shared date)', async () => {
    const cache = await handCache();
    const pick = async (date: string) => (await cache.selectReference('gain', header({ SUBARRAY: 'SUB64P', 'DATE-OBS': date }))).file;
    expect(await pick('2022-03-01')).toBe('jwst_nircam_gain_0001.fits');
    expect(await pick('2022-07-01')).toBe('jwst_nircam_gain_0002.fits');
    expect(await pick('2023-02-01')).toBe('jwst_nircam_gain_0004.fits');
    expect((await cache.selectReference('gain', header({ SUBARRAY: 'FULL', 'DATE-OBS': '2023-02-01' }))).file).toBe('jwst_nircam_gain_0003.fits');
  });

  it('applies rmap_relevance, reffile_required and parkey_relevance', async () => {
    const cache = await handCache();
    expect((await cache.selectReference('ipc', header())).file).toBe('jwst_nircam_ipc_0001.fits');
    const irrelevant = await cache.selectReference('ipc', header({ EXP_TYPE: 'NRC_CORON' }));
    expect(irrelevant.status).toBe('N/A');
    expect(irrelevant.reason).toMatch(/rmap_relevance/);
    // no early-enough date, but the type is not required
    expect((await cache.selectReference('ipc', header({ 'DATE-OBS': '2021-01-01' }))).status).toBe('N/A');
    // READPATT only matters for FULL: elsewhere it becomes N/A and the N/A row matches as well (0 vs 0 exact)
    expect((await cache.selectReference('linearity', header())).file).toBe('jwst_nircam_linearity_0001.fits');
    const sub = await cache.selectReference('linearity', header({ SUBARRAY: 'SUB64P', READPATT: 'RAPID' }));
    expect(sub.status).toBe('not-found');
    expect(sub.reason).toMatch(/Ambiguous match/);
  });

  it('handles types that are N/A or unknown in the imap, and refuses bad references', async () => {
    const cache = await handCache();
    expect((await cache.selectReference('rscd', header())).status).toBe('N/A');
    const unknown = await cache.selectReference('pars-darkcurrentstep', header());
    expect(unknown.status).toBe('not-found');
    expect(unknown.reason).toMatch(/Unknown reference type 'pars-darkcurrentstep'/);
    const bad = await cache.selectReference('dark', header({ 'DATE-OBS': '2024-05-01' }));
    expect(bad.status).toBe('not-found');
    expect(bad.reason).toMatch(/designated scientifically invalid/);
    const allowed = await handCache({ env: { CRDS_ALLOW_BAD_REFERENCES: '1' } });
    expect((await allowed.selectReference('dark', header({ 'DATE-OBS': '2024-05-01' }))).path).toBe(join(HAND_CACHE, 'references', 'jwst', 'nircam', 'jwst_nircam_dark_0003.fits'));
    expect((await cache.selectReference('dark', header({ INSTRUME: 'MIRI' }))).reason).toMatch(/instrument MIRI is N\/A/);
    expect((await cache.selectReference('dark', { DETECTOR: 'NRCA1' })).reason).toMatch(/Missing 'META.INSTRUMENT.NAME'/);
  });

  it('accepts datamodel paths in any case and a missing date as an error', async () => {
    const cache = await handCache();
    const byPath = await cache.selectReference('dark', {
      'meta.instrument.name': 'NIRCAM',
      'META.INSTRUMENT.DETECTOR': 'nrca1',
      'META.EXPOSURE.TYPE': 'NRC_IMAGE',
      'META.SUBARRAY.NAME': 'FULL',
      'META.EXPOSURE.NOUTPUTS': '4',
      'META.OBSERVATION.DATE': '2023-08-01',
      'META.OBSERVATION.TIME': '10:00:00',
    });
    expect(byPath.file).toBe('jwst_nircam_dark_0002.fits');
    const { 'TIME-OBS': _time, ...noTime } = header();
    expect((await cache.selectReference('dark', noTime)).reason).toBe("UseAfter parameter 'META.OBSERVATION.TIME' is UNDEFINED.");
  });

  it('checks the sha1sum of each mapping as crds does, unless CRDS_IGNORE_MAPPING_CHECKSUM', async () => {
    const edited = (env: Record<string, string>, edit: (text: string) => string, sha1Hex?: (text: string) => string) =>
      openCrdsCacheWith(
        {
          readText: async (path) => {
            const text = await readFile(join(HAND_CACHE, path), 'utf8').catch(() => undefined);
            return text !== undefined && path.endsWith('jwst_nircam_gain_0001.rmap') ? edit(text) : text;
          },
          resolve: (path) => join(HAND_CACHE, path),
          sha1Hex,
        },
        { env },
      );
    const changed = (text: string) => text.replace("'jwst_nircam_gain_0003.fits'", "'jwst_nircam_gain_0009.fits'");
    const tampered = await edited({}, changed);
    expect((await tampered.selectReference('gain', header())).reason).toBe("sha1sum mismatch in 'jwst_nircam_gain_0001.rmap'");
    expect((await tampered.selectReference('dark', header())).status).toBe('found'); // other rmaps are unaffected
    // A reader's own SHA-1 (Node's, as openCrdsCache gives) checks the same; a wrong one fails the context itself.
    const native = await edited({}, changed, (text) => createHash('sha1').update(text, 'utf8').digest('hex'));
    expect((await native.selectReference('gain', header())).reason).toBe("sha1sum mismatch in 'jwst_nircam_gain_0001.rmap'");
    expect((await native.selectReference('dark', header())).status).toBe('found');
    await expect(edited({}, (text) => text, () => '0'.repeat(40))).rejects.toThrow(/sha1sum mismatch/);
    const unsigned = await edited({}, (text) => text.replace(/^ {4}'sha1sum'.*\n/m, ''));
    expect((await unsigned.selectReference('gain', header())).reason).toBe("sha1sum is missing in 'jwst_nircam_gain_0001.rmap'");
    const ignored = await edited({ CRDS_IGNORE_MAPPING_CHECKSUM: 'true' }, changed);
    expect((await ignored.selectReference('gain', header({ 'DATE-OBS': '2023-02-01' }))).file).toBe('jwst_nircam_gain_0009.fits');
  });

  it('uses a step override before CRDS, as stpipe get_reference_file does', async () => {
    const cache = await handCache();
    expect((await stepReference(cache, 'dark', null, header())).file).toBe('jwst_nircam_dark_0002.fits');
    const mine = await stepReference(cache, 'dark', 'refs/my_dark.fits', header());
    expect([mine.status, mine.path, mine.file]).toEqual(['found', 'refs/my_dark.fits', 'my_dark.fits']);
    expect((await stepReference(cache, 'dark', 'N/A', header())).status).toBe('N/A');
    expect((await stepReference(cache, 'dark', ' ', header())).status).toBe('not-found');
  });

  it('chooses the context: option > CRDS_CONTEXT > cached latest_context', async () => {
    expect((await handCache()).context).toBe('jwst_0001.pmap');
    expect((await handCache()).contextSource).toBe('cached latest_context');
    expect((await handCache({ env: { CRDS_CONTEXT: 'jwst_0002.pmap' } })).context).toBe('jwst_0002.pmap');
    expect((await handCache({ env: { CRDS_CONTEXT: 'jwst-operational' } })).context).toBe('jwst_0001.pmap');
    expect((await handCache({ env: { CRDS_CONTEXT: 'jwst-edit' } })).context).toBe('jwst_0002.pmap');
    expect((await handCache({ context: 'latest', env: { CRDS_CONTEXT: 'jwst_0002.pmap' } })).context).toBe('jwst_0001.pmap');
    await expect(handCache({ context: 'jwst_0009.pmap' })).rejects.toThrow(/not in the cache/);
    await expect(handCache({ context: 'jwst-build' })).rejects.toThrow(/cannot be resolved offline/);
  });

  it('names a CRDS_PATH that is missing or not a directory', async () => {
    const here = fileURLToPath(import.meta.url);
    const missing = join(dirname(here), 'no-such-crds-cache');
    await expect(openCrdsCache(missing)).rejects.toThrow(`CRDS cache ${missing}: no such directory`);
    await expect(openCrdsCache(here)).rejects.toThrow(`CRDS cache ${here}: not a directory`);
  });
});

const goldenRoot = goldenCrdsRoot();
const KEYWORD_REFTYPES: Record<string, string> = {
  R_DARK: 'dark',
  R_GAIN: 'gain',
  R_IPC: 'ipc',
  R_LINEAR: 'linearity',
  R_MASK: 'mask',
  R_READNO: 'readnoise',
  R_RESET: 'reset',
  R_RSCD: 'rscd',
  R_SATURA: 'saturation',
  R_SUPERB: 'superbias',
};

describe.skipIf(!goldenRoot || !existsSync(join(GOLDEN_DIR, 'manifest.json')))('golden cases: the references jwst used', () => {
  it.each(goldenRoot ? goldenCases() : [])('%s', async (caseName) => {
    const inputDir = join(GOLDEN_DIR, caseName, 'input');
    const uncal = readdirSync(inputDir).find((name) => name.endsWith('_uncal.fits'))!;
    const fits = await readFits(join(inputDir, uncal));
    const meta = readMeta(fits.primary.header, uncal);
    await fits.close();
    const cache = await openCrdsCache(goldenRoot!, { context: 'jwst_0001.pmap' });
    const used = goldenProduct(caseName, 'rate').entry.keywords;
    const checked = Object.entries(used).filter(([key]) => key in KEYWORD_REFTYPES);
    expect(checked.length).toBeGreaterThanOrEqual(8);
    for (const [key, value] of checked) {
      const selection = await cache.selectReference(KEYWORD_REFTYPES[key], crdsHeaderFromMeta(meta));
      if (value.startsWith('jwst_')) {
        expect(selection.file, `${caseName} ${key}\n${selection.explanation}`).toBe(value);
        expect(existsSync(selection.path!)).toBe(true);
      } else expect(selection.status, `${caseName} ${key}`).toBe('N/A');
    }
  });
});
