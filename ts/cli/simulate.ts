/**
 * `detector1 simulate`: writes a simulated exposure (`_uncal.fits`, `_truth.fits`, `_sim.json`) and,
 * with --crds-cache, a mini CRDS cache holding references consistent with it.
 */
import { parseArgs } from 'node:util';
import { planExposure, SimulationInputError, type SimulationRequest } from '../sim/index.js';
import { simulateToDirectory, writeMiniCrdsCache } from '../sim/node.js';


/** Raised for bad command-line input (the CLI exits with code 2). */
export class SimulateUsageError extends Error {}

function integer(name: string, text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new SimulateUsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(text.trim())) throw new SimulateUsageError(`--${name} must be a non-negative integer, got "${text}"`);
  return Number(text);
}

function count(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text.trim())) throw new SimulateUsageError(`--${name} must be a number >= 0, got "${text}"`);
  return Number(text);
}

export async function runSimulate(args: string[], log: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      instrument: { type: 'string' },
      detector: { type: 'string' },
      subarray: { type: 'string' },
      readpatt: { type: 'string' },
      ngroups: { type: 'string' },
      nints: { type: 'string' },
      seed: { type: 'string' },
      'output-dir': { type: 'string', default: '.' },
      zeroframe: { type: 'boolean' },
      'no-zeroframe': { type: 'boolean' },
      tso: { type: 'boolean' },
      'cosmic-rays': { type: 'string' },
      snowballs: { type: 'string' },
      showers: { type: 'string' },
      name: { type: 'string' },
      'crds-cache': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new SimulateUsageError(`simulate takes no positional arguments (got "${positionals.join(' ')}")`);
  if (values.instrument === undefined) throw new SimulateUsageError('--instrument is required (nircam, nirspec or miri)');
  if (values.zeroframe && values['no-zeroframe']) throw new SimulateUsageError('--zeroframe and --no-zeroframe contradict each other');
  const ngroups = integer('ngroups', values.ngroups);
  const nints = integer('nints', values.nints, 1);
  if (ngroups < 1) throw new SimulateUsageError('--ngroups must be at least 1');
  if (nints < 1) throw new SimulateUsageError('--nints must be at least 1');
  const cosmicRays = count('cosmic-rays', values['cosmic-rays']);
  const request: SimulationRequest = {
    instrument: values.instrument,
    detector: values.detector,
    subarray: values.subarray,
    readpatt: values.readpatt,
    ngroups,
    nints,
    seed: integer('seed', values.seed, 1),
    zeroframe: values.zeroframe ? true : values['no-zeroframe'] ? false : undefined,
    tso: values.tso,
    events: {
      // default: the JWST cosmic-ray rate (~5 per cm^2 per s on 18-25 um pixels)
      cosmicRayRate: cosmicRays === undefined ? (values.instrument.toLowerCase() === 'miri' ? 3e-5 : 1.6e-5) : undefined,
      cosmicRaysPerIntegration: cosmicRays,
      snowballs: count('snowballs', values.snowballs),
      showers: count('showers', values.showers),
    },
  };
  let plan;
  try {
    plan = planExposure(request);
  } catch (error) {
    if (error instanceof SimulationInputError) throw new SimulateUsageError(error.message);
    throw error;
  }
  const outputDir = values['output-dir']!;
  const files = await simulateToDirectory(plan, outputDir, values.name);
  const [nintsOut, ngroupsOut, ny, nx] = plan.shape;
  const { mode } = plan;
  log(
    `simulated ${mode.info.name} ${mode.detector.name} ${mode.subarray.name} ${mode.readPattern.name}: ` +
      `${nintsOut} x ${ngroupsOut} x ${ny} x ${nx} (NFRAMES ${mode.readPattern.nframes}, GROUPGAP ${mode.readPattern.groupgap}, ` +
      `TFRAME ${mode.tframe} s${plan.zeroframe ? ', ZEROFRAME' : ''}) in ${files.seconds.toFixed(2)} s`,
  );
  const events = files.events.reduce<Record<string, number>>((sum, perInt) => {
    for (const [k, v] of Object.entries(perInt)) sum[k] = (sum[k] ?? 0) + v;
    return sum;
  }, {});
  const eventText = Object.entries(events).map(([k, v]) => `${v} ${k}${v === 1 ? '' : 's'}`).join(', ');
  log(`  ${plan.scene.sources.length} sources, ${eventText || 'no charge events'}`);
  log(`wrote ${files.uncal}`);
  log(`wrote ${files.truth}`);
  log(`wrote ${files.sidecar}`);
  if (values['crds-cache']) {
    const cache = await writeMiniCrdsCache(values['crds-cache'], [{ plan }]);
    log(`wrote CRDS cache ${values['crds-cache']} (context ${cache.context}, ${cache.references.length} references)`);
  }
}
