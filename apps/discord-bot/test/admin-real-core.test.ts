import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFeedFile } from '@articleqa/core';
import {
  type DiscordSimulator,
  type OpenAISimulator,
  startDiscordSimulator,
  startOpenAISimulator,
} from '@articleqa/simulators';
import { startTestServer } from '@articleqa/store-postgres/testing';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  articlePath,
  articleTitle,
  type BotProcess,
  buildIndex,
  coreEnv,
  discordEnv,
  startBuiltMain,
  startGuildDiscord,
  stopBuilt,
} from './built-bot.js';
import { applicationId, botUser, channelId, guildId, token, until, user } from './harness.js';

const apiKey = 'sk-test-articleqa-admin-0123';
const page = (title: string, text: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><article><h1>${title}</h1><p>${text}</p></article></body></html>`;

let discord: DiscordSimulator;
let openai: OpenAISimulator;
let site: Server;
let siteUrl: string;
let workDir: string;
let bot: BotProcess;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'articleqa-bot-admin-'));
  discord = await startGuildDiscord();
  openai = await startOpenAISimulator({ apiKey, chatHandler: () => ({ status: 500 }) });
  // A small website on loopback: two article pages and an RSS feed linking to the second.
  site = createServer((request, response) => {
    const pages: Record<string, [string, string]> = {
      '/cassini.html': [
        'text/html',
        page(
          'Cassini reaches Saturn',
          'The Cassini spacecraft entered orbit around Saturn on 1 July 2004 after a seven-year journey.',
        ),
      ],
      '/voyager.html': [
        'text/html',
        page(
          'Voyager leaves the heliosphere',
          'Voyager 1 crossed the heliopause in August 2012, the first probe to reach interstellar space.',
        ),
      ],
      '/feed.xml': [
        'application/rss+xml',
        `<?xml version="1.0"?><rss version="2.0"><channel><title>Space news</title><link>${siteUrl}/</link><description>News</description><item><title>Voyager leaves the heliosphere</title><link>${siteUrl}/voyager.html</link></item></channel></rss>`,
      ],
    };
    const found = pages[request.url ?? ''];
    response
      .writeHead(found ? 200 : 404, { 'content-type': found?.[0] ?? 'text/plain' })
      .end(found?.[1] ?? 'not found');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const env = coreEnv({ workDir, openaiBaseURL: openai.baseURL, apiKey });
  await buildIndex(env);
  bot = await startBuiltMain(workDir, {
    ...env,
    ...discordEnv(discord),
    // One collection for every server, changed from the servers the operator lists.
    ARTICLEQA_COLLECTIONS: 'shared',
    ARTICLEQA_ADMIN_GUILDS: guildId,
    // The test's website is on loopback, which the bot otherwise refuses to fetch for Discord users.
    ARTICLEQA_ALLOW_PRIVATE_URLS: 'on',
  });
}, 60_000);

afterAll(async () => {
  await stopBuilt(bot);
  await discord?.close();
  await openai?.close();
  await new Promise((resolve) => site?.close(resolve));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Runs an admin subcommand as a member with Manage Server; resolves with the bot's final (edited) reply. */
async function admin(name: string, subcommand: string, options: Record<string, string>): Promise<string> {
  const { token } = discord.sendInteraction({
    name,
    subcommand,
    options,
    user: user(1),
    channelId,
    memberPermissions: String(PermissionFlagsBits.ManageGuild),
  });
  await until(() => {
    const interaction = discord.interaction(token);
    return interaction?.callbackType === 4 || typeof interaction?.original?.edited_timestamp === 'string';
  }, 30_000);
  return String(discord.interaction(token)?.original?.content);
}

// Longer than any wait inside, so a failing wait reports and the bot is still stopped in `finally`.
describe('the built bot managed from Discord, with the real core', { timeout: 90_000 }, () => {
  it('adds a page, follows a feed and adds its entry, lists and removes articles', async () => {
    const added = await admin('articles', 'add', { url: `${siteUrl}/cassini.html` });
    expect(added).toContain('1 added');
    expect(added).toContain('Cassini reaches Saturn');

    const followed = await admin('feeds', 'add', { url: `${siteUrl}/feed.xml` });
    expect(followed).toMatch(/^Following <http:\/\/127\.0\.0\.1:\d+\/feed\.xml> \(1 entries\)/);
    expect(followed).toContain('Voyager leaves the heliosphere');
    expect(await admin('feeds', 'list', {})).toContain(`${siteUrl}/feed.xml`);

    const { token } = discord.sendInteraction({
      name: 'articles',
      subcommand: 'list',
      user: user(1),
      channelId,
      memberPermissions: String(PermissionFlagsBits.ManageGuild),
    });
    await until(() => discord.interaction(token)?.callbackType === 4, 10_000);
    const listed = JSON.stringify(discord.interaction(token)?.original?.embeds);
    expect(listed).toContain('Cassini reaches Saturn');
    expect(listed).toContain('Voyager leaves the heliosphere');

    const removed = await admin('articles', 'remove', { article: `${siteUrl}/cassini.html` });
    expect(removed).toMatch(/^Removed \*\*Cassini reaches Saturn\*\*/);
    expect(await admin('feeds', 'remove', { url: `${siteUrl}/feed.xml` })).toMatch(/^Stopped following/);
    expect(bot.output()).not.toContain(apiKey);
  });
});

describe('per-guild collections (the default), with the real core', {
  timeout: 90_000,
}, () => {
  const otherGuild = { id: '1270000000000000001', channels: [{ id: '1270000000000000002' }] };

  /** A per-guild bot with two servers; `ask` asks in a channel and resolves with the finished reply. */
  async function startGuildBot(
    extraEnv: Record<string, string> = {},
    options: { sharedIndex?: boolean } = {},
  ) {
    const simulator = await startDiscordSimulator({
      token,
      applicationId,
      botUser,
      guilds: [{ id: guildId, channels: [{ id: channelId }] }, otherGuild],
    });
    const dir = await mkdtemp(join(tmpdir(), 'articleqa-bot-guilds-'));
    const env = coreEnv({ workDir: dir, openaiBaseURL: openai.baseURL, apiKey });
    // The operator's collection (the seed article), built as `articleqa ingest` does.
    if (options.sharedIndex) await buildIndex(env);
    const guildBot = await startBuiltMain(dir, {
      ...env,
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: applicationId,
      DISCORD_API_URL: simulator.apiUrl,
      ARTICLEQA_ALLOW_PRIVATE_URLS: 'on',
      ...extraEnv,
    });
    let asker = 100;
    const ask = async (channel: string, question: string) => {
      asker += 1;
      const { token: asked } = simulator.sendInteraction({
        name: 'ask',
        options: { question },
        user: user(asker),
        channelId: channel,
      });
      await until(() => typeof simulator.interaction(asked)?.original?.edited_timestamp === 'string', 30_000);
      return simulator.interaction(asked)?.original;
    };
    const close = async () => {
      await stopBuilt(guildBot);
      await simulator.close();
      await rm(dir, { recursive: true, force: true });
    };
    /** Runs an admin subcommand in `channel` as a member with Manage Server; resolves with the finished reply. */
    const manage = async (channel: string, subcommand: string, options: Record<string, string>) => {
      const { token: sent } = simulator.sendInteraction({
        name: 'articles',
        subcommand,
        options,
        user: user(1),
        channelId: channel,
        memberPermissions: String(PermissionFlagsBits.ManageGuild),
      });
      await until(() => {
        const interaction = simulator.interaction(sent);
        return interaction?.callbackType === 4 || typeof interaction?.original?.edited_timestamp === 'string';
      }, 30_000);
      return simulator.interaction(sent)?.original;
    };
    return { simulator, dir, bot: guildBot, ask, manage, close };
  }

  it("reads the operator's collection in every server beside the server's own, and lets no server change it", async () => {
    const { bot: guildBot, ask, manage, close } = await startGuildBot({}, { sharedIndex: true });
    const otherChannel = otherGuild.channels[0]!.id;
    try {
      await guildBot.waitForOutput("each server asks its own articles and the operator's shared collection");
      // Both servers answer from the shared seed article.
      const shared = 'Who will set up network security offices in internet companies?';
      for (const channel of [channelId, otherChannel])
        expect(JSON.stringify((await ask(channel, shared))?.embeds)).toContain(articleTitle);

      expect((await manage(channelId, 'add', { url: `${siteUrl}/cassini.html` }))?.content).toContain(
        '1 added',
      );
      const own = 'When did Cassini enter orbit around Saturn?';
      expect(JSON.stringify((await ask(channelId, own))?.embeds)).toContain('Cassini reaches Saturn');
      expect(JSON.stringify(await ask(otherChannel, own))).not.toContain('Cassini');

      const embeds = (await manage(channelId, 'list', {}))?.embeds as Array<{ description: string }>;
      const lines = String(embeds[0]?.description).split('\n');
      expect(lines.find((line) => line.includes('Cassini reaches Saturn'))).not.toContain('· shared');
      expect(lines.find((line) => line.includes(articleTitle))).toContain('· shared');

      const refused = await manage(channelId, 'remove', { article: articlePath });
      expect(refused?.content).toMatch(/is one of the articles every server shares/);
      expect(JSON.stringify((await ask(otherChannel, shared))?.embeds)).toContain(articleTitle);
      expect((await manage(channelId, 'remove', { article: `${siteUrl}/cassini.html` }))?.content).toMatch(
        /^Removed \*\*Cassini reaches Saturn\*\*/,
      );
    } finally {
      await close();
    }
  });

  for (const store of ['local', 'postgres'] as const) {
    it(`keeps each server's articles to itself, managed by its own admins (${store} store)`, async () => {
      const server = store === 'postgres' ? await startTestServer() : undefined;
      const { simulator, dir, ask, close } = await startGuildBot(
        server ? { ARTICLEQA_STORE: server.connectionString } : {},
      );
      try {
        // No ARTICLEQA_ADMIN_GUILDS: with its own collection, a server's admins manage it.
        const added = simulator.sendInteraction({
          name: 'articles',
          subcommand: 'add',
          options: { url: `${siteUrl}/cassini.html` },
          user: user(1),
          channelId,
          memberPermissions: String(PermissionFlagsBits.ManageGuild),
        });
        await until(
          () => typeof simulator.interaction(added.token)?.original?.edited_timestamp === 'string',
          30_000,
        );
        expect(simulator.interaction(added.token)?.original?.content).toContain('1 added');

        const question = 'When did Cassini enter orbit around Saturn?';
        expect(JSON.stringify((await ask(channelId, question))?.embeds)).toContain('Cassini reaches Saturn');
        // The other server asks its own, empty collection: no answer from the first server's article.
        expect(JSON.stringify(await ask(otherGuild.channels[0]!.id, question))).not.toContain('Cassini');
        const listed = simulator.sendInteraction({
          name: 'sources',
          user: user(3),
          channelId: otherGuild.channels[0]!.id,
        });
        await until(() => simulator.interaction(listed.token)?.callbackType === 4, 10_000);
        expect(JSON.stringify(simulator.interaction(listed.token)?.original?.embeds)).toContain(
          'No articles are indexed yet. Members with Manage Server add them with `/articles add url:`',
        );
        if (!server) {
          const guildsDir = await readdir(join(dir, 'index', 'guilds'));
          expect(guildsDir.sort()).toEqual([guildId, otherGuild.id].sort());
        }
      } finally {
        await close();
        await server?.stop();
      }
    });
  }

  it("polls the feeds a server's collection follows and adds their entries", async () => {
    const { dir, bot: guildBot, ask, close } = await startGuildBot({ ARTICLEQA_FEED_POLL_SECONDS: '1' });
    try {
      const question = 'When did Voyager 1 cross the heliopause?';
      // The first question opens (and creates) the server's collection: nothing in it yet.
      expect(JSON.stringify(await ask(channelId, question))).not.toContain('Voyager leaves');
      // Followed from outside, as `articleqa feeds add` with ARTICLEQA_INDEX=<index>/guilds/<id> does.
      await createFeedFile(join(dir, 'index', 'guilds', guildId, 'feeds.json')).add(`${siteUrl}/feed.xml`);
      await guildBot.waitForOutput('"msg":"followed feed polled"', { timeoutMs: 20_000 });
      expect(JSON.stringify((await ask(channelId, question))?.embeds)).toContain(
        'Voyager leaves the heliosphere',
      );
    } finally {
      await close();
    }
  });
});
