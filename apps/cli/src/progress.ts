import type { IngestProgress } from '@articleqa/core';
import type { Output } from './output.js';

/** Draws ingest progress: a redrawn bar with count, rate and ETA on a TTY, plain lines otherwise. */
export interface Progress {
  update: (event: IngestProgress) => void;
  done: () => void;
}

export function createProgress(output: Output, label: string, options: { quiet?: boolean } = {}): Progress {
  const started = performance.now();
  let drawn = false;
  let total = 0;
  const tty = output.stderrIsTTY;
  const colors = output.errColors;
  const draw = (done: number) => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 && total > done ? (total - done) / rate : 0;
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${label} ${colors.cyan(bar)} ${done}/${total} · ${rate.toFixed(1)}/s · ETA ${formatSeconds(eta)}`;
    process.stderr.write(`\r\x1b[2K${line}`);
    drawn = true;
  };
  return {
    update: (event) => {
      if (options.quiet) return;
      if (event.type === 'discovered') {
        total = event.total;
        if (tty && total > 0) draw(0);
        return;
      }
      if (event.type !== 'source') return;
      if (tty) draw(event.done);
      else if (event.status !== 'unchanged') {
        output.info(`${event.status.padEnd(9)} ${event.source}${event.reason ? ` (${event.reason})` : ''}`);
      }
    },
    done: () => {
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
