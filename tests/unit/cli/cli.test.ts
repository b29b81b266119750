import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The CLI runs from the build (`make test` builds dist/ before vitest), as users run it.
const cli = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'detector1-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe.skipIf(!existsSync(cli))('detector1 command', () => {
  it('exits 2 with usage on an unknown command', () => {
    const result = run('frobnicate');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown command "frobnicate"/);
    expect(result.stderr).toMatch(/usage:/);
  });

  it('exits 1 naming the file when it does not exist', () => {
    const result = run('info', join(work, 'missing_uncal.fits'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing_uncal\.fits/);
  });

  it('exits 1 naming the file and the problem when it is not FITS', () => {
    const path = join(work, 'notfits.fits');
    writeFileSync(path, 'hello, this is not a FITS file'.padEnd(2880, ' '));
    const result = run('info', path);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/notfits\.fits/);
  });

  it('runs the demo end to end and writes its products atomically', () => {
    const out = join(work, 'demo');
    const result = run('demo', '--output-dir', out);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/detector1: 2 x 10 x 160 x 160 ramp, 2 workers/);
    for (const step of ['dq_init', 'saturation', 'superbias', 'refpix', 'linearity', 'dark_current', 'jump', 'ramp_fit']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${step} +COMPLETE +[0-9.]+ ms$`, 'm'));
    }
    const stem = 'jw00000001001_01101_00001_nrca1';
    expect(readdirSync(out).filter((f) => !f.startsWith('.')).sort()).toEqual(
      ['crds', `${stem}_rate.fits`, `${stem}_rate.png`, `${stem}_rateints.fits`, `${stem}_sim.json`, `${stem}_truth.fits`, `${stem}_uncal.fits`].sort(),
    );
    const info = run('info', join(out, `${stem}_rate.fits`));
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(/DATAMODL = ImageModel/);
    expect(info.stdout).toMatch(/VAR_RNOISE/);
  });
});
