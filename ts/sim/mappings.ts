/**
 * CRDS mapping files (.pmap, .imap, .rmap) in real CRDS syntax (spec/reference_files.md §5.2):
 * restricted Python literals, header keys sorted as crds' own writer sorts them, and a `sha1sum`
 * over the text without the sha1sum line (crds refuses a mapping whose checksum does not match).
 */

/** A Python literal: str, int/float, tuple (TS array), dict (TS object). */
export type PyValue = string | number | PyValue[] | { [key: string]: PyValue };

/** Python `repr` of a string (single quotes unless the text holds one and no double quote). */
export function pyString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`).replace(/\n/g, '\\n');
  return `${quote}${escaped}${quote}`;
}

export function pyRepr(value: PyValue): string {
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 1) return `(${pyRepr(value[0])},)`;
    return `(${value.map(pyRepr).join(', ')})`;
  }
  const entries = Object.keys(value)
    .sort()
    .map((k) => `${pyString(k)}: ${pyRepr(value[k])}`);
  return `{${entries.join(', ')}}`;
}

/** crds `Mapping._format_dict`: one key per line, sorted, 4-space indents, trailing commas. */
export function formatDict(dict: { [key: string]: PyValue }, indent = 0): string {
  const prefix = ' '.repeat(4 * indent);
  let out = '{\n';
  for (const key of Object.keys(dict).sort()) {
    const value = dict[key];
    const rendered = typeof value === 'object' && !Array.isArray(value) ? formatDict(value, indent + 1) : pyRepr(value);
    out += `${prefix}    ${pyString(key)} : ${rendered},\n`;
  }
  return out + `${prefix}}`;
}

/** One rmap selection: a match tuple and UseAfter dates -> file names (or a bare file name / 'N/A'). */
export interface RmapEntry {
  match: string[];
  useAfter?: Record<string, string>;
  file?: string;
}

/** `Match({...})` with nested `UseAfter({...})`, as crds writes them. */
export function formatMatchSelector(entries: RmapEntry[]): string {
  const sorted = [...entries].sort((a, b) => (pyRepr(a.match) < pyRepr(b.match) ? -1 : 1));
  let out = 'Match({\n';
  for (const entry of sorted) {
    const key = entry.match.length === 0 ? '()' : pyRepr(entry.match);
    if (entry.useAfter) {
      out += `    ${key} : UseAfter({\n`;
      for (const date of Object.keys(entry.useAfter).sort()) out += `        ${pyString(date)} : ${pyString(entry.useAfter[date])},\n`;
      out += '    }),\n';
    } else {
      out += `    ${key} : ${pyString(entry.file ?? 'N/A')},\n`;
    }
  }
  return out + '})';
}

/**
 * The text of a mapping with its sha1sum: `header = {...}\n\nselector = ...\n` (plus a comment block
 * when given), checksum computed by `sha1` over the text minus the sha1sum line, as crds does.
 */
export function formatMapping(
  header: { [key: string]: PyValue },
  selector: string,
  sha1: (text: string) => string,
  comment?: string,
): string {
  const render = (h: { [key: string]: PyValue }) =>
    comment === undefined
      ? `header = ${formatDict(h)}\n\nselector = ${selector}\n`
      : `header = ${formatDict(h)}\n\ncomment = """${comment}"""\n\nselector = ${selector}\n`;
  const draft = render({ ...header, sha1sum: '0'.repeat(40) });
  const withoutSum = draft
    .split(/(?<=\n)/)
    .filter((line) => !line.includes('sha1sum'))
    .join('');
  return render({ ...header, sha1sum: sha1(withoutSum) });
}

/** UseAfter date of a USEAFTER keyword ('2022-01-01T00:00:00' -> '2022-01-01 00:00:00'). */
export function useAfterDate(useafter: string): string {
  return useafter.replace('T', ' ').slice(0, 19);
}
