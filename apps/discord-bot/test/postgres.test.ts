import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModels, openArticleQA, resolveConfig } from '@articleqa/core';
import { type DiscordSimulator, type OpenAISimulator, startOpenAISimulator } from '@articleqa/simulators';
import { createPostgresStore } from '@articleqa/store-postgres';
import { startTestServer, TEST_PASSWORD, type TestServer } from '@articleqa/store-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articlePath, coreEnv, discordEnv, spawnBuilt, startGuildDiscord } from './built-bot.js';
import { body, botUser, channelId, postedTo, user } from './harness.js';

const apiKey = 'sk-test-articleqa-0123456789';

let discord: DiscordSimulator;
let openai: OpenAISimulator;
let server: TestServer;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'articleqa-bot-pg-'));
  server = await startTestServer();
  discord = await startGuildDiscord();
  // Deterministic embeddings from the simulator; every chat call fails, so answers are the offline ones.
  openai = await startOpenAISimulator({
    apiKey,
    chatHandler: () => ({ status: 500, body: { error: { message: 'down', type: 'server_error' } } }),
  });
});

afterAll(async () => {
  await discord?.close();
  await openai?.close();
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the built bot on a Postgres collection (ARTICLEQA_STORE)', () => {
  it('answers from an article another process ingested after it started, and never logs the password', async () => {
    const env = {
      ...coreEnv({ workDir, openaiBaseURL: openai.baseURL, apiKey }),
      ARTICLEQA_STORE: server.connectionString,
    };
    // The collection exists but is empty when the bot starts.
    const models = createModels(resolveConfig(env));
    const writer = await openArticleQA({
      store: createPostgresStore({ connectionString: server.connectionString }),
      create: true,
      ...models,
    });
    const main = spawnBuilt('dist/main.js', {
      cwd: workDir,
      env: {
        ...env,
        ...discordEnv(discord),
      },
    });
    try {
      await main.waitForOutput('"msg":"accepting questions"', { timeoutMs: 20_000 });
      // Another host (here: this test process) ingests into the same Postgres.
      const summary = await writer.ingest([articlePath]);
      expect(summary.added).toBe(1);
      discord.sendMessage({
        channelId,
        content: `<@${botUser.id}> Who will set up network security offices inside internet companies?`,
        author: user(1),
        mentions: [botUser],
      });
      const reply = await discord.waitForRequest(postedTo(channelId), 15_000);
      expect(body(reply).embeds?.[0]?.description).toContain(
        'China wants police installed in every internet company',
      );
      main.child.kill('SIGTERM');
      expect(await main.exited).toEqual({ code: 0, signal: null });
      expect(main.output()).not.toContain(TEST_PASSWORD);
    } finally {
      if (main.child.exitCode === null) main.child.kill('SIGKILL');
      await writer.close();
    }
  });
});
