/**
 * The simulator (browser-safe part): synthetic JWST exposures in the real `_uncal` layout and
 * reference files consistent with them. Node helpers that write files: `./node.js`.
 */
export { Rng, pixelHash, pixelNormal, hashString, mix32 } from './prng.js';
export {
  instrumentInfo,
  instruments,
  findInstrument,
  resolveMode,
  frameTime,
  SimulationInputError,
  type Instrument,
  type InstrumentInfo,
  type DetectorInfo,
  type SubarrayInfo,
  type ReadPatternInfo,
  type ResolvedMode,
} from './modes.js';
export { DetectorModel, nonlinear, PixelClass, DEFECT_FRACTIONS, type DetectorPhysics, type Region } from './detector.js';
export { nircam, nircamPhysics } from './nircam.js';
export { nirspec, nirspecPhysics } from './nirspec.js';
export {
  miri,
  miriPhysics,
  miriResetShape,
  miriDarkExtra,
  miriLastFrameOffset,
  miriRscdFraction,
  rscdRows,
  emicorrDocument,
  MIRI_RESET_GROUPS,
  MIRI_REFERENCE_INTS,
  EMI_FREQUENCY,
  EMI_AMPLITUDE,
} from './miri.js';
export { SIMULATOR_VERSION, SIMULATED_USEAFTER } from './constants.js';
export { buildScene, addSource, type Scene, type SceneOptions, type Source } from './scene.js';
export { drawEvents, depositEvent, type ChargeEvent, type EventOptions } from './events.js';
export {
  planExposure,
  simulateIntegrations,
  type SimulationRequest,
  type ExposurePlan,
  type IntegrationOutput,
} from './exposure.js';
export {
  writeUncal,
  uncalPrimaryHeader,
  uncalSciHeader,
  groupTable,
  intTimesTable,
  uncalTrailingHdus,
  defaultStem,
  simulatorAsdf,
  exposureStartMs,
} from './uncal.js';
export {
  referenceHdus,
  superbiasArrays,
  saturationThresholds,
  linearityArrays,
  darkArrays,
  ipcKernel,
  type ReferenceSpec,
  type SimulatedReftype,
} from './references.js';
export { formatMapping, formatMatchSelector, formatDict, pyRepr, type RmapEntry, type PyValue } from './mappings.js';
export { simulateIrs2, irs2RefpixHdus, IRS2_FRAME_TIME, type Irs2Request, type Irs2Exposure } from './irs2.js';
