import type { IngestProgress } from '@articleqa/core';
import type { Output } from './output.js';

/** Draws ingest progress: a redrawn bar with count, rate and ETA on a TTY, plain lines otherwise. */
export interface Progress {
  update: (event: IngestProgress) => void;
  done: () => void;
}

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** Draw nothing at all. */
  quiet?: boolean;
  /** When not on a TTY, print a line per added, updated or failed source. @defaultValue true */
  lines?: boolean;
}

export function createProgress(output: Output, label: string, options: ProgressOptions = {}): Progress {
  const bar = createBar(output, label);
  let total = 0;
  return {
    update: (event) => {
      if (options.quiet) return;
      if (event.type === 'discovered') {
        total = event.total;
        if (output.stderrIsTTY && total > 0) bar.draw(0, total);
        return;
      }
      if (event.type !== 'source') return;
      if (output.stderrIsTTY) bar.draw(event.done, total);
      else if (options.lines !== false && event.status !== 'unchanged') {
        output.info(`${event.status.padEnd(9)} ${event.source}${event.reason ? ` (${event.reason})` : ''}`);
      }
    },
    done: bar.clear,
  };
}

/** A bar redrawn in place on stderr: count, rate and ETA. Only for a TTY. */
export interface Bar {
  draw: (done: number, total: number) => void;
  clear: () => void;
}

export function createBar(output: Output, label: string): Bar {
  const started = performance.now();
  let drawn = false;
  const colors = output.errColors;
  return {
    draw: (done, total) => {
      const elapsed = (performance.now() - started) / 1000;
      const rate = elapsed > 0 ? done / elapsed : 0;
      const eta = rate > 0 && total > done ? (total - done) / rate : 0;
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const line = `${label} ${colors.cyan(bar)} ${done}/${total} · ${rate.toFixed(1)}/s · ETA ${formatSeconds(eta)}`;
      process.stderr.write(`\r\x1b[2K${line}`);
      drawn = true;
    },
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
