import { type ChildProcess, spawn } from 'node:child_process';
import { baseEnv, cliPath } from './run-cli.js';

/** A CLI process on a pseudo-terminal: what a user at a terminal sees, and their keystrokes. */
export interface TerminalRun {
  readonly child: ChildProcess;
  /** Everything the terminal showed so far (stdout and stderr together, as a terminal shows them). */
  screen(): string;
  /** Types `keys` (`\x03` is Ctrl-C, `\x04` Ctrl-D, `\r` Enter). */
  type(keys: string): void;
  /** Resolves once the screen shows `text` `count` times after `from`; rejects on timeout or exit. */
  waitFor(text: string, options?: { count?: number; from?: number; timeoutMs?: number }): Promise<void>;
  /** The exit code, once the process has ended. */
  readonly exited: Promise<number | null>;
  /** The exit code, or 'still running' (and the process killed) when it has not ended within `ms`. */
  exitedWithin(ms: number): Promise<number | null | 'still running'>;
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * Runs `articleqa ...args` on a pseudo-terminal made by util-linux `script` (in every Debian base
 * system), so stdin and stderr are TTYs and readline runs in raw mode, as for a person at a terminal.
 */
export function startInTerminal(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): TerminalRun {
  const command = [process.execPath, cliPath, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: options.cwd,
    env: { ...baseEnv(options.cwd), TERM: 'xterm', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    screen += text;
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    screen += text;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  return {
    child,
    screen: () => screen,
    type: (keys) => child.stdin?.write(keys),
    exited,
    exitedWithin: async (ms) => {
      const timer = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms));
      const outcome = await Promise.race([exited, timer]);
      if (outcome === 'still running') child.kill('SIGKILL');
      return outcome;
    },
    waitFor: async (text, { count = 1, from = 0, timeoutMs = 60_000 } = {}) => {
      const deadline = Date.now() + timeoutMs;
      while (screen.slice(from).split(text).length - 1 < count) {
        if (ended) throw new Error(`The process ended before showing ${JSON.stringify(text)}:\n${screen}`);
        if (Date.now() > deadline)
          throw new Error(`${JSON.stringify(text)} not shown in ${timeoutMs} ms:\n${screen}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}
