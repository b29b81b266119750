/**
 * Value conditioning and date normalisation as crds does them before matching
 * (spec/reference_files.md §5.3, §5.5; crds `core/utils.condition_value`, `core/timestamp`).
 */
import { pyFloatRepr, pyStr, type PyValue } from './pyliteral.js';

export type HeaderValue = string | number | boolean;

const NUMBER_RE = /^(?:[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|[+-]?[0-9]+\.)$/;
// crds joins the alternatives between one '^' and one '$', and uses re.match: every alternative is
// anchored at the start, only NOT_APPLICABLE at the end ('N/A-ish' values also become N/A).
const DONT_CARE_RE = /^(?:-2147483648.0|\(\)|N\/A|NOT APPLICABLE|NOT_APPLICABLE$)/;

/** Python `str()` of a header value (`True`, `4`, `4.5`, `1e-05`). */
export function pythonStr(value: HeaderValue | PyValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 1e16 ? String(value) : pyFloatRepr(value);
  return pyStr(value);
}

/** crds `condition_value`: upper case, numbers as Python floats, N/A / ANY / booleans normalised. */
export function conditionValue(value: HeaderValue | PyValue): string {
  let text = pythonStr(value).trim().toUpperCase();
  if (NUMBER_RE.test(text)) text = pyFloatRepr(Number(text));
  if (DONT_CARE_RE.test(text)) text = 'N/A';
  if (text === 'ANY') return '*';
  if (text === '4294967295.0') return '-1.0';
  if (text === 'T' || text === 'TRUE') return 'T';
  if (text === 'F' || text === 'FALSE') return 'F';
  return text;
}

export class InvalidDateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDateError';
  }
}

const T_SEPARATED_DATE_RE = /^\d\d\d\d[-/]\d\d[-/]\d\dT\d\d(:\d\d){1,2}(\.\d{1,6})?$/;
const ALPHABETICAL_RE = /[A-Za-z]{3,10}/;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

function parseInteger(text: string, what: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw new InvalidDateError(`invalid ${what} ${JSON.stringify(text)}`);
  return Number(text);
}

/** crds `parse_time`: H:M, H:M:S or H:M:S:x, with an optional AM/PM; microseconds truncated as Python does. */
function parseTime(raw: string): [number, number, number, number] {
  let time = raw.trim();
  let meridian = '';
  if (['AM', 'PM'].includes(time.slice(-2).toUpperCase())) {
    meridian = time.slice(-2).toUpperCase();
    time = time.slice(0, -2);
  }
  const parts = time.split(':');
  if (parts.length < 2 || parts.length > 4) throw new InvalidDateError(`invalid time ${JSON.stringify(raw)}`);
  let hour = parseInteger(parts[0], 'hour');
  const minute = parseInteger(parts[1], 'minute');
  const secondText = parts[2] ?? '00';
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(secondText)) throw new InvalidDateError(`invalid seconds ${JSON.stringify(secondText)}`);
  const second = Number(secondText);
  const wholeSecond = Math.trunc(second);
  const microsecond = Math.trunc((second - wholeSecond) * 1e6);
  if (meridian === 'PM' && hour < 12) hour += 12;
  if (meridian === 'AM' && hour === 12) hour -= 12;
  return [hour, minute, wholeSecond, microsecond];
}

function checkedDate(year: number, month: number, day: number, time: [number, number, number, number], raw: string): string {
  const [hour, minute, second, microsecond] = time;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 1 || year > 9999 || month < 1 || month > 12) throw new InvalidDateError(`month or year out of range in ${JSON.stringify(raw)}`);
  if (day < 1 || day > daysInMonth) throw new InvalidDateError(`day is out of range for month in ${JSON.stringify(raw)}`);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || microsecond < 0) {
    throw new InvalidDateError(`time out of range in ${JSON.stringify(raw)}`);
  }
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${p(year, 4)}-${p(month)}-${p(day)} ${p(hour)}:${p(minute)}:${p(second)}`;
  return microsecond ? `${base}.${p(microsecond, 6)}` : base; // Python isoformat drops zero microseconds
}

function parseNumericalDate(raw: string, original: string): string {
  const text = raw.replace(/-/g, '/');
  const parts = text.split(/\s+/).filter(Boolean);
  const date = parts[0] ?? '';
  let time = parseTime(parts.length > 1 ? parts.slice(1).join(' ') : '00:00:00');
  let year: string, month: string, day: string;
  if (/^\d\d\/\d\d\/\d\d\d\d$/.test(date)) [month, day, year] = date.split('/');
  else if (/^\d\d\d\d\/\d\d\/\d\d$/.test(date)) [year, month, day] = date.split('/');
  else if (/^\d\d\/\d\d\/9\d$/.test(date)) {
    [day, month, year] = date.split('/');
    year = `19${year}`;
  } else if (/^\d\d\/\d\d\/[0-3]\d$/.test(date)) {
    [day, month, year] = date.split('/');
    year = `20${year}`;
  } else if (/^\d{8}:\d{6}$/.test(date)) {
    [year, month, day] = [date.slice(0, 4), date.slice(4, 6), date.slice(6, 8)];
    time = [Number(date.slice(9, 11)), Number(date.slice(11, 13)), Number(date.slice(13, 15)), 0];
  } else throw new InvalidDateError(`Unknown numerical date format: ${JSON.stringify(original)}`);
  return checkedDate(Number(year), Number(month), Number(day), time, original);
}

function parseAlphabeticalDate(raw: string, original: string): string {
  let text = raw;
  while (/ am$/i.test(text)) text = text.replace(/ am/i, 'am');
  while (/ pm$/i.test(text)) text = text.replace(/ pm/i, 'pm');
  const parts = text.replace(/[-/]/g, ' ').split(/\s+/).filter(Boolean);
  if (parts.length !== 3 && parts.length !== 4) throw new InvalidDateError(`Unknown date format: ${JSON.stringify(original)}`);
  let [month, day] = parts;
  const year = parts[2];
  const monthNumber = (m: string) => MONTHS.indexOf(m.slice(0, 3).toUpperCase()) + 1;
  if (day.endsWith(',')) day = day.slice(0, -1);
  if (monthNumber(month) === 0 || !/^\d+$/.test(day)) [day, month] = [month, day]; // '08 Feb 2006'
  if (monthNumber(month) === 0) throw new InvalidDateError(`Invalid month value ${JSON.stringify(month)} in ${JSON.stringify(original)}`);
  const time = parseTime(parts[3] ?? '00:00AM');
  return checkedDate(parseInteger(year, 'year'), monthNumber(month), parseInteger(day, 'day'), time, original);
}

/**
 * crds `timestamp.reformat_date`: the date/time formats crds accepts, normalised to
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` (the form UseAfter keys are compared with as strings).
 */
export function reformatDate(raw: string): string {
  if (raw.includes('UNDEFINED')) throw new InvalidDateError('One or more required date/time values is UNDEFINED');
  let text = raw.endsWith(' UT') ? raw.slice(0, -3) : raw;
  if (T_SEPARATED_DATE_RE.test(text)) text = text.replace('T', ' ');
  return ALPHABETICAL_RE.test(text) ? parseAlphabeticalDate(text, raw) : parseNumericalDate(text, raw);
}
