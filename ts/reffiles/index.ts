export {
  ReferenceFileError,
  cutToScience,
  fullFrameSize,
  geometryOf,
  sameGeometry,
  scienceGeometry,
  type SubarrayGeometry,
} from './subarray.js';
export { readDqDefinitions, readReferenceDq, readReferenceFloat, type ReferenceContext } from './reference.js';
