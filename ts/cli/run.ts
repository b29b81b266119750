/**
 * `detector1 run <uncal.fits>`: jwst's `strun calwebb_detector1` — references from a local CRDS
 * cache, parameters with stpipe's precedence (class defaults < CRDS pars-* < parameter file <
 * command line, `--steps.<step>.<param>=<value>` as strun takes them), `_rate`/`_rateints` (and
 * what the parameters ask) written atomically. `detector1 step <step> <file>` runs one step alone.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { openCrdsCache } from '../crds/node.js';
import { crdsHeaderFromMeta, type CrdsCache, type ReferenceSelection } from '../crds/index.js';
import { openRamp } from '../datamodels/node.js';
import type { KernelPool } from '../pool/pool.js';
import { startPool, stopPool } from './pool.js';
import {
  crdsCalledStepParameters,
  crdsParameterSources,
  parseCommandLine,
  parseParameterFile,
  ParameterError,
  resolveDetector1Parameters,
  type ConfigTree,
} from '../pipeline/parameters.js';
import { STEP_ALIASES } from '../pipeline/step-specs.js';
import { runDetector1File, runStepFile, type Detector1FileResult } from '../pipeline/node.js';
import type { Detector1Progress } from '../pipeline/detector1.js';
import { ProgressDisplay } from './progress.js';
import { referenceLines, stepTable } from './report.js';


/** Raised for bad command-line input (the CLI exits with code 2). */
export class RunUsageError extends Error {}

/** Our own options; everything else is strun's and goes to parseCommandLine. */
const OWN_VALUES = new Set(['config', 'crds-path', 'crds-context', 'output-dir', 'threads']);
const OWN_FLAGS = new Set(['quiet', 'json', 'explain-refs', 'banded', 'no-banded']);

interface OwnOptions {
  config?: string;
  crdsPath?: string;
  crdsContext?: string;
  outputDir?: string;
  threads?: number;
  quiet: boolean;
  json: boolean;
  explainRefs: boolean;
  /** undefined: as the pipeline decides (see Detector1Options.banded). */
  banded?: boolean;
}

function splitArguments(args: readonly string[]): { own: OwnOptions; rest: string[] } {
  const own: OwnOptions = { quiet: false, json: false, explainRefs: false };
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(args[i]);
    if (match && OWN_FLAGS.has(match[1])) {
      if (match[2] !== undefined) throw new RunUsageError(`--${match[1]} takes no value`);
      if (match[1] === 'quiet') own.quiet = true;
      else if (match[1] === 'json') own.json = true;
      else if (match[1] === 'banded' || match[1] === 'no-banded') {
        if (own.banded !== undefined) throw new RunUsageError('--banded and --no-banded exclude each other');
        own.banded = match[1] === 'banded';
      }
      else own.explainRefs = true;
      continue;
    }
    if (!match || !OWN_VALUES.has(match[1])) {
      rest.push(args[i]);
      continue;
    }
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new RunUsageError(`--${match[1]} needs a value`);
    if (match[1] === 'threads') {
      if (!/^\d+$/.test(value)) throw new RunUsageError(`--threads must be a whole number >= 0, got "${value}"`);
      own.threads = Number(value);
    } else if (match[1] === 'config') own.config = value;
    else if (match[1] === 'crds-path') own.crdsPath = value;
    else if (match[1] === 'crds-context') own.crdsContext = value;
    else own.outputDir = value;
  }
  return { own, rest };
}

const PARAMETER_FILE = /\.(asdf|ya?ml|json|cfg)$/i;

async function loadCache(own: OwnOptions): Promise<CrdsCache> {
  const root = own.crdsPath ?? process.env.CRDS_PATH;
  if (!root) throw new RunUsageError('no CRDS cache: give --crds-path DIR or set CRDS_PATH (no network is used)');
  return openCrdsCache(root, own.crdsContext ? { context: own.crdsContext } : {});
}

/** What each reference lookup found, for --explain-refs and the JSON summary. */
/** `--disable-crds-steppars` or STPIPE_DISABLE_CRDS_STEPPARS: no CRDS parameters. */
function disableCrdsSteppars(command: ReturnType<typeof parseCommandLine>): boolean {
  return command.options.disableCrdsSteppars || /^(true|t|1)$/i.test(process.env.STPIPE_DISABLE_CRDS_STEPPARS ?? '');
}

function referenceSelector(cache: CrdsCache, header: ReturnType<typeof crdsHeaderFromMeta>, explained: ReferenceSelection[]) {
  return async (reftype: string) => {
    // Listed in the order asked for (a run may look several up at once).
    const at = explained.length;
    explained.length = at + 1;
    const selection = await cache.selectReference(reftype, header);
    explained[at] = selection;
    if (selection.status === 'N/A') return undefined;
    // jwst stops when CRDS finds no match (CrdsLookupError); N/A only skips the step.
    if (selection.status === 'not-found') throw new Error(`CRDS found no ${reftype} reference: ${selection.reason ?? selection.explanation}`);
    return { path: selection.path!, recorded: `crds://${selection.file}` };
  };
}

async function configTree(config: string | undefined): Promise<ConfigTree | undefined> {
  return config === undefined ? undefined : usage(() => parseParameterFile(readFileSync(config, 'utf8'), config));
}

/** Parameter problems are usage errors (exit code 2), as strun's are. */
function usage<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ParameterError) throw new RunUsageError(error.message);
    throw error;
  }
}

/** `starting`: a pool being started by the caller, who stops it; else one is started (and stopped) here. */
export async function runPipelineCommand(args: string[], log: (line: string) => void, starting?: Promise<KernelPool | undefined>): Promise<void> {
  const { own, rest } = splitArguments(args);
  const command = usage(() => parseCommandLine(rest));
  const positional = [...command.positional];
  // strun's form: the parameter file first, then the input.
  if (positional.length === 2 && PARAMETER_FILE.test(positional[0]) && !own.config) own.config = positional.shift();
  if (positional.length !== 1) throw new RunUsageError(`run takes one input file, got ${positional.length ? positional.join(', ') : 'none'}`);
  const input = positional[0];
  const pool = starting ?? startPool(own.threads);
  try {
    await runPipeline(input, own, command, pool, log);
  } finally {
    if (!starting) await stopPool(pool);
  }
}

async function runPipeline(
  input: string,
  own: OwnOptions,
  command: ReturnType<typeof parseCommandLine>,
  starting: Promise<KernelPool | undefined>,
  log: (line: string) => void,
): Promise<void> {
  const cache = await loadCache(own);
  const reader = await openRamp(input);
  const header = crdsHeaderFromMeta(reader.meta);
  await reader.file.close();
  const disable = disableCrdsSteppars(command);
  const crds = await crdsParameterSources(cache, header, { readText: (path) => readFile(path, 'utf8'), disable });
  const userFile = await configTree(own.config);
  const configDir = own.config ? dirname(own.config) : '.';
  const parameters = usage(() =>
    resolveDetector1Parameters({
      crdsSteps: crds.crdsSteps,
      crdsPipeline: crds.crdsPipeline,
      userFile,
      commandLine: command.config,
      loadStepConfigFile: (path) => parseParameterFile(readFileSync(resolve(configDir, path), 'utf8'), path),
    }),
  );
  const pipeline = parameters.pipeline as Record<string, unknown>;
  const outputDir = own.outputDir ?? (typeof pipeline.output_dir === 'string' ? pipeline.output_dir : '.');
  const outputFile = typeof pipeline.output_file === 'string' ? pipeline.output_file : undefined;

  const explained: ReferenceSelection[] = [...crds.selections];
  const display = new ProgressDisplay(process.stderr, own.quiet || own.json);
  const started = performance.now();
  const pool = await starting;
  const result = await runDetector1File(input, {
      outputDir,
      outputFile,
      parameters,
      selectReference: referenceSelector(cache, header, explained),
      calledStepParameters: (className) => crdsCalledStepParameters(cache, header, className, { readText: (path) => readFile(path, 'utf8'), disable }),
      context: { pool, log: (level, message) => display.log(`${level === 'warning' ? 'warning: ' : ''}${message}`) },
      rampFitPool: pool,
      // One exposure per process: products may live in shared memory until it ends.
      sharedProducts: true,
      banded: own.banded,
      onProgress: (progress: Detector1Progress) => display.update(progress),
      onWrite: (path) => display.log(`wrote ${path}`),
    });
  display.done();
  const seconds = (performance.now() - started) / 1000;
  if (own.json) {
    log(JSON.stringify(summary(input, result, seconds, cache.context, explained), null, 1));
    return;
  }
  if (own.explainRefs) for (const selection of explained) log(selection.explanation);
  if (own.quiet) return;
  log(`detector1 ${basename(input)}: ${seconds.toFixed(2)} s, CRDS context ${cache.context}`);
  for (const line of stepTable(result)) log(line);
  log('references:');
  for (const line of referenceLines(result)) log(line);
  if (result.noProducts) log(`ramp_fit produced nothing (${result.noProducts}): no _rate/_rateints, as jwst`);
}

function summary(input: string, result: Detector1FileResult, seconds: number, context: string, explained: ReferenceSelection[]) {
  return {
    input: resolve(input),
    seconds,
    crdsContext: context,
    steps: result.statuses.map(([step, status]) => ({ step, status, ms: result.timings.find(([name]) => name === step)?.[1] ?? null })),
    // Timed work that is no step's alone (e.g. the chain, which runs the steps of many bands at once).
    phases: result.timings.filter(([name]) => !result.statuses.some(([step]) => step === name)).map(([name, ms]) => ({ name, ms })),
    references: explained.map((s) => ({ reftype: s.reftype, status: s.status, file: s.file ?? null })),
    products: Object.fromEntries(result.written),
    noProducts: result.noProducts ?? null,
  };
}

/** `starting` as for runPipelineCommand. */
export async function runStepCommand(args: string[], log: (line: string) => void, starting?: Promise<KernelPool | undefined>): Promise<void> {
  const [alias, ...restArgs] = args;
  if (!alias || !(STEP_ALIASES as readonly string[]).includes(alias)) {
    throw new RunUsageError(`step needs a step name first: ${STEP_ALIASES.join(', ')}`);
  }
  const { own, rest } = splitArguments(restArgs);
  // `--<param>=v` of the step become `--steps.<step>.<param>=v` of the pipeline's spec.
  const scoped = rest.map((arg) => (arg.startsWith('--') && !arg.startsWith('--steps.') && !/^--(disable-crds-steppars|verbose|debug)$/.test(arg) ? `--steps.${alias}.${arg.slice(2)}` : arg));
  let command;
  try {
    command = parseCommandLine(scoped);
  } catch (error) {
    if (error instanceof ParameterError) throw new RunUsageError(error.message.replaceAll(`steps.${alias}.`, ''));
    throw error;
  }
  if (command.positional.length !== 1) throw new RunUsageError(`step ${alias} takes one input file`);
  const input = command.positional[0];
  const cache = await loadCache(own);
  const userFile = await configTree(own.config);
  const parameters = usage(() => resolveDetector1Parameters({ userFile: userFile && { steps: { [alias]: userFile } }, commandLine: command.config }));
  const explained: ReferenceSelection[] = [];
  const file = await openRamp(input).catch(() => undefined);
  const meta = file?.meta;
  await file?.file.close();
  const poolStart = starting ?? startPool(own.threads);
  let written: string[];
  try {
    const pool = await poolStart;
    const header = meta ? crdsHeaderFromMeta(meta) : undefined;
    written = await runStepFile(alias, input, {
      outputDir: own.outputDir ?? dirname(input),
      parameters: (parameters.steps as Record<string, Record<string, unknown>>)[alias],
      selectReference: async (reftype, fileMeta) => referenceSelector(cache, header ?? crdsHeaderFromMeta(fileMeta), explained)(reftype),
      calledStepParameters: (className, fileMeta) =>
        crdsCalledStepParameters(cache, header ?? crdsHeaderFromMeta(fileMeta), className, { readText: (path) => readFile(path, 'utf8'), disable: disableCrdsSteppars(command) }),
      context: { pool, log: (level, message) => log(`${level === 'warning' ? 'warning: ' : ''}${message}`) },
      rampFitPool: pool,
    });
  } finally {
    if (!starting) await stopPool(poolStart);
  }
  if (own.explainRefs) for (const selection of explained) log(selection.explanation);
  for (const path of written) log(`wrote ${path}`);
}
