export * from './models.js';
export { type Meta, emptyMeta, readMeta, writeMeta, primaryKeywords } from './meta.js';
export { RampReader, readModel, modelHdus, derivedHeaders, type WriteOptions } from './fits-models.js';
export { asdfHdu, minimalAsdfDocument } from './asdf.js';
