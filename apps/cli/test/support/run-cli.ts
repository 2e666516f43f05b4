import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point; the tests spawn it as a user would. */
export const cliPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Model cache shared by every test (and by the core's tests): the model is built once. */
export const sharedCacheDir = join(tmpdir(), 'articleqa-test-cache');

/** What a CLI run produced. */
export interface CliResult {
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options for {@link runCli}. */
export interface RunCliOptions {
  /** Working directory of the process. */
  cwd: string;
  /** Variables added to the clean base environment; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. stdin is always a pipe, closed at once when there is no input. */
  input?: string;
  /** @defaultValue 90000 */
  timeoutMs?: number;
}

/**
 * A clean environment: nothing from the developer's shell (no OPENAI_*, no ARTICLEQA_INDEX), colours
 * off, the shared model cache, and a HOME of the test's own so nothing is written to the real one.
 */
export function baseEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: tmpdir(),
    NO_COLOR: '1',
    ARTICLEQA_CACHE_DIR: sharedCacheDir,
  };
}

/** {@link baseEnv} with the run's own variables added (`undefined` removes one). */
function cliEnv(options: Pick<RunCliOptions, 'cwd' | 'env'>): Record<string, string> {
  const env: Record<string, string> = { ...baseEnv(options.cwd) };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * Spawns `node dist/main.js ...args` and collects its output. Never rejects on a non-zero exit: the
 * tests assert the code. Rejects on timeout (after killing the process) so a hang fails loudly.
 */
export function runCli(args: readonly string[], options: RunCliOptions): Promise<CliResult> {
  const env = cliEnv(options);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timeoutMs = options.timeoutMs ?? 90_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `articleqa ${args.join(' ')} did not exit within ${timeoutMs} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {
      // The CLI may exit before reading all of its input (a usage error): not the test's concern.
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh temporary directory, removed by the returned `cleanup`. */
export function makeTempDir(prefix = 'articleqa-cli-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The lines of some output, without the empty last one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, index, all) => !(line === '' && index === all.length - 1));
}

/** Matches an ANSI escape sequence (colours, cursor movement). */
export const ANSI_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/;

/** A CLI process left running (a worker), with its output so far and its exit. */
export interface RunningCli {
  child: ChildProcess;
  /** What it has written so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when it exits; never rejects. */
  exited: Promise<CliResult>;
}

/** Spawns `node dist/main.js ...args` and returns at once; stop it with `child.kill(signal)`. */
export function startCli(
  args: readonly string[],
  options: Omit<RunCliOptions, 'input' | 'timeoutMs'>,
): RunningCli {
  const env = cliEnv(options);
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, stdout, stderr: `${stderr}${error}` }));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, output: () => ({ stdout, stderr }), exited };
}
