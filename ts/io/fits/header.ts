import { FitsError } from './errors.js';

export const BLOCK_SIZE = 2880;
export const CARD_LENGTH = 80;

/** null = a keyword with an undefined value; integers beyond 2^53 are bigint. */
export type CardValue = string | number | bigint | boolean | null;

/** COMMENT, HISTORY and blank-keyword cards keep their text in `value`. */
export interface Card {
  key: string;
  value?: CardValue;
  comment?: string;
}

const COMMENTARY_KEYS = new Set(['COMMENT', 'HISTORY', '']);
const STRING_CHUNK = 67; // 80 - "KEY     = '" - "&'"
const LONG_COMMENT_CHUNK = 64; // 80 - "CONTINUE  '&' / "
const COMMENTARY_TEXT = 72;

interface OriginalImage {
  key: string;
  value: CardValue | undefined;
  comment: string | undefined;
  image: string;
}

// The text of each parsed card, re-emitted while the card is unchanged, so that a header read from a
// file is written back as it was (e.g. BZERO = 32768.0 stays a float, comments keep their columns).
const originalImages = new WeakMap<Card, OriginalImage>();

export function isCommentaryKey(key: string): boolean {
  return COMMENTARY_KEYS.has(key);
}

function normalizeKey(key: string): string {
  const upper = key.trim().toUpperCase();
  return upper.startsWith('HIERARCH ') ? upper.slice(9).trim() : upper;
}

export class Header {
  readonly cards: Card[];

  constructor(cards: Card[] = []) {
    this.cards = cards.map((card) => {
      const key = normalizeKey(card.key);
      return key === card.key ? card : { ...card, key };
    });
  }

  private indexOf(key: string): number {
    const wanted = normalizeKey(key);
    return this.cards.findIndex((card) => card.key === wanted);
  }

  get(key: string): CardValue | undefined {
    const index = this.indexOf(key);
    return index < 0 ? undefined : (this.cards[index].value ?? null);
  }

  has(key: string): boolean {
    return this.indexOf(key) >= 0;
  }

  getString(key: string): string | undefined {
    const value = this.get(key);
    return typeof value === 'string' ? value : undefined;
  }

  getNumber(key: string): number | undefined {
    const value = this.get(key);
    if (typeof value === 'number') return value;
    return typeof value === 'bigint' ? Number(value) : undefined;
  }

  getInt(key: string): number | undefined {
    const value = this.get(key);
    if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
    if (typeof value === 'bigint') {
      const asNumber = Number(value);
      return Number.isSafeInteger(asNumber) ? asNumber : undefined;
    }
    return undefined;
  }

  getBool(key: string): boolean | undefined {
    const value = this.get(key);
    return typeof value === 'boolean' ? value : undefined;
  }

  /** Replaces the first card with this key (keeping its comment unless one is given), or appends. */
  set(key: string, value: CardValue, comment?: string): this {
    const normalized = normalizeKey(key);
    const index = this.indexOf(normalized);
    if (index < 0) {
      this.cards.push(comment === undefined ? { key: normalized, value } : { key: normalized, value, comment });
    } else {
      const previous = this.cards[index];
      const newComment = comment ?? previous.comment;
      this.cards[index] = newComment === undefined ? { key: normalized, value } : { key: normalized, value, comment: newComment };
    }
    return this;
  }

  /** Appends a card even if the key exists (COMMENT, HISTORY). */
  add(key: string, value?: CardValue, comment?: string): this {
    const card: Card = { key: normalizeKey(key) };
    if (value !== undefined) card.value = value;
    if (comment !== undefined) card.comment = comment;
    this.cards.push(card);
    return this;
  }

  /** Removes every card with this key. */
  delete(key: string): void {
    const wanted = normalizeKey(key);
    for (let i = this.cards.length - 1; i >= 0; i--) {
      if (this.cards[i].key === wanted) this.cards.splice(i, 1);
    }
  }

  /** A new header with the same cards (cards are replaced, not mutated, by set()). */
  clone(): Header {
    return new Header(this.cards);
  }

  /** Parses cards up to END. byteLength covers the END card's block. */
  static parse(bytes: Uint8Array, fileName: string): { header: Header; byteLength: number } {
    const endCard = findEndCard(bytes);
    if (endCard < 0) {
      throw new FitsError(fileName, `header has no END card within its ${bytes.length} bytes`);
    }
    const text = asciiText(bytes, endCard * CARD_LENGTH);
    const images: string[] = [];
    for (let i = 0; i < endCard; i++) images.push(text.slice(i * CARD_LENGTH, (i + 1) * CARD_LENGTH));
    const byteLength = Math.ceil(((endCard + 1) * CARD_LENGTH) / BLOCK_SIZE) * BLOCK_SIZE;
    return { header: new Header(parseCards(images)), byteLength };
  }

  /** 80-character cards, END, padded with spaces to a multiple of 2880 bytes. */
  toBytes(): Uint8Array {
    const text = this.cards.map(formatCard).join('') + 'END'.padEnd(CARD_LENGTH);
    const bytes = new Uint8Array(Math.ceil(text.length / BLOCK_SIZE) * BLOCK_SIZE).fill(0x20);
    // The cards are printable ASCII (formatCard checks): one byte a character.
    asciiEncoder.encodeInto(text, bytes);
    return bytes;
  }
}

/** Index of the END card among the whole cards of `bytes`, or -1. */
export function findEndCard(bytes: Uint8Array, fromCard = 0): number {
  const cardCount = Math.floor(bytes.length / CARD_LENGTH);
  for (let i = fromCard; i < cardCount; i++) {
    const at = i * CARD_LENGTH;
    if (bytes[at] !== 0x45 || bytes[at + 1] !== 0x4e || bytes[at + 2] !== 0x44) continue; // "END"
    let blankKey = true;
    for (let j = 3; j < 8; j++) if (bytes[at + j] !== 0x20) blankKey = false;
    if (blankKey) return i;
  }
  return -1;
}

const asciiEncoder = new TextEncoder();

/** The first `length` bytes as one character each (a header's cards, decoded at once rather than card by card). */
function asciiText(bytes: Uint8Array, length: number): string {
  const parts: string[] = [];
  for (let at = 0; at < length; at += BLOCK_SIZE) parts.push(String.fromCharCode.apply(null, bytes.subarray(at, Math.min(length, at + BLOCK_SIZE)) as unknown as number[]));
  return parts.join('');
}

function parseCards(images: string[]): Card[] {
  const cards: Card[] = [];
  for (let i = 0; i < images.length; i++) {
    const card = parseCard(images[i]);
    let image = images[i];
    // A string ending in '&' continues on the following CONTINUE cards.
    if (typeof card.value === 'string') {
      const comments = card.comment === undefined ? [] : [card.comment];
      let value = card.value;
      while (value.endsWith('&') && i + 1 < images.length && images[i + 1].startsWith('CONTINUE')) {
        const next = parseValueField(images[i + 1].slice(8));
        if (typeof next.value !== 'string') break;
        value = value.slice(0, -1) + next.value;
        if (next.comment) comments.push(next.comment);
        image += images[++i];
      }
      card.value = value;
      if (comments.length > 0) card.comment = comments.join(' ');
    }
    originalImages.set(card, { key: card.key, value: card.value, comment: card.comment, image });
    cards.push(card);
  }
  return cards;
}

function parseCard(image: string): Card {
  let key = image.slice(0, 8).trim().toUpperCase();
  let valueField: string | undefined;
  if (key === 'HIERARCH') {
    const equals = image.indexOf('=', 9);
    if (equals > 0) {
      key = image.slice(9, equals).trim().toUpperCase();
      valueField = image.slice(equals + 1);
    }
  } else if (image[8] === '=' && !isCommentaryKey(key)) {
    valueField = image.slice(9);
  }
  if (valueField === undefined) return { key, value: image.slice(8).trimEnd() };
  const { value, comment } = parseValueField(valueField);
  return comment === undefined ? { key, value } : { key, value, comment };
}

function parseValueField(field: string): { value: CardValue; comment?: string } {
  let i = 0;
  while (field[i] === ' ') i++;
  let value: CardValue;
  let rest: string;
  if (field[i] === "'") {
    let text = '';
    i++;
    for (;;) {
      const quote = field.indexOf("'", i);
      if (quote < 0) {
        // Unterminated string: keep what is there.
        text += field.slice(i);
        i = field.length;
        break;
      }
      text += field.slice(i, quote);
      if (field[quote + 1] === "'") {
        text += "'";
        i = quote + 2;
      } else {
        i = quote + 1;
        break;
      }
    }
    value = text.trimEnd();
    rest = field.slice(i);
  } else {
    const slash = field.indexOf('/', i);
    const token = (slash < 0 ? field.slice(i) : field.slice(i, slash)).trim();
    value = parseToken(token);
    rest = slash < 0 ? '' : field.slice(slash);
  }
  const slash = rest.indexOf('/');
  if (slash < 0) return { value };
  return { value, comment: rest.slice(slash + 1).trim() };
}

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([EeDd][+-]?\d+)?$/;

function parseToken(token: string): CardValue {
  if (token === '') return null;
  if (token === 'T') return true;
  if (token === 'F') return false;
  if (INTEGER.test(token)) {
    const asNumber = Number(token);
    return Number.isSafeInteger(asNumber) ? asNumber : BigInt(token);
  }
  if (FLOAT.test(token)) return Number(token.replace(/[Dd]/, 'E'));
  // Complex or malformed values are kept as their text rather than rejected (cosmetic).
  return token;
}

function formatCard(card: Card): string {
  const original = originalImages.get(card);
  if (original && original.key === card.key && original.value === card.value && original.comment === card.comment) {
    return original.image;
  }
  const key = normalizeKey(card.key);
  if (isCommentaryKey(key)) return formatCommentary(key, String(card.value ?? ''));
  const value = card.value ?? null;
  const hierarch = key.length > 8 || /[^A-Z0-9_-]/.test(key);
  const prefix = hierarch ? `HIERARCH ${key} = ` : key.padEnd(8) + '= ';
  if (typeof value === 'string' && !hierarch && escapeString(value).length > 68) {
    return formatLongString(prefix, value, card.comment);
  }
  const valueText = typeof value === 'string' ? `'${escapeString(value).padEnd(8)}'`.padEnd(20) : formatScalar(key, value).padStart(20);
  let line = prefix + valueText;
  if (line.length > CARD_LENGTH) throw new RangeError(`header card ${key} is too long for 80 characters`);
  if (card.comment) line += ` / ${card.comment}`;
  return checkAscii(key, line.slice(0, CARD_LENGTH).padEnd(CARD_LENGTH));
}

function formatCommentary(key: string, text: string): string {
  let cards = '';
  for (let start = 0; start === 0 || start < text.length; start += COMMENTARY_TEXT) {
    cards += key.padEnd(8) + text.slice(start, start + COMMENTARY_TEXT).padEnd(COMMENTARY_TEXT);
  }
  return checkAscii(key, cards);
}

function escapeString(text: string): string {
  return text.replaceAll("'", "''");
}

/** Splits `text` into escaped pieces of at most `limit` characters, never splitting a doubled quote. */
function escapedChunks(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let chunk = '';
  for (const char of text) {
    const escaped = char === "'" ? "''" : char;
    if (chunk.length + escaped.length > limit) {
      chunks.push(chunk);
      chunk = '';
    }
    chunk += escaped;
  }
  chunks.push(chunk);
  return chunks;
}

/** Greedy word wrap; the reader joins the pieces with single spaces. */
function wrapWords(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const word of text.split(' ').filter((w) => w !== '')) {
    for (let start = 0; start < word.length; start += limit) {
      const part = word.slice(start, start + limit);
      if (piece && piece.length + 1 + part.length > limit) {
        pieces.push(piece);
        piece = part;
      } else {
        piece = piece ? `${piece} ${part}` : part;
      }
    }
  }
  if (piece) pieces.push(piece);
  return pieces;
}

// The CONTINUE long-string convention as astropy writes it: value pieces ending in '&', then, if the
// comment does not fit on the last piece, comment pieces on "CONTINUE  '&' / ..." cards.
function formatLongString(prefix: string, value: string, comment: string | undefined): string {
  const chunks = escapedChunks(value, STRING_CHUNK);
  const lines = chunks.map((chunk, i) => (i === 0 ? prefix : 'CONTINUE  ') + `'${chunk}${i < chunks.length - 1 ? '&' : ''}'`);
  if (comment) {
    const last = lines.length - 1;
    if (lines[last].length + 3 + comment.length <= CARD_LENGTH) {
      lines[last] += ` / ${comment}`;
    } else {
      lines[last] = lines[last].slice(0, -1) + "&'";
      const pieces = wrapWords(comment, LONG_COMMENT_CHUNK);
      pieces.forEach((piece, i) => lines.push(`CONTINUE  '${i < pieces.length - 1 ? '&' : ''}' / ${piece}`));
    }
  }
  return checkAscii(prefix.slice(0, 8).trim(), lines.map((line) => line.padEnd(CARD_LENGTH)).join(''));
}

function formatScalar(key: string, value: number | bigint | boolean | null): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (typeof value === 'bigint') return value.toString();
  if (!Number.isFinite(value)) throw new RangeError(`header card ${key}: ${value} cannot be written in a FITS header`);
  if (Number.isSafeInteger(value)) return String(value);
  // Shortest text that reads back to the same double; exponent form when shorter than 20 characters.
  let text = String(value);
  if (text.length > 20) text = value.toExponential();
  text = text.replace('e', 'E');
  return /[.E]/.test(text) ? text : `${text}.0`;
}

function checkAscii(key: string, text: string): string {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new RangeError(`header card ${key}: only printable ASCII can be written in a FITS header`);
  return text;
}
