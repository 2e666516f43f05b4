import { PermissionFlagsBits, REST } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { ADMIN_OFF, NEEDS_MANAGE_SERVER } from '../src/admin/admin-gate.js';
import { registerCommands } from '../src/commands/index.js';
import {
  applicationId,
  body,
  channelId,
  document,
  guildId,
  type Harness,
  harnessPerTest,
  token,
  until,
  user,
} from './harness.js';

const start = harnessPerTest();
const manager = String(PermissionFlagsBits.ManageGuild);

/** Runs `/<name> <subcommand>` as `member` and resolves with the interaction once the bot is done with it. */
async function run(
  h: Harness,
  name: string,
  subcommand: string,
  options: Record<string, string | number> = {},
  memberPermissions = manager,
) {
  const { id, token: interactionToken } = h.simulator.sendInteraction({
    name,
    subcommand,
    options,
    user: user(1),
    channelId,
    memberPermissions,
  });
  await h.simulator.waitForRequest((request) => request.path.startsWith(`/interactions/${id}/`));
  const interaction = () => h.simulator.interaction(interactionToken);
  // A deferred answer is done once its "thinking…" has been edited.
  await until(
    () => interaction()?.callbackType !== 5 || interaction()?.original?.edited_timestamp !== null,
    10_000,
  );
  return interaction();
}

/** Types `typed` into `option` of `/<name> <subcommand>` as a manager; resolves with the choices offered. */
async function complete(h: Harness, name: string, subcommand: string, option: string, typed: string) {
  const { token: interactionToken } = h.simulator.sendAutocomplete({
    name,
    subcommand,
    options: { [option]: typed },
    focused: option,
    user: user(1),
    channelId,
    memberPermissions: manager,
  });
  await until(() => h.simulator.interaction(interactionToken)?.choices !== undefined);
  return h.simulator.interaction(interactionToken)?.choices;
}

/** Holds every ingest until the returned function is called. */
function holdIngests(h: Harness): () => void {
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const ingest = h.qa.ingestResult;
  h.qa.ingestResult = async (inputs) => {
    await done;
    return ingest(inputs);
  };
  return finish;
}

/** A manager runs `/articles add url:https://example.com/cassini`. */
function addCassini(h: Harness) {
  return h.simulator.sendInteraction({
    name: 'articles',
    subcommand: 'add',
    options: { url: 'https://example.com/cassini' },
    user: user(1),
    channelId,
    memberPermissions: manager,
  });
}

describe('admin commands', () => {
  it('registers /articles and /feeds for Manage Server only, in servers only', async () => {
    const h = await start();
    const rest = new REST({ api: h.simulator.apiUrl }).setToken(token);
    await registerCommands(rest, { applicationId, guildId });
    const registered = h.simulator.requests.find((request) => request.method === 'PUT');
    const byName = new Map(
      (
        body(registered!) as unknown as Array<{
          name: string;
          default_member_permissions?: string;
          contexts?: number[];
        }>
      ).map((command) => [command.name, command]),
    );
    for (const name of ['articles', 'feeds']) {
      expect(byName.get(name)).toMatchObject({ default_member_permissions: manager, contexts: [0] });
    }
    expect(byName.get('ask')?.default_member_permissions).toBeUndefined();
  });

  it('refuses members without Manage Server and servers the operator has not allowed, ephemerally', async () => {
    const h = await start();
    const refused = await run(h, 'articles', 'add', { url: 'https://example.com/a' }, '0');
    expect(refused).toMatchObject({ callbackType: 4, ephemeral: true });
    expect(refused?.original?.content).toBe(NEEDS_MANAGE_SERVER);
    h.qa.documents.push(document('doc-1', 'Cassini reaches Saturn'));
    const list = await run(h, 'articles', 'list', {}, '0');
    expect(list?.original?.content).toBe(NEEDS_MANAGE_SERVER);
    expect(h.qa.ingested).toEqual([]);

    const other = await start({ config: { collections: 'shared', adminGuilds: undefined } });
    const off = await run(other, 'feeds', 'list');
    expect(off?.original?.content).toBe(ADMIN_OFF);
  });

  it('acknowledges /articles add at once, reports when the ingest is done, and refuses what is not a public http(s) URL', async () => {
    const h = await start();
    const finish = holdIngests(h);
    const { id, token: interactionToken } = addCassini(h);
    await h.simulator.waitForRequest((request) => request.path.startsWith(`/interactions/${id}/`));
    // Acknowledged (ephemeral "thinking…") while the ingest still runs.
    expect(h.simulator.interaction(interactionToken)).toMatchObject({ callbackType: 5, ephemeral: true });
    finish();
    await until(() => h.simulator.interaction(interactionToken)?.original?.edited_timestamp !== null);
    const report = String(h.simulator.interaction(interactionToken)?.original?.content);
    expect(report).toContain('**Done: <https://example.com/cassini>** — 1 added');
    expect(report).toContain('• Article from https://example.com/cassini');
    expect(h.qa.ingested).toEqual([['https://example.com/cassini']]);

    const notUrl = await run(h, 'articles', 'add', { url: '/etc/passwd' });
    expect(notUrl?.original?.content).toMatch(/is not an http\(s\) URL/);
    const strict = await start({ config: { allowPrivateUrls: false } });
    const metadata = await run(strict, 'articles', 'add', { url: 'http://169.254.169.254/latest/meta-data' });
    expect(metadata?.original?.content).toBe(
      '169.254.169.254 is a private or local address, which the bot does not fetch for Discord users.',
    );
    expect(strict.qa.ingested).toEqual([]);
  });

  it('lets an ingest in flight finish at shutdown and refuses admin commands meanwhile', async () => {
    const h = await start();
    const finish = holdIngests(h);
    const adding = addCassini(h);
    await until(() => h.simulator.interaction(adding.token)?.callbackType === 5);
    const stopped = h.bot.stop({ timeoutMs: 10_000 });
    const refused = await run(h, 'articles', 'remove', { article: 'doc-1' });
    expect(refused?.original?.content).toMatch(/restarting/);
    finish();
    await stopped;
    // The report was delivered before the bot disconnected.
    expect(h.simulator.interaction(adding.token)?.original?.content).toContain('1 added');
  });

  it('lists articles with dates, sources and ids, completes titles, and removes the one chosen', async () => {
    const h = await start();
    h.qa.documents.push(
      { ...document('doc-1', 'Cassini reaches Saturn'), publishedAt: '2004-07-01' },
      document('doc-2', 'The end of Cassini'),
      document('doc-3', 'Voyager leaves the heliosphere'),
    );
    const list = await run(h, 'articles', 'list');
    const embeds = (list?.original?.embeds ?? []) as Array<{ description: string }>;
    const description = String(embeds[0]?.description);
    expect(description).toContain('Cassini reaches Saturn](https://example.com/doc-1) · 2004-07-01');
    expect(description).toContain('`https://example.com/doc-2` · id `doc-2`');
    expect(description).toContain('The end of Cassini](https://example.com/doc-2) · added 2026-11-30');

    expect(await complete(h, 'articles', 'remove', 'article', 'cass')).toEqual([
      { name: 'Cassini reaches Saturn · 2004-07-01', value: 'doc-1' },
      { name: 'The end of Cassini · 2026-11-30', value: 'doc-2' },
    ]);
    const removed = await run(h, 'articles', 'remove', { article: 'doc-1' });
    expect(removed?.original?.content).toBe(
      'Removed **Cassini reaches Saturn** (<https://example.com/doc-1>). It is no longer used in answers.',
    );
    expect(h.qa.documents.map((entry) => entry.id)).toEqual(['doc-2', 'doc-3']);
    const missing = await run(h, 'articles', 'remove', { article: 'doc-1' });
    expect(missing?.original?.content).toMatch(/^No article matches `doc-1`/);
  });

  it('follows a feed and adds its entries, lists it, completes it and stops following it', async () => {
    const h = await start();
    const feed = 'https://example.com/feed.xml';
    h.feeds.probes.set(feed, { source: feed, entries: 2, isArticle: false });
    const added = await run(h, 'feeds', 'add', { url: feed });
    expect(added?.original?.content).toMatch(/^Following <https:\/\/example\.com\/feed\.xml> \(2 entries\)/);
    expect(h.qa.ingested).toEqual([[feed]]);
    const page = await run(h, 'feeds', 'add', { url: 'https://example.com/page' });
    expect(page?.original?.content).toMatch(/is an article, not a feed: add it with `\/articles add/);

    const list = await run(h, 'feeds', 'list');
    expect(list?.original?.content).toContain(`• <${feed}> — not checked yet`);
    expect(await complete(h, 'feeds', 'remove', 'url', 'feed')).toEqual([{ name: feed, value: feed }]);
    const removed = await run(h, 'feeds', 'remove', { url: feed });
    expect(removed?.original?.content).toMatch(/^Stopped following/);
    expect(h.feeds.subscriptions).toEqual([]);
  });
});
