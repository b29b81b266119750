// Browser-safe entry point: everything except node.ts.
export { FitsError } from './errors.js';
export { fileRows, type FileRows } from './file-rows.js';
export { blobSource, bytesSource, type ByteSource } from './source.js';
export { Header, type Card, type CardValue } from './header.js';
export { FitsFile, type Hdu, type HduKind, type ImageArray, type ReadAs, type ReadImageOptions } from './reader.js';
export { type ColumnData, type FitsTable, type TableColumn, type TableColumnSpec } from './table.js';
export {
  ChunkSink,
  encodeFits,
  FitsStreamWriter,
  type FitsSink,
  type ImageDtype,
  type WritableHdu,
  type FitsWriteOptions,
  type PixelEncoder,
} from './writer.js';
export { addSums, encodeChecksum, onesComplementSum, OnesComplementSum } from './checksum.js';
