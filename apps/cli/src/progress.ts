import type { IngestProgress } from '@articleqa/core';
import type { Output } from './output.js';

/**
 * Draws ingest progress: on a TTY, the phase before there is anything to count ("Loading model",
 * "Reading files"), then a redrawn bar with sources done, chunks embedded and an ETA from the bytes of
 * the files still to read (a better guess than documents when their sizes differ); off a terminal,
 * a line per stored source with --verbose.
 */
export interface Progress {
  update: (event: IngestProgress) => void;
  /** Shows what is happening before the first count (a transient line; nothing off a TTY). */
  phase: (text: string) => void;
  done: () => void;
}

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** Draw nothing at all. */
  quiet?: boolean;
  /** When not on a TTY and --verbose, print a line per added or updated source. @defaultValue true */
  lines?: boolean;
}

export function createProgress(output: Output, label: string, options: ProgressOptions = {}): Progress {
  const bar = createBar(output, label);
  const tty = output.stderrIsTTY && !options.quiet;
  let total = 0;
  let done = 0;
  let totalBytes = 0;
  let bytesDone = 0;
  let chunks = 0;
  const draw = () => {
    const byBytes = totalBytes > 0 && bytesDone > 0 && bytesDone <= totalBytes;
    const seconds = bar.elapsed();
    bar.draw(done, total, {
      detail:
        chunks > 0
          ? `${chunks} chunks embedded · ${seconds > 0 ? (chunks / seconds).toFixed(1) : '0.0'} chunks/s`
          : done === 0
            ? 'reading and embedding the first batch'
            : 'nothing new to embed yet',
      ...(byBytes ? { eta: (totalBytes - bytesDone) / (bytesDone / bar.elapsed()) } : {}),
    });
  };
  return {
    phase: (text) => {
      if (tty) bar.status(`${text}…`);
    },
    update: (event) => {
      if (options.quiet) return;
      if (event.type === 'discovered') {
        total = event.total;
        totalBytes = event.bytes;
        if (tty && total > 0) draw();
        return;
      }
      if (event.type === 'embedded') {
        chunks = event.totalEmbedded;
        if (tty) draw();
        return;
      }
      done = event.done;
      bytesDone += event.bytes;
      if (tty) draw();
      // Off a terminal, a line per file only with --verbose (2,000 files are not 2,000 lines to
      // scroll); failures are left to the summary, which prints each once.
      else if (options.lines !== false && event.status !== 'unchanged' && event.status !== 'failed')
        output.verbose(`${event.status.padEnd(9)} ${event.source}`);
    },
    done: bar.clear,
  };
}

/** A bar redrawn in place on stderr: count, rate and ETA. Only for a TTY. */
export interface Bar {
  /** `eta` in seconds when the caller knows better than the count's rate; `detail` instead of the rate. */
  draw: (done: number, total: number, extra?: { eta?: number; detail?: string }) => void;
  /** A line of text in the bar's place (a phase before there is anything to count). */
  status: (text: string) => void;
  /** Seconds since the first count was drawn. */
  elapsed: () => number;
  clear: () => void;
}

export function createBar(output: Output, label: string): Bar {
  let started: number | undefined;
  let drawn = false;
  const colors = output.errColors;
  const elapsed = () => (started === undefined ? 0 : (performance.now() - started) / 1000);
  const write = (line: string) => {
    process.stderr.write(`\r\x1b[2K${line}`);
    drawn = true;
  };
  return {
    draw: (done, total, extra = {}) => {
      started ??= performance.now();
      const seconds = elapsed();
      const rate = seconds > 0 ? done / seconds : 0;
      const eta = extra.eta ?? (rate > 0 && total > done ? (total - done) / rate : undefined);
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const parts = [`${done}/${total}`, extra.detail ?? `${rate.toFixed(1)}/s`];
      // No ETA until something is measured: "ETA 0s" before the first result says nothing true.
      parts.push(eta === undefined || !Number.isFinite(eta) ? 'ETA …' : `ETA ${formatSeconds(eta)}`);
      write(`${label} ${colors.cyan(bar)} ${parts.join(' · ')}`);
    },
    status: (text) => write(colors.dim(text)),
    elapsed,
    clear: () => {
      if (drawn) process.stderr.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}
