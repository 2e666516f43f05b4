import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type DiscordSimulator,
  type OpenAISimulator,
  startDiscordSimulator,
  startOpenAISimulator,
} from '@articleqa/simulators';
import { afterAll, describe, expect, it } from 'vitest';
import { APOLOGY, rejectionNotice } from '../src/format/notices.js';
import { type BotProcess, buildIndex, coreEnv, startBuiltMain, stopBuilt } from './built-bot.js';
import { applicationId, botUser, token, until, user } from './harness.js';
import { freePort } from './ports.js';

/**
 * Guilds in each burst: small enough for CI on two cores; `LOAD_GUILDS=200` is the load check
 * (two bursts of 200 from 200 servers, 2 s apart, an LLM taking 1 s a call).
 */
const GUILDS = Number(process.env.LOAD_GUILDS ?? 40);
/**
 * Who embeds the questions: `simulator` (default), the OpenAI simulator, or `local`, the core's bundled
 * model inside the bot process, so real CPU work competes with the acknowledgements.
 */
const EMBEDDER = process.env.LOAD_EMBEDDER ?? 'simulator';
if (EMBEDDER !== 'simulator' && EMBEDDER !== 'local') {
  throw new Error(`LOAD_EMBEDDER must be simulator or local, not ${EMBEDDER}.`);
}
/** A file to write the measurements to as JSON as well (`pnpm bench --only discord-load` reads it). */
const SUMMARY_OUT = process.env.LOAD_SUMMARY_OUT;
const LLM_MS = 1000;
const apiKey = 'sk-test-articleqa-load-0123';
const BUSY = rejectionNotice({ ok: false, reason: 'busy' });

let discord: DiscordSimulator | undefined;
let openai: OpenAISimulator | undefined;
let workDir: string | undefined;
let bot: BotProcess | undefined;
afterAll(async () => {
  // A failed check must not leave the bot running.
  await stopBuilt(bot);
  await discord?.close();
  await openai?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** {@link coreEnv}, without the simulator's embeddings when `LOAD_EMBEDDER=local`. */
function loadCoreEnv(options: Parameters<typeof coreEnv>[0]): Record<string, string> {
  const env = coreEnv(options);
  if (EMBEDDER === 'simulator') return env;
  // Without them the core uses its default local embedder: the index is built with it, and its model
  // folder is built once into the work dir's cache, where the bot finds it.
  const { ARTICLEQA_EMBEDDER: _embedder, ARTICLEQA_EMBEDDING_DIMENSIONS: _dimensions, ...local } = env;
  return local;
}

/** The percentile `p` (0-100) of `values`. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

describe('the built bot under two bursts of /ask from many servers', { timeout: 180_000 }, () => {
  it('acknowledges every interaction within 3 s, answers each or says it is busy, and keeps LLM calls bounded', async () => {
    const guilds = Array.from({ length: GUILDS }, (_, index) => ({
      id: String(1_250_000_000_000_000_000n + BigInt(index)),
      channels: [{ id: String(1_260_000_000_000_000_000n + BigInt(index)) }],
    }));
    discord = await startDiscordSimulator({ token, applicationId, botUser, guilds });
    let llmInFlight = 0;
    let llmMaxInFlight = 0;
    openai = await startOpenAISimulator({
      apiKey,
      chatHandler: async () => {
        llmInFlight += 1;
        llmMaxInFlight = Math.max(llmMaxInFlight, llmInFlight);
        await sleep(LLM_MS);
        llmInFlight -= 1;
        return { content: 'The ministry will set up network security offices [1].' };
      },
    });
    workDir = await mkdtemp(join(tmpdir(), 'articleqa-bot-load-'));
    const env = loadCoreEnv({ workDir, openaiBaseURL: openai.baseURL, apiKey });
    await buildIndex(env);
    const port = await freePort();
    bot = await startBuiltMain(workDir, {
      ...env,
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: applicationId,
      DISCORD_API_URL: discord.apiUrl,
      ARTICLEQA_METRICS_PORT: String(port),
      // Every asker is someone else, in a server of their own: only the process-wide bounds apply.
      ARTICLEQA_GLOBAL_QUEUE_SIZE: String(Math.round(GUILDS * 0.75)),
    });
    // One question first: the core's first one starts its models (the longest event-loop stall of a
    // cold bot, in the README), which on a busy CI machine could land on an acknowledgement.
    const warm = discord.sendInteraction({
      name: 'ask',
      options: { question: 'Who will set up network security offices?' },
      user: user(999_999),
      channelId: guilds[0]!.channels[0]!.id,
    });
    await until(
      () => String(discord?.interaction(warm.token)?.original?.content ?? '').includes('[1]'),
      30_000,
    );
    // The event-loop delay gauges cover the time since the last scrape: start the window here.
    await fetch(`http://127.0.0.1:${port}/metrics`);

    const sent: Array<{ id: string; token: string; at: number }> = [];
    const burst = (round: number) => {
      for (const [index, guild] of guilds.entries()) {
        const at = Date.now();
        const interaction = discord!.sendInteraction({
          name: 'ask',
          options: { question: 'Who will set up network security offices inside internet companies?' },
          user: user(1000 * round + index),
          channelId: guild.channels[0]!.id,
        });
        sent.push({ ...interaction, at });
      }
    };
    const started = Date.now();
    burst(1);
    await sleep(2000);
    burst(2);

    const outcome = (interactionToken: string) => {
      const interaction = discord!.interaction(interactionToken);
      const content = String(interaction?.original?.content ?? '');
      if (interaction?.callbackType === 4 && content === BUSY) return 'busy';
      if (interaction?.callbackType === 5 && content.includes('[1]')) return 'answered';
      if (content === APOLOGY) return 'apologised';
      return 'pending';
    };
    await until(() => sent.every((interaction) => outcome(interaction.token) !== 'pending'), 120_000);
    const seconds = (Date.now() - started) / 1000;

    const callbacks = new Map(
      discord.requests
        .filter((request) => request.method === 'POST' && request.path.startsWith('/interactions/'))
        .map((request) => [request.path.split('/')[2], request]),
    );
    const acks = sent.map(
      (interaction) => (callbacks.get(interaction.id)?.at ?? Number.POSITIVE_INFINITY) - interaction.at,
    );
    const outcomes = sent.map((interaction) => outcome(interaction.token));
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const gauge = (name: string) =>
      Number(
        /^(\S+) (\S+)$/m.exec(metrics.split('\n').find((line) => line.startsWith(`${name} `)) ?? '')?.[2],
      );
    const summary = {
      interactions: sent.length,
      answered: outcomes.filter((value) => value === 'answered').length,
      busy: outcomes.filter((value) => value === 'busy').length,
      apologised: outcomes.filter((value) => value === 'apologised').length,
      ackP50Ms: percentile(acks, 50),
      ackP99Ms: percentile(acks, 99),
      ackMaxMs: Math.max(...acks),
      eventLoopDelayP99Ms: Math.round(gauge('nodejs_eventloop_lag_p99_seconds') * 1000),
      eventLoopDelayMaxMs: Math.round(gauge('nodejs_eventloop_lag_max_seconds') * 1000),
      llmMaxInFlight,
      seconds,
    };
    console.log(`load check: ${JSON.stringify(summary)}`);
    const writeSummary = async (sigterm: Awaited<BotProcess['exited']> | null) => {
      if (SUMMARY_OUT) {
        await writeFile(
          SUMMARY_OUT,
          `${JSON.stringify({ guilds: GUILDS, embedder: EMBEDDER, ...summary, sigterm })}\n`,
        );
      }
    };
    // Written before the assertions too, so a failed check still reports what it measured.
    await writeSummary(null);

    expect(summary.apologised).toBe(0);
    expect(summary.answered + summary.busy).toBe(sent.length);
    expect(summary.answered).toBeGreaterThan(0);
    // Every acknowledgement inside Discord's window (the simulator refuses later ones, as Discord does).
    expect(summary.ackMaxMs).toBeLessThan(3000);
    expect(llmMaxInFlight).toBeLessThanOrEqual(16);
    expect(bot.output()).not.toContain('"level":50');

    bot.child.kill('SIGTERM');
    const exited = await bot.exited;
    await writeSummary(exited);
    expect(exited).toEqual({ code: 0, signal: null });
  });
});
