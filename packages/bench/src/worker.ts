// Entry point of a phase child process: receives its input over IPC, runs the phase, replies once
// with the result and its peak RSS, then exits.
import type { WorkerReply } from './phase-runner.js';
import { isPhaseName, loadPhase } from './phases/registry.js';

const name = process.argv[2];

process.once('message', (message: { input: unknown }) => {
  void run(message.input);
});

async function run(input: unknown): Promise<void> {
  let reply: WorkerReply;
  try {
    if (!isPhaseName(name)) throw new Error(`Unknown phase ${String(name)}.`);
    const phase = await loadPhase(name);
    const result = await phase(input as never);
    reply = { ok: true, result, peakRssBytes: peakRss() };
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const cause = error instanceof Error && error.cause ? `\ncaused by: ${String(error.cause)}` : '';
    reply = { ok: false, error: `${text}${cause}`, peakRssBytes: peakRss() };
  }
  process.send?.(reply, () => process.exit(0));
}

function peakRss(): number {
  // maxRSS is in kilobytes on Linux.
  return process.resourceUsage().maxRSS * 1024;
}
