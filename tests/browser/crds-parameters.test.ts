import { describe, expect, it } from 'vitest';
import { openCrdsCacheWith } from '../../ts/crds/cache.js';
import { mappingChecksum } from '../../ts/crds/sha1.js';
import { parseParameterFile, resolveDetector1Parameters } from '../../ts/pipeline/parameters.js';

/** A mapping text with its sha1sum, as crds writes it. */
function signed(header: string, selector: string): string {
  const draft = `header = {\n${header}    'sha1sum' : 'x',\n}\n\nselector = ${selector}\n`;
  return draft.replace("'sha1sum' : 'x'", `'sha1sum' : '${mappingChecksum(draft)}'`);
}

const files: Record<string, string> = {
  'config/jwst/server_config': "{'latest_context': 'jwst_0001.pmap', 'bad_files_list': []}\n",
  'mappings/jwst/jwst_0001.pmap': signed(
    "    'derived_from' : 'x',\n    'mapping' : 'PIPELINE',\n    'name' : 'jwst_0001.pmap',\n    'observatory' : 'JWST',\n    'parkey' : ('META.INSTRUMENT.NAME',),\n",
    "{\n    'NIRCAM' : 'jwst_nircam_0001.imap',\n}",
  ),
  'mappings/jwst/jwst_nircam_0001.imap': signed(
    "    'derived_from' : 'x',\n    'instrument' : 'NIRCAM',\n    'mapping' : 'INSTRUMENT',\n    'name' : 'jwst_nircam_0001.imap',\n    'observatory' : 'JWST',\n    'parkey' : ('REFTYPE',),\n",
    "{\n    'DARK' : 'jwst_nircam_dark_0001.rmap',\n}",
  ),
  'mappings/jwst/jwst_nircam_dark_0001.rmap': signed(
    "    'derived_from' : 'x',\n    'filekind' : 'DARK',\n    'instrument' : 'NIRCAM',\n    'mapping' : 'REFERENCE',\n    'name' : 'jwst_nircam_dark_0001.rmap',\n    'observatory' : 'JWST',\n    'parkey' : (('META.INSTRUMENT.DETECTOR',), ('META.OBSERVATION.DATE', 'META.OBSERVATION.TIME')),\n",
    "Match({\n    'NRCA1|NRCA2' : UseAfter({\n        '2022-01-01 00:00:00' : 'jwst_nircam_dark_0001.fits',\n        '2023-01-01 00:00:00' : 'jwst_nircam_dark_0002.fits',\n    }),\n})",
  ),
};

describe('reference selection and parameters in a browser', () => {
  it('selects from an in-memory cache (checksums verified) and resolves a pars file', async () => {
    const cache = await openCrdsCacheWith({ readText: async (path) => files[path], resolve: (path) => `https://example.invalid/crds/${path}` });
    const dark = await cache.selectReference('dark', { INSTRUME: 'NIRCAM', DETECTOR: 'NRCA2', 'DATE-OBS': '2023-05-01', 'TIME-OBS': '00:00:00' });
    expect(dark.path).toBe('https://example.invalid/crds/references/jwst/nircam/jwst_nircam_dark_0002.fits');
    const pars = parseParameterFile('class: jwst.jump.jump_step.JumpStep\nname: jump\nparameters: {rejection_threshold: 6.5}\n', 'pars-jumpstep.asdf');
    expect(resolveDetector1Parameters({ crdsSteps: { jump: pars } }).steps.jump.rejection_threshold).toBe(6.5);
  });
});
