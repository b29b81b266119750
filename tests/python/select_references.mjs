// Our CRDS selection (built package, dist/) for test_crds_selection.py: reads a JSON request
// {cache, context, requests: [{id, uncal?: path, header?: {...}, reftypes: [...]}]} from the file
// named on the command line and prints {id: {reftype: {status, file, reason}}}.
import { readFile } from 'node:fs/promises';
import { crdsHeaderFromMeta, openCrdsCache, readFits, readMeta } from '../../dist/entrypoints/node.js';

const request = JSON.parse(await readFile(process.argv[2], 'utf8'));
const cache = await openCrdsCache(request.cache, { context: request.context, env: {} });
const out = {};
for (const { id, uncal, header, reftypes } of request.requests) {
  let dataset = header;
  if (uncal) {
    const fits = await readFits(uncal);
    dataset = crdsHeaderFromMeta(readMeta(fits.primary.header, uncal));
    await fits.close();
  }
  out[id] = {};
  for (const reftype of reftypes) {
    const { status, file, reason } = await cache.selectReference(reftype, dataset);
    out[id][reftype] = { status, file: file ?? null, reason: reason ?? null };
  }
}
console.log(JSON.stringify(out));
