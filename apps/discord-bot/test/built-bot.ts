import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModels, openArticleQA, resolveConfig } from '@articleqa/core';
import { type DiscordSimulator, startDiscordSimulator } from '@articleqa/simulators';
import { applicationId, botUser, channelId, guildId, token } from './harness.js';

/** The bot package folder: `dist/` is built there by the global setup. */
export const appDir = fileURLToPath(new URL('..', import.meta.url));

/** The seed article of the repository's corpus, which every real-core test indexes. */
export const articlePath = fileURLToPath(
  new URL('../../../corpus/2015-08-05-china-police-internet-companies.md', import.meta.url),
);
export const articleTitle = 'China wants police installed in every internet company';

/** The Discord simulator the built bot is tested against: the test guild with its one channel. */
export function startGuildDiscord(): Promise<DiscordSimulator> {
  return startDiscordSimulator({
    token,
    applicationId,
    botUser,
    guilds: [{ id: guildId, channels: [{ id: channelId }] }],
  });
}

/** The variables that log a built bot in to `discord` and let it answer in the test channel. */
export function discordEnv(discord: DiscordSimulator): Record<string, string> {
  return {
    DISCORD_TOKEN: token,
    DISCORD_APPLICATION_ID: applicationId,
    DISCORD_API_URL: discord.apiUrl,
    ARTICLEQA_ALLOWED_CHANNELS: channelId,
  };
}

/**
 * The core's settings for a bot process: embeddings from the OpenAI simulator (deterministic, so no
 * model build), the chat model `sim-chat` on the same simulator, and an index and cache in `workDir`.
 */
export function coreEnv(options: {
  workDir: string;
  openaiBaseURL: string;
  apiKey: string;
}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: options.workDir,
    OPENAI_BASE_URL: options.openaiBaseURL,
    OPENAI_API_KEY: options.apiKey,
    ARTICLEQA_EMBEDDER: 'openai:sim-embed',
    ARTICLEQA_EMBEDDING_DIMENSIONS: '256',
    ARTICLEQA_CHAT_MODEL: 'sim-chat',
    ARTICLEQA_LLM_RETRIES: '0',
    ARTICLEQA_CACHE_DIR: join(options.workDir, 'cache'),
    ARTICLEQA_INDEX: join(options.workDir, 'index'),
  };
}

/** Builds the index in `env.ARTICLEQA_INDEX` from the seed article with the core's public API, as `articleqa ingest` would. */
export async function buildIndex(env: Record<string, string>): Promise<void> {
  const qa = await openArticleQA({
    dir: env.ARTICLEQA_INDEX as string,
    create: true,
    ...createModels(resolveConfig(env)),
  });
  try {
    await qa.ingest([articlePath]);
  } finally {
    await qa.close();
  }
}

/** A spawned built script (`dist/main.js`, `dist/shard.js`) whose stdout and stderr are collected. */
export interface BotProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves once `output()` holds `text` `count` times; rejects on timeout or when the process exits first. */
  waitForOutput(text: string, options?: { count?: number; timeoutMs?: number }): Promise<void>;
  /** Settles when the process has exited and its output streams closed. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node <script>` in `cwd` with exactly `env` (no inherited variables, so no stray secrets or .env). */
export function spawnBuilt(
  script: string,
  options: { cwd: string; env: Record<string, string>; detached?: boolean },
): BotProcess {
  const child = spawn(process.execPath, [join(appDir, script)], {
    cwd: options.cwd,
    env: options.env,
    detached: options.detached ?? false,
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      hasExited = true;
      for (const listener of listeners) listener();
      resolve({ code, signal });
    }),
  );
  const occurrences = (text: string) => output.split(text).length - 1;

  return {
    child,
    output: () => output,
    exited,
    waitForOutput(text, { count = 1, timeoutMs = 30_000 } = {}) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (occurrences(text) >= count) {
            done();
            resolve();
          } else if (hasExited) {
            done();
            reject(new Error(`${script} exited before printing ${text} x${count}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${script} did not print ${text} x${count} in ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Starts `node dist/main.js` in `workDir` with exactly `env`; resolves once it accepts questions. */
export async function startBuiltMain(workDir: string, env: Record<string, string>): Promise<BotProcess> {
  const bot = spawnBuilt('dist/main.js', { cwd: workDir, env });
  await bot.waitForOutput('"msg":"accepting questions"', { timeoutMs: 30_000 });
  return bot;
}

/** Stops a built bot that still runs (SIGTERM) and waits for it to exit. */
export async function stopBuilt(bot: BotProcess | undefined): Promise<void> {
  if (!bot || bot.child.exitCode !== null) return;
  bot.child.kill('SIGTERM');
  await bot.exited;
}

/** True while a process with this id runs. A zombie counts as gone: in a container PID 1 may never reap it. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // The state follows the parenthesised command name: "123 (node) S ...".
    return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Ids of the direct child processes of `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Waits until none of the processes exists; fails after `timeoutMs` naming those still running. */
export async function waitForExit(pids: readonly number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) throw new Error(`processes still running: ${pids.filter(isAlive).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
