import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModels, openArticleQA, resolveConfig } from '@articleqa/core';
import {
  type DiscordSimulator,
  type OpenAISimulator,
  startDiscordSimulator,
  startOpenAISimulator,
} from '@articleqa/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FALLBACK_NOTE } from '../src/format/notices.js';
import { applicationId, body, botUser, channelId, guildId, postedTo, token, user } from './harness.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const article = fileURLToPath(
  new URL('../../../corpus/2015-08-05-china-police-internet-companies.md', import.meta.url),
);
const apiKey = 'sk-test-articleqa-0123456789';

let discord: DiscordSimulator;
let openai: OpenAISimulator;
let workDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'articleqa-bot-core-'));
  discord = await startDiscordSimulator({
    token,
    applicationId,
    botUser,
    guilds: [{ id: guildId, channels: [{ id: channelId }] }],
  });
  // The LLM endpoint fails every chat call: answers must fall back to the offline extractive answerer.
  // Embeddings come from the same simulator (deterministic), so the test needs no model build.
  openai = await startOpenAISimulator({
    apiKey,
    chatHandler: () => ({
      status: 500,
      body: { error: { message: 'upstream exploded', type: 'server_error' } },
    }),
  });
  env = {
    PATH: process.env.PATH ?? '',
    HOME: workDir,
    OPENAI_BASE_URL: openai.baseURL,
    OPENAI_API_KEY: apiKey,
    ARTICLEQA_EMBEDDER: 'openai:sim-embed',
    ARTICLEQA_EMBEDDING_DIMENSIONS: '256',
    ARTICLEQA_CHAT_MODEL: 'sim-chat',
    ARTICLEQA_LLM_RETRIES: '0',
    ARTICLEQA_CACHE_DIR: join(workDir, 'cache'),
    ARTICLEQA_INDEX: join(workDir, 'index'),
  };
  // The index is built with the core's public API, as `articleqa ingest` would.
  const qa = await openArticleQA({
    dir: env.ARTICLEQA_INDEX as string,
    create: true,
    ...createModels(resolveConfig(env)),
  });
  await qa.ingest([article]);
  await qa.close();
});

afterAll(async () => {
  await discord?.close();
  await openai?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Starts `node dist/main.js` and resolves once it logs that it accepts questions. */
function startMain(): Promise<{
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}> {
  const child = spawn(process.execPath, [join(appDir, 'dist/main.js')], {
    cwd: workDir,
    env: {
      ...env,
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: applicationId,
      DISCORD_API_URL: discord.apiUrl,
      ARTICLEQA_ALLOWED_CHANNELS: channelId,
    },
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`main did not start:\n${output}`)), 20_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"accepting questions"')) {
        clearTimeout(timer);
        resolve({ child, output: () => output, exited });
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exited.then((code) => reject(new Error(`main exited with ${code}:\n${output}`)));
  });
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
    expect(await main.exited).toBe(0);
    const output = main.output();
    expect(output).toContain('"msg":"stopped"');
    expect(output).toContain('"fallbackReason"');
    expect(output).not.toContain(token);
    expect(output).not.toContain(apiKey);
    expect(discord.gatewayConnections).toBe(0);
  });
});
