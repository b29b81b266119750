/**
 * The ASDF extension our products carry (spec/datamodels.md §8). jwst's file-name entry points
 * (`strun`, `Step.call(path)`) need one to exist, but its tree may be nearly empty; we write no
 * `_fits_hash`, so stdatamodels takes every value from the FITS headers.
 */
import { Header, type WritableHdu } from '../io/fits/index.js';
import { packageVersion } from '../version.js';

/**
 * The text of an ASDF document: the header lines, `asdf_library` naming the writer, then the
 * caller's YAML lines (already indented) and the end-of-document marker.
 */
export function asdfDocumentText(library: { name: string; version: string }, body: readonly string[] = []): string {
  return [
    '#ASDF 1.0.0',
    '#ASDF_STANDARD 1.5.0',
    '%YAML 1.1',
    '%TAG ! tag:stsci.edu:asdf/',
    '--- !core/asdf-1.1.0',
    'asdf_library: !core/software-1.0.0',
    `  name: ${library.name}`,
    `  version: ${library.version}`,
    ...body,
    '...',
    '',
  ].join('\n');
}

export function minimalAsdfDocument(): Uint8Array {
  return new TextEncoder().encode(asdfDocumentText({ name: 'jwst-detector1', version: packageVersion }));
}

/** One-row BINTABLE `ASDF` with column `ASDF_METADATA` holding the document bytes (no scaling). */
export function asdfHdu(document: Uint8Array = minimalAsdfDocument()): WritableHdu {
  const header = new Header();
  header.set('EXTNAME', 'ASDF', 'extension name');
  return {
    kind: 'bintable',
    header,
    nrows: 1,
    columns: [{ name: 'ASDF_METADATA', format: `${document.length}B`, data: document }],
  };
}
