import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PhaseInput, PhaseName, PhaseOutput } from './phases/registry.js';

/** What a phase child reports besides its own result. */
export interface PhaseRun<T> {
  result: T;
  /** Peak resident set size of the child process (maxRSS from `process.resourceUsage()`), bytes. */
  peakRssBytes: number;
  wallMs: number;
}

/** Message a worker sends back. */
export type WorkerReply =
  | { ok: true; result: unknown; peakRssBytes: number }
  | { ok: false; error: string; peakRssBytes: number };

const workerPath = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * Runs one phase in a fresh Node process, so that its peak memory is its own (a model loaded by an
 * earlier phase, or the peer's allocations, never count against another phase) and a crash or hang
 * stays contained. The child is killed after `timeoutMs`.
 */
export function runPhase<Name extends PhaseName>(
  name: Name,
  input: PhaseInput<Name>,
  options: { timeoutMs: number },
): Promise<PhaseRun<PhaseOutput<Name>>> {
  const started = performance.now();
  return new Promise((resolvePromise, rejectPromise) => {
    const child = fork(workerPath, [name], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    let reply: WorkerReply | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectPromise(
        new Error(`Phase ${name} did not finish within ${Math.round(options.timeoutMs / 1000)} s.`),
      );
    }, options.timeoutMs);
    child.on('message', (message) => {
      reply = message as WorkerReply;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      rejectPromise(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!reply) {
        rejectPromise(new Error(`Phase ${name} exited (${signal ?? `code ${code}`}) without a result.`));
        return;
      }
      if (!reply.ok) {
        rejectPromise(new Error(`Phase ${name} failed: ${reply.error}`));
        return;
      }
      resolvePromise({
        result: reply.result as PhaseOutput<Name>,
        peakRssBytes: reply.peakRssBytes,
        wallMs: performance.now() - started,
      });
    });
    child.send({ input });
  });
}
