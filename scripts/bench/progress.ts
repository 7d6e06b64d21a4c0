/**
 * A progress bar on stderr (stdout stays for the table). On a terminal it redraws in place; in a log
 * it writes one line per finished run.
 */
export class ProgressBar {
  private label = '';
  private lastDraw = 0;
  private run = 0;

  constructor(
    private readonly runs: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  start(label: string): void {
    this.run += 1;
    this.label = label;
    this.lastDraw = 0;
    this.update(0, 0);
  }

  update(done: number, total: number): void {
    if (!this.stream.isTTY) return;
    const now = performance.now();
    if (now - this.lastDraw < 80 && done < total) return;
    this.lastDraw = now;
    this.stream.write(`\r${this.line(done, total)}\x1b[K`);
  }

  finish(done: number, total: number, note: string): void {
    const text = `${this.line(done, total)}  ${note}`;
    this.stream.write(this.stream.isTTY ? `\r${text}\x1b[K\n` : `${text}\n`);
  }

  private line(done: number, total: number): string {
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    const counter = `[${String(this.run).padStart(String(this.runs).length)}/${this.runs}]`;
    return `${counter} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${String(done).padStart(6)}/${total} ${this.label}`;
  }
}
