export {
  ReferenceFileError,
  cutToScience,
  fullFrameSize,
  geometryOf,
  sameGeometry,
  scienceGeometry,
  type SubarrayGeometry,
} from './subarray.js';
export { dqWords, fileRowsOf, readDqBlockInto, readDqDefinitions, readReferenceDq, readReferenceFloat, readReferencePlaneInto, type ReferenceContext, type ReferenceReadOptions } from './reference.js';
export { readIrs2Reference, type Irs2Reference } from './irs2.js';
