/**
 * Progress of a run on the terminal: one line redrawn in place (step, integration, a bar over the
 * steps reached so far, elapsed time and an ETA) when stderr is a terminal; plain lines otherwise.
 */
import type { Detector1Progress } from '../pipeline/detector1.js';

interface Stream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export class ProgressDisplay {
  readonly #stream: Stream;
  readonly #silent: boolean;
  readonly #started = performance.now();
  #line = '';
  #events = 0;
  #expected = 0;

  constructor(stream: Stream, silent: boolean) {
    this.#stream = stream;
    this.#silent = silent;
  }

  get #tty(): boolean {
    return this.#stream.isTTY === true;
  }

  update(progress: Detector1Progress): void {
    const now = performance.now();
    this.#events++;
    // Each step reports once per integration slice; ramp_fit comes last, once.
    if (progress.step === 'ramp_fit') this.#expected = this.#events;
    else this.#expected = Math.max(this.#expected, this.#events + 1);
    if (this.#silent) return;
    const where = progress.nints > 1 ? ` (integration ${progress.integration + 1}/${progress.nints})` : '';
    if (!this.#tty) {
      this.#stream.write(`detector1: ${progress.step}${where}\n`);
      return;
    }
    const elapsed = (now - this.#started) / 1000;
    const fraction = Math.min(1, (this.#events - 1) / Math.max(1, this.#expected));
    const eta = fraction > 0.05 ? ` ETA ${((elapsed / fraction) * (1 - fraction)).toFixed(1)} s` : '';
    const width = 24;
    const filled = Math.round(fraction * width);
    this.#draw(`${progress.step.padEnd(19)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${elapsed.toFixed(1)} s${eta}${where}`);
  }

  /** A message line; on a terminal the progress line is redrawn under it. */
  log(message: string): void {
    if (this.#silent) return;
    if (!this.#tty) {
      this.#stream.write(`detector1: ${message}\n`);
      return;
    }
    const line = this.#line;
    this.#draw('');
    this.#stream.write(`${message}\n`);
    this.#draw(line);
  }

  done(): void {
    if (!this.#silent && this.#tty) this.#draw('');
  }

  #draw(line: string): void {
    const columns = this.#stream.columns ?? 100;
    const text = line.length >= columns ? line.slice(0, columns - 1) : line;
    this.#stream.write(`\r${text.padEnd(Math.max(this.#line.length, text.length))}\r${text}`);
    this.#line = text;
  }
}
