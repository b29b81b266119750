/** A file that cannot be read or written as FITS. The message starts with the file name. */
export class FitsError extends Error {
  readonly file: string;

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'FitsError';
    this.file = file;
  }
}
