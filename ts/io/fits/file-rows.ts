/**
 * Rows of an image extension as its file stores them, `planes` planes of `rows` x `cols`, for a
 * thread that reads them from the file itself: plain float32 (BSCALE 1, BZERO 0), 32-bit DQ words
 * (BZERO 2^31 when `unsigned`) translated through `bitFlags` (dqBitFlags), or 16-bit integers
 * (BZERO 32768 when `unsigned`). A reference larger than the science frame (a full-frame one of
 * a subarray) is read in the window whose first pixel is at row `y0`, column `x0`.
 */
export interface FileRows {
  path: string;
  /** Byte offset of the extension's data in the file. */
  offset: number;
  planes: number;
  rows: number;
  cols: number;
  kind: 'float32' | 'dq' | 'int16';
  unsigned?: boolean;
  bitFlags?: Uint32Array;
  y0: number;
  x0: number;
}

/**
 * A FileRows with every field, always in this order: the workers' reads then see one shape of
 * object (V8 recompiled them for each shape it met).
 */
export function fileRows(
  extension: Pick<FileRows, 'path' | 'offset' | 'planes' | 'rows' | 'cols'>,
  kind: FileRows['kind'],
  unsigned = false,
  bitFlags?: Uint32Array,
  window: { y0: number; x0: number } = { y0: 0, x0: 0 },
): FileRows {
  const { path, offset, planes, rows, cols } = extension;
  return { path, offset, planes, rows, cols, kind, unsigned, bitFlags, y0: window.y0, x0: window.x0 };
}
