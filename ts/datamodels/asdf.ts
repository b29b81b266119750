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

/** Raised when the ASDF extension holds a value we read but cannot understand. */
export class AsdfMetadataError extends Error {
  override name = 'AsdfMetadataError';
}

/**
 * `meta.exposure.read_times` of the ASDF tree in a FITS file's ASDF extension (stdatamodels keeps
 * it there: it has no FITS keyword): the frame times (s) of every group, or undefined when the
 * tree has none. Only this value is read, from its YAML lines; the lists may be flow (`[a, b]`)
 * or block (`- a`) sequences, as the asdf library writes Python lists.
 */
export function asdfExposureReadTimes(document: Uint8Array, fileName: string): number[][] | undefined {
  const text = new TextDecoder('latin1').decode(document);
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith('---'));
  if (start < 0) return undefined;
  const path: { indent: number; key: string }[] = [];
  for (let n = start + 1; n < lines.length && !lines[n].startsWith('...'); n++) {
    const key = /^( *)([A-Za-z_][\w-]*):(?: +(.*))?$/.exec(lines[n]);
    if (!key) continue;
    const indent = key[1].length;
    while (path.length > 0 && path[path.length - 1].indent >= indent) path.pop();
    path.push({ indent, key: key[2] });
    if (path.map((p) => p.key).join('.') !== 'meta.exposure.read_times' || path[0].indent !== 0) continue;
    let value = key[3]?.trim() ?? '';
    if (value.startsWith('!')) {
      throw new AsdfMetadataError(`${fileName}: meta.exposure.read_times is a tagged value (${value.split(' ')[0]}); only lists are supported`);
    }
    // A block value: the following lines indented deeper, or sequence items at the key's indent.
    if (value === '') {
      const block: string[] = [];
      for (let m = n + 1; m < lines.length; m++) {
        const line = lines[m];
        const lineIndent = line.length - line.trimStart().length;
        if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
        if (lineIndent > indent || (lineIndent === indent && /^ *- /.test(line))) block.push(line);
        else break;
      }
      value = blockSequenceToFlow(block, fileName);
    }
    return readTimesFromFlow(value, fileName);
  }
  return undefined;
}

/** A YAML block sequence (of flow lists, or of block sequences of scalars) as one flow list. */
function blockSequenceToFlow(block: string[], fileName: string): string {
  if (block.length === 0) return '[]';
  const items: string[] = [];
  const outer = block[0].length - block[0].trimStart().length;
  for (const line of block) {
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (!body.startsWith('-')) throw new AsdfMetadataError(`${fileName}: meta.exposure.read_times: unexpected line "${body.slice(0, 60)}"`);
    const rest = body.replace(/^- ?/, '').trim();
    if (indent === outer) {
      // "- [a, b]", "- - a" (a nested block sequence starting on this line) or "-" then nested lines.
      items.push(rest.startsWith('- ') ? `[${rest.slice(2).trim()}` : rest === '' ? '[' : rest);
    } else {
      const last = items.length - 1;
      if (last < 0 || !items[last].startsWith('[') || items[last].endsWith(']')) {
        throw new AsdfMetadataError(`${fileName}: meta.exposure.read_times: unexpected nesting at "${body.slice(0, 60)}"`);
      }
      items[last] += items[last] === '[' ? rest : `, ${rest}`;
    }
  }
  return `[${items.map((item) => (item.startsWith('[') && !item.endsWith(']') ? `${item}]` : item)).join(', ')}]`;
}

/** `[[t, ...], ...]` in YAML flow syntax (numbers only) as numbers. */
function readTimesFromFlow(flow: string, fileName: string): number[][] {
  const fail = (why: string): never => {
    throw new AsdfMetadataError(`${fileName}: meta.exposure.read_times ${why}`);
  };
  let parsed: unknown;
  try {
    // YAML's special floats, then plain JSON (YAML flow sequences of numbers are JSON).
    parsed = JSON.parse(flow.replace(/(?<![\w.])[-+]?\.(?:nan|inf)\b/gi, 'null'));
  } catch {
    return fail(`is not a list of lists of numbers: "${flow.slice(0, 80)}"`);
  }
  if (!Array.isArray(parsed) || !parsed.every((g) => Array.isArray(g) && g.every((t) => typeof t === 'number'))) {
    return fail(`is not a list of lists of finite numbers: "${flow.slice(0, 80)}"`);
  }
  return parsed as number[][];
}
