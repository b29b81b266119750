/**
 * `detector1 run` and `detector1 step` as a user runs them (the built CLI in a child process) on a
 * golden case with the generated CRDS cache: products, parameter precedence (an ASDF pars file
 * like jwst's below the command line), strun's `--steps.<step>.<param>=<value>`, exit codes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFile } from '../../../ts/datamodels/node.js';
import { compareProducts, formatReport, goldenCrdsRoot, goldenProduct } from '../../golden/compare.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const crds = goldenCrdsRoot();
const CASE = 'nrc_sub64p_medium8_zeroframe';
const out = mkdtempSync(join(tmpdir(), 'detector1-run-'));
if (!crds) console.warn('skipping detector1 run tests: no generated CRDS cache (run `make golden-inputs-check`)');

beforeAll(() => {
  if (!existsSync(cli)) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

function detector1(...args: string[]) {
  const env = { ...process.env, CRDS_PATH: '', STPIPE_DISABLE_CRDS_STEPPARS: '' };
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env });
}

const PARS = `#ASDF 1.0.0
#ASDF_STANDARD 1.5.0
%YAML 1.1
%TAG ! tag:stsci.edu:asdf/
--- !core/asdf-1.1.0
class: jwst.pipeline.calwebb_detector1.Detector1Pipeline
name: calwebb_detector1
parameters: {save_calibrated_ramp: true}
steps:
- class: jwst.jump.jump_step.JumpStep
  name: jump
  parameters: {rejection_threshold: 8.0, skip: true}
- class: jwst.ipc.ipc_step.IPCStep
  name: ipc
  parameters: {skip: true}
...
`;

describe.skipIf(!crds)('detector1 run / step', () => {
  const uncal = () => goldenProduct(CASE, 'group_scale').input;

  it('writes _rate/_rateints equal to jwst with references chosen from the CRDS cache', () => {
    const dir = join(out, 'plain');
    const run = detector1('run', uncal(), '--crds-path', crds!, '--output-dir', dir, '--threads', '2', '--json');
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(Object.keys(summary.products).sort()).toEqual(['rate', 'rateints']);
    expect(summary.references.filter((r: { status: string }) => r.status === 'found').map((r: { reftype: string }) => r.reftype).sort()).toEqual(
      ['dark', 'gain', 'ipc', 'linearity', 'mask', 'readnoise', 'saturation', 'superbias'],
    );
    return Promise.all(
      ['rate', 'rateints'].map(async (suffix) => {
        const report = await compareProducts(summary.products[suffix], goldenProduct(CASE, suffix).file, { extensions: ['SCI', 'ERR', 'DQ', 'VAR_POISSON', 'VAR_RNOISE'] });
        expect(report.arrays.every((a) => a.identical), formatReport(report)).toBe(true);
      }),
    );
  });

  it('applies a jwst ASDF pars file below the command line', async () => {
    const pars = join(out, 'pars-detector1.asdf');
    writeFileSync(pars, PARS);
    const dir = join(out, 'pars');
    // The file skips jump and ipc; the command line turns jump back on with its own threshold.
    const run = detector1('run', pars, uncal(), '--crds-path', crds!, '--output-dir', dir, '--threads', '0', '--steps.jump.skip=false', '--steps.jump.rejection_threshold', '4', '--quiet');
    expect(run.status, run.stderr).toBe(0);
    const rate = await readModelFile(join(dir, 'jw09999001001_01101_03102_nrca1_rate.fits'));
    expect(rate.meta.calStep.IPC).toBe('SKIPPED');
    expect(rate.meta.calStep.JUMP).toBe('COMPLETE');
    // save_calibrated_ramp came from the file
    expect(existsSync(join(dir, 'jw09999001001_01101_03102_nrca1_ramp.fits'))).toBe(true);
    // ipc skipped changes the science: the rate is no longer jwst's default one
    const report = await compareProducts(join(dir, 'jw09999001001_01101_03102_nrca1_rate.fits'), goldenProduct(CASE, 'rate').file, { extensions: ['SCI'] });
    expect(report.arrays[0].identical).toBe(false);
  });

  it('runs one step alone like strun <step>', async () => {
    const dir = join(out, 'step');
    const input = goldenProduct(CASE, 'superbias').input; // the saturation product jwst's superbias started from
    const run = detector1('step', 'superbias', input, '--crds-path', crds!, '--output-dir', dir, '--threads', '1');
    expect(run.status, run.stderr).toBe(0);
    const written = run.stdout.trim().split('\n').pop()!.replace(/^wrote /, '');
    expect(written.endsWith('_superbias.fits')).toBe(true);
    const report = await compareProducts(written, goldenProduct(CASE, 'superbias').file, { extensions: ['SCI', 'PIXELDQ', 'GROUPDQ'] });
    expect(report.arrays.every((a) => a.identical), formatReport(report)).toBe(true);
    expect(readFileSync(written).includes('crds://jwst_nircam_superbias_9001.fits')).toBe(true);
  });

  it('exits 2 naming the problem for usage errors, 1 for processing errors', () => {
    const typo = detector1('run', uncal(), '--crds-path', crds!, '--steps.jump.rejection_treshold=5');
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/unknown parameter 'rejection_treshold' for step jump; valid parameters: .*rejection_threshold/);
    const badValue = detector1('run', uncal(), '--crds-path', crds!, '--steps.jump.rejection_threshold=abc');
    expect(badValue.status).toBe(2);
    expect(badValue.stderr).toMatch(/rejection_threshold.*abc/);
    const unknownStep = detector1('run', uncal(), '--crds-path', crds!, '--steps.jmup.skip=true');
    expect(unknownStep.status).toBe(2);
    expect(unknownStep.stderr).toMatch(/unknown step 'jmup'/);
    const noCache = detector1('run', uncal());
    expect(noCache.status).toBe(2);
    expect(noCache.stderr).toMatch(/CRDS cache/);
    const missing = detector1('run', join(out, 'nope_uncal.fits'), '--crds-path', crds!);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope_uncal\.fits/);
  });

  it('stops at the step of a truncated reference, naming the file, with no file left open', () => {
    // References are chosen and opened up front (as stpipe prefetches them); the failure still
    // belongs to linearity, after the steps before it ran.
    const dir = join(out, 'truncated');
    const reference = join(out, 'linearity_truncated.fits');
    writeFileSync(reference, readFileSync(join(crds!, 'references/jwst/nircam/jwst_nircam_linearity_9001.fits')).subarray(0, 20160));
    const run = detector1('run', uncal(), '--crds-path', crds!, '--output-dir', dir, `--steps.linearity.override_linearity=${reference}`);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/linearity_truncated\.fits: .*truncated/);
    expect(run.stderr).toMatch(/refpix[\s\S]*linearity_truncated/);
    expect(run.stderr).not.toMatch(/Closing file descriptor|FileHandle/);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
