import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The Discord bot's load check (`apps/discord-bot/test/load.test.ts`) run through vitest: two bursts of
 * `/ask` from `guilds` servers each, 2 s apart, against the built bot with the real core and an LLM
 * simulator that takes 1 s a call.
 *
 * Unlike the other phases this one is not run in a worker (it is not in the registry): the test spawns
 * the bot as a process of its own, so a worker's peak memory would measure nothing.
 */
export interface DiscordLoadInput {
  /** Servers in each burst (`LOAD_GUILDS`); each asker asks once, from a server of its own. */
  guilds: number;
  /**
   * Who embeds the questions (`LOAD_EMBEDDER`): the OpenAI simulator (no model in the bot), or the
   * core's local model inside the bot process, so real CPU work competes with the acknowledgements.
   */
  embedder: 'simulator' | 'local';
  /** The bot package folder: vitest runs there, and its global setup builds `dist/`. */
  botDir: string;
  /** Where the test writes its measurements (`LOAD_SUMMARY_OUT`); removed after reading. */
  summaryPath: string;
  /** The vitest process group is killed after this long. */
  timeoutMs: number;
}

/** What load.test.ts measured (the JSON it writes to `LOAD_SUMMARY_OUT`). */
export interface DiscordLoadSummary {
  guilds: number;
  embedder: string;
  interactions: number;
  answered: number;
  busy: number;
  apologised: number;
  /** From each `/ask` sent to its interaction callback; null (JSON's infinity) when one never came. */
  ackP50Ms: number | null;
  ackP99Ms: number | null;
  ackMaxMs: number | null;
  /** The bot's own gauges (prom-client), over the bursts: from the scrape before them to the one after. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** LLM calls in flight at once, at most, as the simulator saw them. */
  llmMaxInFlight: number;
  /** From the first burst until every interaction had its answer or its busy notice. */
  seconds: number;
  /** How the bot exited on SIGTERM after the bursts; null when the check failed before sending it. */
  sigterm: { code: number | null; signal: string | null } | null;
}

export interface DiscordLoadOutput {
  summary: DiscordLoadSummary;
  /** Whether every assertion of the test held (vitest exited 0). */
  passed: boolean;
  /** The vitest run, end to end: building `dist/` and the index, starting the bot, the check. */
  wallMs: number;
}

/** Runs the load check once; rejects when vitest fails before the test wrote its measurements. */
export async function runDiscordLoad(input: DiscordLoadInput): Promise<DiscordLoadOutput> {
  await rm(input.summaryPath, { force: true });
  const started = performance.now();
  const { code, output } = await runVitest(input);
  const wallMs = performance.now() - started;
  let summary: DiscordLoadSummary;
  try {
    summary = JSON.parse(await readFile(input.summaryPath, 'utf8')) as DiscordLoadSummary;
  } catch (error) {
    throw new Error(`The load check measured nothing (vitest exited ${code}):\n${output.slice(-4000)}`, {
      cause: error,
    });
  } finally {
    await rm(input.summaryPath, { force: true });
  }
  if (code !== 0)
    process.stdout.write(`    the check failed; vitest's output ends:\n${output.slice(-4000)}\n`);
  return { summary, passed: code === 0, wallMs };
}

function runVitest(input: DiscordLoadInput): Promise<{ code: number | null; output: string }> {
  // The bot's own vitest, as `pnpm --filter @articleqa/discord-bot test` would run it.
  const vitest = join(input.botDir, 'node_modules', 'vitest', 'vitest.mjs');
  return new Promise((resolvePromise, rejectPromise) => {
    const child = spawn(process.execPath, [vitest, 'run', 'test/load.test.ts'], {
      cwd: input.botDir,
      env: {
        ...process.env,
        LOAD_GUILDS: String(input.guilds),
        LOAD_EMBEDDER: input.embedder,
        LOAD_SUMMARY_OUT: input.summaryPath,
        NO_COLOR: '1',
      },
      // A group of its own, so a timeout stops vitest, its workers and the bot they spawned together.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      rejectPromise(
        new Error(
          `The load check did not finish within ${Math.round(input.timeoutMs / 1000)} s:\n${output.slice(-4000)}`,
        ),
      );
    }, input.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      rejectPromise(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}
