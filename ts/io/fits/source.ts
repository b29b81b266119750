import { FitsError } from './errors.js';

/**
 * Random access to the bytes of a file, so that big files are never loaded whole.
 * `read` returns a new array the caller owns and may modify (the reader byte-swaps in place).
 * `readInto`, when present, fills a caller's buffer instead, which lets hot loops reuse memory.
 */
export interface ByteSource {
  readonly name: string;
  /** The file on disk these bytes are read from, for readers in other threads; absent for other sources. */
  readonly path?: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  readInto?(offset: number, target: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Throws unless [offset, offset + length) lies within a source of `size` bytes. */
export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`${name}: invalid read of ${length} bytes at offset ${offset}`);
  }
  if (offset + length > size) {
    throw new FitsError(name, `read of ${length} bytes at byte ${offset} goes past the end of the file (${size} bytes; truncated?)`);
  }
}

/** A source over bytes already in memory. Reads copy, so callers may modify what they get. */
export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: bytes.length,
    async read(offset, length) {
      checkRange(name, bytes.length, offset, length);
      return bytes.slice(offset, offset + length);
    },
    async readInto(offset, target) {
      checkRange(name, bytes.length, offset, target.length);
      target.set(bytes.subarray(offset, offset + target.length));
    },
    async close() {},
  };
}

/** A source over a browser File or Blob; each read fetches only its slice. */
export function blobSource(blob: Blob, name: string): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkRange(name, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
    async close() {},
  };
}
