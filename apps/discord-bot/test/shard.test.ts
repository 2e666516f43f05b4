import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModels, openArticleQA, resolveConfig } from '@articleqa/core';
import {
  type DiscordSimulator,
  type OpenAISimulator,
  type SimulatedGuild,
  startDiscordSimulator,
  startOpenAISimulator,
} from '@articleqa/simulators';
import { createPostgresStore } from '@articleqa/store-postgres';
import { startTestServer, TEST_PASSWORD } from '@articleqa/store-postgres/testing';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BotProcess,
  buildIndex,
  childPids,
  coreEnv,
  isAlive,
  spawnBuilt,
  waitForExit,
} from './built-bot.js';
import { applicationId, body, botUser, channelId, guildId, postedTo, token, until, user } from './harness.js';
import { freePort } from './ports.js';

// Discord puts a guild on shard (guild_id >> 22) % shard_count: with two shards `guildId` lives on shard 1
// and this guild on shard 0, so each shard has one guild to answer in.
const shardZeroGuildId = '1200000000004194305';
const shardZeroChannelId = '1200000000004194306';
const guilds: SimulatedGuild[] = [
  { id: guildId, name: 'Readers', channels: [{ id: channelId, name: 'ask-the-articles' }] },
  { id: shardZeroGuildId, name: 'More readers', channels: [{ id: shardZeroChannelId, name: 'questions' }] },
];
const apiKey = 'sk-test-shard-0123456789';
const llmAnswer = 'The ministry will set up network security offices [1].';
const ACCEPTING = '"msg":"accepting questions"';
const STOPPED = '"msg":"stopped"';
// Generous: each shard loads the core and the index on a 2-core machine, and discord.js waits 5.5 s
// between shard spawns (Discord's identify rate limit).
const START_TIMEOUT_MS = 45_000;
const STOP_TIMEOUT_MS = 20_000;

let openai: OpenAISimulator;
let workDir: string;
let env: Record<string, string>;
let discord: DiscordSimulator | undefined;
let manager: BotProcess | undefined;
let shardPids: number[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'articleqa-bot-shard-'));
  openai = await startOpenAISimulator({ apiKey, chatHandler: () => ({ content: llmAnswer }) });
  env = coreEnv({ workDir, openaiBaseURL: openai.baseURL, apiKey });
  await buildIndex(env);
});

afterEach(async (context) => {
  // The manager's and shards' output explains most failures.
  if (context.task.result?.state === 'fail') console.error(manager?.output());
  // A failed test must not leave a manager or shards behind for the next one.
  for (const pid of [...shardPids, manager?.child.pid ?? 0])
    if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
  await manager?.exited;
  manager = undefined;
  shardPids = [];
  await discord?.close();
  discord = undefined;
});

afterAll(async () => {
  await openai?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Starts `node dist/shard.js` against a fresh simulator recommending `recommendedShards`. */
async function startManager(options: {
  recommendedShards: number;
  shardCount?: string;
  detached?: boolean;
  env?: Record<string, string>;
}): Promise<{ discord: DiscordSimulator; manager: BotProcess }> {
  discord = await startDiscordSimulator({
    token,
    applicationId,
    botUser,
    guilds,
    shards: options.recommendedShards,
  });
  manager = spawnBuilt('dist/shard.js', {
    cwd: workDir,
    detached: options.detached ?? false,
    env: {
      ...env,
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: applicationId,
      DISCORD_API_URL: discord.apiUrl,
      ARTICLEQA_ALLOWED_CHANNELS: `${channelId},${shardZeroChannelId}`,
      ...(options.shardCount ? { DISCORD_SHARD_COUNT: options.shardCount } : {}),
      ...options.env,
    },
  });
  return { discord, manager };
}

/** Waits until every shard accepts questions, then records the shard processes' ids. */
async function shardsReady(process: BotProcess, count: number): Promise<number[]> {
  await process.waitForOutput(ACCEPTING, { count, timeoutMs: START_TIMEOUT_MS });
  shardPids = childPids(process.child.pid as number);
  expect(shardPids).toHaveLength(count);
  return shardPids;
}

/** A user mentions the bot in `channel`; resolves with the reply the bot posted. */
async function askIn(simulator: DiscordSimulator, channel: string) {
  const since = simulator.requests.length;
  simulator.sendMessage({
    channelId: channel,
    content: `<@${botUser.id}> Who will set up network security offices?`,
    author: user(1),
    mentions: [botUser],
  });
  return simulator.waitForRequest(postedTo(channel), { since, timeoutMs: 20_000 });
}

describe('node dist/shard.js (ShardingManager)', { timeout: 120_000 }, () => {
  it('runs one shard that identifies, answers a mention, and stops with the manager on SIGTERM', async () => {
    const { discord, manager } = await startManager({ recommendedShards: 1, shardCount: '1' });
    const [pid] = await shardsReady(manager, 1);
    expect(discord.identifies.map((identify) => identify.shard)).toEqual([[0, 1]]);

    const reply = await askIn(discord, channelId);
    expect(body(reply).content).toContain(llmAnswer);
    expect(body(reply).allowed_mentions).toEqual({ parse: [], replied_user: false });

    manager.child.kill('SIGTERM');
    expect(await withDeadline(manager.exited, STOP_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
    await waitForExit([pid as number], 1000);
    // The shard drained and closed as `main` does alone, once: the manager's signal was its only one.
    expect(count(manager.output(), STOPPED)).toBe(1);
    expect(manager.output()).not.toContain('second signal');
    expect(discord.gatewayConnections).toBe(0);
    expect(manager.output()).not.toContain(token);
    expect(manager.output()).not.toContain(apiKey);
  });

  it('runs the shard count GET /gateway/bot recommends (two): both identify, each answers its guild, SIGTERM stops both', async () => {
    const { discord, manager } = await startManager({ recommendedShards: 2 });
    const pids = await shardsReady(manager, 2);
    expect(discord.identifies.map((identify) => identify.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    // The recommendation came from the simulator, not from discord.com.
    expect(discord.requests.some((request) => request.path === '/gateway/bot')).toBe(true);

    for (const channel of [shardZeroChannelId, channelId]) {
      const reply = await askIn(discord, channel);
      expect(body(reply).content).toContain(llmAnswer);
      expect(body(reply).allowed_mentions).toEqual({ parse: [], replied_user: false });
    }

    manager.child.kill('SIGTERM');
    expect(await withDeadline(manager.exited, STOP_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
    await waitForExit(pids, 1000);
    expect(count(manager.output(), STOPPED)).toBe(2);
    expect(discord.gatewayConnections).toBe(0);
  });

  it('drains each shard once when Ctrl-C sends SIGINT to the whole process group', async () => {
    // A terminal signals the manager and its shards together; the manager passes the signal on as well,
    // and that second copy must not count as "a second signal: exit now".
    const { discord, manager } = await startManager({
      recommendedShards: 1,
      shardCount: '1',
      detached: true,
    });
    const [pid] = await shardsReady(manager, 1);
    process.kill(-(manager.child.pid as number), 'SIGINT');
    expect(await withDeadline(manager.exited, STOP_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
    await waitForExit([pid as number], 1000);
    expect(count(manager.output(), STOPPED)).toBe(1);
    expect(manager.output()).not.toContain('second signal');
    expect(discord.gatewayConnections).toBe(0);
  });

  it('leaves no orphan shards when the manager is killed outright', async () => {
    const { discord, manager } = await startManager({ recommendedShards: 1, shardCount: '1' });
    const [pid] = await shardsReady(manager, 1);
    const killed = new Promise((resolve) => manager.child.once('exit', resolve));
    manager.child.kill('SIGKILL');
    await killed;
    // The shard notices its manager is gone (the IPC channel closes) and shuts down by itself.
    await waitForExit([pid as number], STOP_TIMEOUT_MS);
    expect(discord.gatewayConnections).toBe(0);
  });

  it('runs two shard processes on one Postgres (PGlite) collection: an article added through one shard answers in the other, and each serves its metrics', async () => {
    const server = await startTestServer();
    // A page on loopback for `/articles add`.
    const site = createServer((_request, response) =>
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          '<!doctype html><html><head><title>Cassini reaches Saturn</title></head><body><article><h1>Cassini reaches Saturn</h1><p>The Cassini spacecraft entered orbit around Saturn on 1 July 2004, after a journey of seven years.</p></article></body></html>',
        ),
    );
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const pageUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/cassini.html`;
    try {
      const storeEnv = { ...env, ARTICLEQA_STORE: server.connectionString };
      // The collection exists, empty, before the shards start (a bot never creates one).
      const setup = await openArticleQA({
        store: createPostgresStore({ connectionString: server.connectionString }),
        create: true,
        ...createModels(resolveConfig(storeEnv)),
      });
      await setup.close();
      const port = await freePort();
      const { discord, manager } = await startManager({
        recommendedShards: 2,
        env: {
          ARTICLEQA_STORE: server.connectionString,
          // One collection every server asks, whichever shard serves it.
          ARTICLEQA_COLLECTIONS: 'shared',
          ARTICLEQA_ADMIN_GUILDS: `${guildId},${shardZeroGuildId}`,
          ARTICLEQA_ALLOW_PRIVATE_URLS: 'on',
          ARTICLEQA_METRICS_PORT: String(port),
        },
      });
      await shardsReady(manager, 2);

      // Added through shard 0 (its guild)...
      const added = discord.sendInteraction({
        name: 'articles',
        subcommand: 'add',
        options: { url: pageUrl },
        user: user(1),
        channelId: shardZeroChannelId,
        memberPermissions: String(PermissionFlagsBits.ManageGuild),
      });
      await until(
        () => typeof discord.interaction(added.token)?.original?.edited_timestamp === 'string',
        30_000,
      );
      expect(discord.interaction(added.token)?.original?.content).toContain('1 added');
      // ...answered by shard 1 (the other guild), from the shared collection.
      const reply = await askIn(discord, channelId);
      expect(body(reply).embeds?.[0]?.description).toContain('Cassini reaches Saturn');

      // Shard N serves /metrics on port + N.
      for (const offset of [0, 1]) {
        const health = await fetch(`http://127.0.0.1:${port + offset}/healthz`);
        expect(await health.json()).toMatchObject({ status: 'ok', guilds: 1 });
      }
      manager.child.kill('SIGTERM');
      expect(await withDeadline(manager.exited, STOP_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
      expect(manager.output()).not.toContain(TEST_PASSWORD);
    } finally {
      await new Promise((resolve) => site.close(resolve));
      await server.stop();
    }
  });

  it("runs only this host's shards with DISCORD_SHARD_IDS", async () => {
    const { discord, manager } = await startManager({
      recommendedShards: 2,
      shardCount: '2',
      env: { DISCORD_SHARD_IDS: '1' },
    });
    await shardsReady(manager, 1);
    expect(manager.output()).toContain('starting 1 shard (ids 1 of 2)');
    expect(discord.identifies.map((identify) => identify.shard)).toEqual([[1, 2]]);
    // Shard 1 has `guildId`; the other guild is another host's.
    const reply = await askIn(discord, channelId);
    expect(body(reply).content).toContain(llmAnswer);
    manager.child.kill('SIGTERM');
    expect(await withDeadline(manager.exited, STOP_TIMEOUT_MS)).toEqual({ code: 0, signal: null });
  });

  it('exits 1 without respawning when a shard cannot start', async () => {
    const { manager } = await startManager({
      recommendedShards: 1,
      shardCount: '1',
      // The one shared collection is missing (per-guild collections would start without it).
      env: { ARTICLEQA_COLLECTIONS: 'shared', ARTICLEQA_INDEX: join(workDir, 'no-such-index') },
    });
    const result = await withDeadline(manager.exited, START_TIMEOUT_MS);
    expect(result).toEqual({ code: 1, signal: null });
    expect(count(manager.output(), 'Could not open the article index')).toBe(1);
  });
});

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** Rejects when `promise` takes longer than `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
