/**
 * group_scale: the golden cases (all have FRMDIVSR == NFRAMES, so jwst skips), the float32
 * scaling of a non-trivial FRMDIVSR, skip rules, and tiled == untiled.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRampModel, emptyMeta, type RampModel } from '../../../ts/datamodels/index.js';
import { openRamp } from '../../../ts/datamodels/node.js';
import { loadKernels } from '../../../ts/kernels/load-node.js';
import { groupScaleStep } from '../../../ts/steps/group-scale.js';
import { compareProducts, formatReport, goldenCases, goldenProduct } from '../../golden/compare.js';
import { expectTiledEqualsUntiled, random } from './tiled-equivalence.js';

beforeAll(async () => {
  await loadKernels();
});

describe('group_scale vs jwst 3.0.0 golden truth', () => {
  for (const caseName of goldenCases()) {
    it(`${caseName}: same status and SCI`, async () => {
      const truth = goldenProduct(caseName, 'group_scale');
      if (!existsSync(truth.input)) {
        console.warn(`skipping group_scale on ${caseName}: golden input absent (run \`make golden-inputs-check\`)`);
        return;
      }
      const reader = await openRamp(truth.input);
      const ramp = await reader.readAll().finally(() => reader.file.close());
      expect(await groupScaleStep(ramp)).toBe(truth.entry.keywords.S_GRPSCL);
      const report = await compareProducts({ SCI: ramp.data }, truth.file, { extensions: ['SCI'] });
      console.log(`group_scale ${caseName} (${truth.entry.keywords.S_GRPSCL}): ${formatReport(report)}`);
      expect(report.arrays[0].identical, formatReport(report)).toBe(true);
    });
  }
});

function ramp(exposure: { nframes?: number; frameDivisor?: number }): RampModel {
  const meta = emptyMeta();
  Object.assign(meta.exposure, exposure);
  return createRampModel({
    meta,
    shape: [1, 2, 1, 3],
    data: Float32Array.from([1000, 12345.678, Number.NaN, -3, 0.1, 65535]),
    pixeldq: new Uint32Array(3),
    groupdq: Uint8Array.from([1, 2, 0, 0, 0, 0]),
  });
}

describe('group_scale step', () => {
  it('multiplies every value by FRMDIVSR/NFRAMES as float32 (spec example: 5, 4 -> 1000 becomes 800)', async () => {
    const model = ramp({ nframes: 5, frameDivisor: 4 });
    const before = Array.from(model.data);
    expect(await groupScaleStep(model)).toBe('COMPLETE');
    expect(model.data[0]).toBe(800);
    // numpy: float32 data times the Python float 0.8 cast to float32, rounded once.
    expect(Array.from(model.data)).toEqual(before.map((x) => Math.fround(x * Math.fround(0.8))));
    expect(model.meta.calStep.GRPSCL).toBe('COMPLETE');
  });

  it('is SKIPPED when NFRAMES is missing, FRMDIVSR is missing, or they are equal', async () => {
    for (const exposure of [{}, { nframes: 4 }, { nframes: 5 }, { nframes: 8, frameDivisor: 8 }]) {
      const model = ramp(exposure);
      const log: string[] = [];
      expect(await groupScaleStep(model, { log: (_, m) => log.push(m) }), JSON.stringify(exposure)).toBe('SKIPPED');
      expect(model.data[0]).toBe(1000);
      expect(log[0]).toMatch(/step skipped/);
    }
  });

  it('tiled == untiled with 1-3 workers and several band heights', async () => {
    const next = random(3);
    const shape = { nints: 2, ngroups: 3, rows: 37, cols: 19 };
    const data = Float32Array.from({ length: 2 * 3 * 37 * 19 }, () => next() * 65535);
    const runs = await expectTiledEqualsUntiled('groupScale', { data }, shape, { scale: 4 / 5 });
    console.log(`group_scale tiled == untiled: ${runs.length} runs`);
  }, 60_000);
});
