/**
 * CRDS reference selection from a local cache, without a server (browser-safe part; the Node
 * file reader is `./node.js`). Supported selectors: Match and UseAfter.
 */
export {
  CrdsCache,
  CrdsCacheError,
  openCrdsCacheWith,
  selectReference,
  selectReferences,
  stepReference,
  type CrdsCacheOptions,
  type CrdsCacheReader,
  type ReferenceSelection,
  type SelectionStatus,
} from './cache.js';
export { conditionValue, reformatDate, InvalidDateError, type HeaderValue } from './condition.js';
export { crdsHeaderFromMeta, datasetParameters, FITS_TO_DATAMODEL, type DatasetHeader } from './header.js';
export { MappingSyntaxError, parseMapping, parseExpression, parseLiteral, pyFloatRepr, type PyValue, type ParsedMapping } from './pyliteral.js';
export { ReferenceMapping, type RmapOutcome } from './rmap.js';
export { LookupFailure, SelectionError, makeMatcher, type TraceStep } from './selectors.js';
