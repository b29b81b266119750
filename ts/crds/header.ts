/**
 * The dataset side of CRDS selection (spec/reference_files.md §5.3): CRDS matches on datamodel
 * paths (`META.INSTRUMENT.DETECTOR`), so FITS keywords are translated to their paths (crds
 * `jwst.locate.fits_to_parkeys`, which asks the datamodel schema), and our typed `Meta` is
 * flattened the same way `model.get_crds_parameters()` flattens a datamodel.
 */
import { primaryKeywords, type Meta } from '../datamodels/meta.js';
import type { HeaderValue } from './condition.js';

const SECTION_PATHS = {
  instrument: 'META.INSTRUMENT',
  exposure: 'META.EXPOSURE',
  subarray: 'META.SUBARRAY',
  observation: 'META.OBSERVATION',
  visit: 'META.VISIT',
} as const;

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/**
 * FITS keyword -> datamodel path for every primary keyword `Meta` types (the camelCase fields are
 * named after the stdatamodels paths; tests/python/test_crds_selection.py checks this table
 * against the schema).
 */
export const FITS_TO_DATAMODEL: ReadonlyMap<string, string> = new Map(
  primaryKeywords.flatMap((spec) =>
    spec.section in SECTION_PATHS ? [[spec.keyword, `${SECTION_PATHS[spec.section as keyof typeof SECTION_PATHS]}.${snake(spec.field)}`] as [string, string]] : [],
  ),
);

export type DatasetHeader = Record<string, HeaderValue | null | undefined>;

/**
 * Keys as CRDS sees them: `META.*` paths (any case) stay, FITS keywords become their datamodel
 * path when we know it (others are kept upper-cased, as crds keeps keywords the schema lacks).
 * Values are kept as given (conditioning happens at selection).
 */
export function datasetParameters(header: DatasetHeader): Map<string, HeaderValue> {
  const parameters = new Map<string, HeaderValue>();
  for (const [key, value] of Object.entries(header)) {
    if (value === undefined || value === null) continue;
    const upper = key.toUpperCase();
    parameters.set(upper.startsWith('META.') ? upper : (FITS_TO_DATAMODEL.get(upper) ?? upper), value);
  }
  return parameters;
}

/** The selection header of an exposure's typed metadata (what jwst passes CRDS, for the keywords `Meta` holds). */
export function crdsHeaderFromMeta(meta: Meta): Record<string, HeaderValue> {
  const header: Record<string, HeaderValue> = {};
  for (const spec of primaryKeywords) {
    const path = FITS_TO_DATAMODEL.get(spec.keyword);
    const value = (meta[spec.section] as Record<string, unknown>)[spec.field];
    if (path && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) header[path] = value;
  }
  return header;
}
