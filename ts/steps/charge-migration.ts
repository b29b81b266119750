/**
 * charge_migration (spec/steps/other.md §2, jwst `ChargeMigrationStep`): CHARGELOSS|DO_NOT_USE
 * from the first group above `signal_threshold` on, for the pixel and its 4 edge neighbours.
 * No reference file. Fewer than 3 groups -> SKIPPED. The class default is `skip = True`:
 * Detector1 runs it only when asked (`chargeMigrationDefaults.skip`).
 */
import type { RampModel } from '../datamodels/models.js';
import { runTiled } from '../pool/pool.js';
import { chargeMigrationHalo } from '../kernels/charge-migration.js';
import { info, rampTileShape, type StepContext, type StepStatus } from './step.js';

/** FITS keyword suffix this step records: `S_CHGMIG`. */
export const chargeMigrationKeywords = { status: 'CHGMIG' } as const;

/** jwst 3.0.0 `ChargeMigrationStep` parameters (`signal_threshold`) in camelCase. */
export interface ChargeMigrationOptions {
  /** DN; a group above it (and not flagged exactly DO_NOT_USE) starts the flagging. */
  signalThreshold: number;
}

/** jwst's defaults; `skip` is the class default the pipeline applies (the step runs when called). */
export const chargeMigrationDefaults: Readonly<ChargeMigrationOptions & { skip: boolean }> = Object.freeze({
  signalThreshold: 25000,
  skip: true,
});

export async function chargeMigrationStep(
  ramp: RampModel,
  context: StepContext = {},
  options: Partial<ChargeMigrationOptions> = {},
): Promise<StepStatus> {
  const signalThreshold = options.signalThreshold ?? chargeMigrationDefaults.signalThreshold;
  if (ramp.shape[1] < 3) {
    info(context, 'charge_migration: too few groups per integration; step skipped');
    return (ramp.meta.calStep[chargeMigrationKeywords.status] = 'SKIPPED');
  }
  info(context, `charge_migration: using signal_threshold ${signalThreshold.toFixed(2)}`);
  await runTiled(context.pool, 'chargeMigration', { data: ramp.data, groupdq: ramp.groupdq }, rampTileShape(ramp.shape), {
    signal: context.signal,
    params: { signalThreshold },
    halo: chargeMigrationHalo,
  });
  return (ramp.meta.calStep[chargeMigrationKeywords.status] = 'COMPLETE');
}
