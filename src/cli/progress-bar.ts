/**
 * A one-line progress bar on stderr for batch work over many workflows. Drawn only when stderr is a terminal, so
 * pipes, CI logs and `-o json` output stay clean; redrawn at most ten times a second.
 */

const WIDTH = 30;
const REDRAW_INTERVAL_MS = 100;

/** The bar as text: `[=========>          ] 120/200 workflows  12,430 events`; without a total, no bar. */
export function renderProgress(done: number, total: number | undefined, unit: string, detail = ''): string {
  const suffix = detail === '' ? '' : `  ${detail}`;
  if (total === undefined || total <= 0) return `${done.toLocaleString('en-US')} ${unit}${suffix}`;
  const filled = Math.min(WIDTH, Math.floor((done / total) * WIDTH));
  const bar = filled >= WIDTH ? '='.repeat(WIDTH) : `${'='.repeat(filled)}>${' '.repeat(WIDTH - filled - 1)}`;
  return `[${bar}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit}${suffix}`;
}

export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #unit: string;
  #total: number | undefined;
  #lastDrawMs = 0;
  #drawn = false;

  constructor(unit: string, total: number | undefined, stream: NodeJS.WriteStream = process.stderr) {
    this.#unit = unit;
    this.#total = total;
    this.#stream = stream;
  }

  /** Changes the total, for work whose size is learnt as it goes (a batch reading its query). */
  setTotal(total: number | undefined): void {
    this.#total = total;
  }

  /** Redraws the bar when due; `force` draws now (e.g. the last step). */
  update(done: number, detail = '', force = false): void {
    if (!this.#stream.isTTY) return;
    const now = performance.now();
    if (!force && now - this.#lastDrawMs < REDRAW_INTERVAL_MS) return;
    this.#lastDrawMs = now;
    this.#drawn = true;
    this.#stream.write(`\r${renderProgress(done, this.#total, this.#unit, detail)}\u001b[K`);
  }

  /** Erases the bar, leaving the line for what is printed next. */
  finish(): void {
    if (this.#drawn) this.#stream.write('\r\u001b[K');
    this.#drawn = false;
  }
}
