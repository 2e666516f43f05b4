import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DiscordSimulator, type OpenAISimulator, startOpenAISimulator } from '@articleqa/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FALLBACK_NOTE } from '../src/format/notices.js';
import {
  type BotProcess,
  buildIndex,
  coreEnv,
  discordEnv,
  spawnBuilt,
  startGuildDiscord,
} from './built-bot.js';
import { body, botUser, channelId, postedTo, token, until, user } from './harness.js';
import { freePort } from './ports.js';

const apiKey = 'sk-test-articleqa-0123456789';

let discord: DiscordSimulator;
let openai: OpenAISimulator;
let workDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'articleqa-bot-core-'));
  discord = await startGuildDiscord();
  // The LLM endpoint fails every chat call: answers must fall back to the offline extractive answerer.
  // Embeddings come from the same simulator (deterministic), so the test needs no model build.
  openai = await startOpenAISimulator({
    apiKey,
    chatHandler: () => ({
      status: 500,
      body: { error: { message: 'upstream exploded', type: 'server_error' } },
    }),
  });
  env = coreEnv({ workDir, openaiBaseURL: openai.baseURL, apiKey });
  await buildIndex(env);
});

afterAll(async () => {
  await discord?.close();
  await openai?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Starts `node dist/main.js` and resolves once it logs that it accepts questions. */
async function startMain(extraEnv: Record<string, string> = {}): Promise<BotProcess> {
  const main = spawnBuilt('dist/main.js', {
    cwd: workDir,
    env: {
      ...env,
      ...extraEnv,
      ...discordEnv(discord),
    },
  });
  await main.waitForOutput('"msg":"accepting questions"', { timeoutMs: 20_000 });
  return main;
}

describe('the built bot with the real core', () => {
  it('answers from the index when the LLM fails, with a note and the sources, and shuts down cleanly on SIGTERM', async () => {
    const main = await startMain();
    discord.sendMessage({
      channelId,
      content: `<@${botUser.id}> Who will set up network security offices inside internet companies?`,
      author: user(1),
      mentions: [botUser],
    });
    const reply = await discord.waitForRequest(postedTo(channelId), 15_000);
    const content = body(reply).content ?? '';
    expect(content.endsWith(`-# ${FALLBACK_NOTE}`)).toBe(true);
    expect(content).toMatch(/\[1\]/);
    expect(body(reply).embeds?.[0]?.description).toContain(
      'China wants police installed in every internet company',
    );
    expect(body(reply).allowed_mentions).toEqual({ parse: [], replied_user: false });
    // The LLM was tried, and failed, before the fallback.
    expect(openai.requests.some((request) => request.path.endsWith('/chat/completions'))).toBe(true);

    const sources = discord.sendInteraction({ name: 'sources', user: user(1), channelId });
    const list = await discord.waitForRequest((request) =>
      request.path.startsWith(`/interactions/${sources.id}/`),
    );
    expect(JSON.stringify(body(list))).toContain('China wants police installed in every internet company');

    main.child.kill('SIGTERM');
    expect(await main.exited).toEqual({ code: 0, signal: null });
    const output = main.output();
    expect(output).toContain('"msg":"stopped"');
    expect(output).toContain('"fallbackReason"');
    expect(output).not.toContain(token);
    expect(output).not.toContain(apiKey);
    expect(discord.gatewayConnections).toBe(0);
  });

  it('a hanging LLM costs a user the answer deadline, then the offline answer arrives with the note', async () => {
    const main = await startMain({ ARTICLEQA_ANSWER_DEADLINE_SECONDS: '5', ARTICLEQA_LLM_RETRIES: '2' });
    openai.setChatHandler(() => ({ hang: true }));
    try {
      const since = discord.requests.length;
      const asked = Date.now();
      discord.sendMessage({
        channelId,
        content: `<@${botUser.id}> Who will set up network security offices?`,
        author: user(3),
        mentions: [botUser],
      });
      const reply = await discord.waitForRequest(postedTo(channelId), { timeoutMs: 20_000, since });
      const elapsed = Date.now() - asked;
      expect(elapsed).toBeGreaterThanOrEqual(4500);
      expect(elapsed).toBeLessThan(15_000);
      expect((body(reply).content ?? '').endsWith(`-# ${FALLBACK_NOTE}`)).toBe(true);
      expect(main.output()).toContain('did not answer within 5 s');
    } finally {
      main.child.kill('SIGTERM');
      await main.exited;
    }
  });

  it('takes a copy of the first signal as the same request, and a later second signal as "exit now"', async () => {
    const main = await startMain();
    const sinceChat = openai.requests.length;
    // The LLM never answers, so the drain would wait for ARTICLEQA_SHUTDOWN_TIMEOUT_SECONDS (10 s).
    openai.setChatHandler(() => ({ hang: true }));
    discord.sendMessage({
      channelId,
      content: `<@${botUser.id}> Who will set up network security offices?`,
      author: user(2),
      mentions: [botUser],
    });
    await until(
      () => openai.requests.slice(sinceChat).some((request) => request.path.endsWith('/chat/completions')),
      15_000,
    );
    // SIGINT and SIGTERM at once, as a shard gets them from a terminal's Ctrl-C and from its manager.
    main.child.kill('SIGINT');
    main.child.kill('SIGTERM');
    await main.waitForOutput('"msg":"shutting down"');
    // Past the window in which a repeated signal counts as a copy of the first (2 s in main).
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(main.child.exitCode).toBeNull();
    expect(main.output()).not.toContain('second signal');

    main.child.kill('SIGTERM');
    expect(await main.exited).toEqual({ code: 1, signal: null });
    expect(main.output().match(/second signal, exiting immediately/g)).toHaveLength(1);
    expect(main.output()).not.toContain('"msg":"stopped"');
  });

  it('serves /healthz and /metrics on ARTICLEQA_METRICS_PORT, warns when the LLM keeps failing and errs on a rejected key', async () => {
    openai.setChatHandler(() => ({ status: 500, body: { error: { message: 'upstream exploded' } } }));
    const port = await freePort();
    const main = await startMain({ ARTICLEQA_METRICS_PORT: String(port) });
    try {
      const ask = async (asker: number) => {
        const since = discord.requests.length;
        discord.sendMessage({
          channelId,
          content: `<@${botUser.id}> Who will set up network security offices?`,
          author: user(asker),
          mentions: [botUser],
        });
        await discord.waitForRequest(postedTo(channelId), { since, timeoutMs: 15_000 });
      };
      for (const asker of [11, 12, 13]) await ask(asker);
      await main.waitForOutput('the LLM keeps failing');
      openai.setChatHandler(() => ({ status: 401 }));
      await ask(14);
      await main.waitForOutput('the LLM provider rejected the API key');
      const lines = main
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(
        lines.filter((line) => line.msg.startsWith('the LLM keeps failing')).map((line) => line.level),
      ).toEqual([40]);
      expect(lines.find((line) => line.msg.startsWith('the LLM provider rejected'))?.level).toBe(50);

      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('articleqa_llm_errors_total{kind="server"} 3');
      expect(metrics).toContain('articleqa_llm_errors_total{kind="auth"} 1');
      expect(metrics).toContain('articleqa_llm_fallbacks_total 4');
      expect(metrics).toContain('articleqa_llm_calls_in_flight 0');
      expect(metrics).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
      expect(metrics).not.toContain(apiKey);
    } finally {
      main.child.kill('SIGTERM');
    }
    expect(await main.exited).toEqual({ code: 0, signal: null });
  });
});
