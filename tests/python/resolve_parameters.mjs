// Our Detector1 parameter handling (built package, dist/) for test_step_specs.py.
//   node resolve_parameters.mjs specs            -> the step-spec tables, merged as stpipe merges them
//   node resolve_parameters.mjs cases <file>     -> for [{id, args?, file?}]: {id: {ok, parameters | error}}
//   node resolve_parameters.mjs crds <cache> <headers.json> -> {id: parameters from the cache's pars-* files}
import { readFile } from 'node:fs/promises';
import {
  crdsParameterSources,
  openCrdsCache,
  parseCommandLine,
  parseParameterFile,
  resolveDetector1Parameters,
  STEP_ALIASES,
  STEP_SPECS,
  PIPELINE_SPEC,
} from '../../dist/entrypoints/node.js';
import { pipelineSpec, stepSpec, STEP_SECTION_SPEC } from '../../dist/pipeline/step-specs.js';

const [mode, path, extra] = process.argv.slice(2);
const finite = (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
if (mode === 'specs') {
  const steps = {};
  for (const alias of STEP_ALIASES) {
    const { className, pythonClass, parameters, reftypes } = STEP_SPECS[alias];
    steps[alias] = { className, pythonClass, parameters, reftypes, merged: stepSpec(alias) };
  }
  console.log(JSON.stringify({ pipeline: { ...PIPELINE_SPEC, merged: pipelineSpec() }, stepSection: STEP_SECTION_SPEC, steps }));
} else if (mode === 'crds') {
  const cache = await openCrdsCache(path, { env: {} });
  const out = {};
  for (const [id, header] of Object.entries(JSON.parse(await readFile(extra, 'utf8')))) {
    out[id] = resolveDetector1Parameters(await crdsParameterSources(cache, header, { readText: (p) => readFile(p, 'utf8') }));
  }
  console.log(JSON.stringify(out, finite));
} else {
  const out = {};
  for (const { id, args, file } of JSON.parse(await readFile(path, 'utf8'))) {
    try {
      const userFile = file ? parseParameterFile(await readFile(file, 'utf8'), file) : undefined;
      const commandLine = args ? parseCommandLine(args).config : undefined;
      out[id] = { ok: true, parameters: resolveDetector1Parameters({ userFile, commandLine }) };
    } catch (error) {
      out[id] = { ok: false, error: `${error.name}: ${error.message}` };
    }
  }
  console.log(JSON.stringify(out, finite));
}
