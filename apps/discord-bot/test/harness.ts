import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DiscordSimulator,
  type RecordedDiscordRequest,
  type SimulatedUser,
  startDiscordSimulator,
} from '@articleqa/simulators';
import { afterEach } from 'vitest';
import { type Bot, createBot } from '../src/bot.js';
import type { Collections } from '../src/collections/guild-collections.js';
import { type BotConfig, DefaultBotConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type {
  AskOptions,
  AskResult,
  ChatMessage,
  Citation,
  DocumentInfo,
  FeedService,
  FeedSubscription,
  IngestSummary,
  ProbedSource,
  QAService,
  RemoveSummary,
} from '../src/qa-service.js';

export const token = 'MTEwMDAwMDAwMDAwMDAwMDAx.simulated.bot-token-value';
export const applicationId = '1100000000000000009';
export const botUser: SimulatedUser = { id: '1100000000000000001', username: 'articleqa', bot: true };
export const guildId = '1200000000000000001';
/** The channel the bot answers in. */
export const channelId = '1200000000000000002';
/** A channel outside ARTICLEQA_ALLOWED_CHANNELS. */
export const otherChannelId = '1200000000000000003';

/** A human user of the test guild. */
export function user(index: number): SimulatedUser {
  return { id: String(1300000000000000000n + BigInt(index)), username: `user${index}` };
}

/** A complete AskResult as the core returns it, with an answer citing one article. */
export function askResult(overrides: Partial<AskResult> = {}): AskResult {
  const citations: Citation[] = [
    {
      n: 1,
      documentId: 'doc-1',
      title: 'Cassini reaches Saturn',
      url: 'https://example.com/cassini',
      quote: 'Cassini entered orbit around Saturn on 1 July 2004.',
      start: 10,
      end: 61,
    },
  ];
  return {
    question: 'When did Cassini reach Saturn?',
    standaloneQuestion: 'When did Cassini reach Saturn?',
    answer: 'Cassini entered orbit around Saturn on 1 July 2004 [1].',
    abstained: false,
    citations,
    retrieved: [],
    answerer: 'llm',
    shortAnswer: '',
    timings: { retrieveMs: 1, rerankMs: 0, answerMs: 1, totalMs: 2 },
    ...overrides,
  };
}

/** One call the fake QA service received. */
export interface AskCall {
  question: string;
  history: readonly ChatMessage[];
  signal: AbortSignal | undefined;
}

/**
 * A QA service that records what it is asked (question, history) and how many asks run at once.
 * `respond` decides the answer; `hold()` makes every ask wait until `release()`.
 */
export class FakeQA implements QAService {
  readonly calls: AskCall[] = [];
  documents: DocumentInfo[] = [];
  respond: (question: string, options: AskOptions) => AskResult | Promise<AskResult> = () => askResult();
  inFlight = 0;
  maxInFlight = 0;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  hold(): void {
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  release(): void {
    this.#release?.();
    this.#held = undefined;
  }

  async ask(question: string, options: AskOptions = {}): Promise<AskResult> {
    this.calls.push({ question, history: options.history ?? [], signal: options.signal });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.#held) await this.#held;
      return await this.respond(question, options);
    } finally {
      this.inFlight -= 1;
    }
  }

  async listDocuments(): Promise<DocumentInfo[]> {
    return this.documents;
  }

  /** Inputs of every ingest, in order. */
  readonly ingested: string[][] = [];
  /** What an ingest returns; by default each input becomes one added document. */
  ingestResult: (inputs: readonly string[]) => IngestSummary | Promise<IngestSummary> = (inputs) => {
    const items = inputs.map((source, index) => ({
      source,
      status: 'added' as const,
      documentId: `doc-added-${this.documents.length + index}`,
      title: `Article from ${source}`,
      chunks: 3,
    }));
    this.documents.push(...items.map((item) => document(item.documentId, item.title, item.source)));
    return {
      added: items.length,
      updated: 0,
      unchanged: 0,
      duplicates: 0,
      removed: 0,
      failed: 0,
      chunksEmbedded: items.length * 3,
      chunks: this.documents.length * 3,
      documents: this.documents.length,
      skipped: [],
      items,
      seconds: 0.1,
    };
  };

  async ingest(inputs: readonly string[]): Promise<IngestSummary> {
    this.ingested.push([...inputs]);
    return this.ingestResult(inputs);
  }

  async remove(references: readonly string[]): Promise<RemoveSummary> {
    const summary: RemoveSummary = { removed: [], notFound: [], ambiguous: [] };
    for (const reference of references) {
      const index = this.documents.findIndex((candidate) => candidate.id === reference);
      const [removed] = index >= 0 ? this.documents.splice(index, 1) : [];
      if (removed)
        summary.removed.push({ documentId: removed.id, title: removed.title, source: removed.source });
      else summary.notFound.push(reference);
    }
    return summary;
  }
}

/** Followed feeds in memory; `probe` answers from `probes` (an unknown URL is an article page). */
export class FakeFeeds implements FeedService {
  readonly subscriptions: FeedSubscription[] = [];
  readonly probes = new Map<string, ProbedSource>();

  async list(): Promise<FeedSubscription[]> {
    return [...this.subscriptions];
  }

  async add(url: string): Promise<{ subscription: FeedSubscription; added: boolean }> {
    const existing = this.subscriptions.find((feed) => feed.url === url);
    if (existing) return { subscription: existing, added: false };
    const subscription: FeedSubscription = {
      url,
      addedAt: '2026-11-30T12:00:00.000Z',
      nextPollAt: '2026-11-30T12:00:00.000Z',
    };
    this.subscriptions.push(subscription);
    return { subscription, added: true };
  }

  async remove(url: string): Promise<boolean> {
    const index = this.subscriptions.findIndex((feed) => feed.url === url);
    if (index >= 0) this.subscriptions.splice(index, 1);
    return index >= 0;
  }

  async probe(url: string): Promise<ProbedSource> {
    return this.probes.get(url) ?? { source: url, entries: 0, isArticle: true };
  }
}

/** A listed document as the core describes it. */
export function document(id: string, title: string, source = `https://example.com/${id}`): DocumentInfo {
  return {
    id,
    title,
    source,
    url: source,
    chunks: 3,
    characters: 1200,
    contentHash: id,
    ingestedAt: '2026-11-30T12:00:00.000Z',
  };
}

/** A running simulator with the real bot logged in to it. */
export interface Harness {
  simulator: DiscordSimulator;
  bot: Bot;
  qa: FakeQA;
  feeds: FakeFeeds;
  config: BotConfig;
  /** Log lines as parsed JSON objects. */
  logs: Array<Record<string, unknown>>;
  /** A user mentions the bot in a channel. */
  mention(text: string, options?: { author?: SimulatedUser; channelId?: string }): Record<string, unknown>;
  /** Resolves with the first request matching, recorded after `since` (a `requests.length` taken earlier). */
  next(
    predicate: (request: RecordedDiscordRequest) => boolean,
    since?: number,
  ): Promise<RecordedDiscordRequest>;
  close(): Promise<void>;
}

/** The bot's settings for tests: cooldowns off unless a test sets them. */
export function testConfig(overrides: Partial<BotConfig> = {}): BotConfig {
  return {
    ...DefaultBotConfig,
    discordToken: token,
    applicationId,
    guildId: undefined,
    apiUrl: undefined,
    allowedChannels: new Set([channelId]),
    cooldownSeconds: 0,
    metricsPort: undefined,
    adminGuilds: new Set([guildId]),
    allowPrivateUrls: true,
    ...overrides,
  };
}

/** Starts the simulator and the real bot (discord.js Client) against it; resolves once the bot is ready. */
export async function startHarness(
  options: { config?: Partial<BotConfig>; qa?: FakeQA; collections?: Collections } = {},
): Promise<Harness> {
  const simulator = await startDiscordSimulator({
    token,
    applicationId,
    botUser,
    guilds: [
      {
        id: guildId,
        name: 'Readers',
        channels: [
          { id: channelId, name: 'ask-the-articles' },
          { id: otherChannelId, name: 'off-topic' },
        ],
      },
    ],
  });
  const qa = options.qa ?? new FakeQA();
  const dataDir = mkdtempSync(join(tmpdir(), 'articleqa-bot-data-'));
  const config = testConfig({ apiUrl: simulator.apiUrl, dataDir, ...options.config });
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    secrets: [token],
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const feeds = new FakeFeeds();
  const bot = createBot({
    collections: options.collections ?? { qa: () => qa, feeds: () => feeds },
    config,
    logger,
    clientOptions: { rest: { api: simulator.apiUrl }, waitGuildTimeout: 0 },
    // The production backoff waits seconds; tests keep its shape with milliseconds.
    deliveryRetry: { baseDelayMs: 20, maxDelayMs: 100 },
  });
  await bot.start();
  let closed = false;
  return {
    simulator,
    bot,
    qa,
    feeds,
    config,
    logs,
    mention: (text, mentionOptions = {}) =>
      simulator.sendMessage({
        channelId: mentionOptions.channelId ?? channelId,
        content: `<@${botUser.id}> ${text}`,
        author: mentionOptions.author ?? user(1),
        mentions: [botUser],
      }),
    next: (predicate, since = 0) => simulator.waitForRequest(predicate, { since, timeoutMs: 5000 }),
    async close() {
      if (closed) return;
      closed = true;
      await bot.stop({ timeoutMs: 1000 });
      await simulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Returns `start`, which starts a harness; every harness a test started is closed after it. */
export function harnessPerTest(): (options?: Parameters<typeof startHarness>[0]) => Promise<Harness> {
  const started: Harness[] = [];
  afterEach(async () => {
    for (const harness of started.splice(0)) await harness.close();
  });
  return async (options) => {
    const harness = await startHarness(options);
    started.push(harness);
    return harness;
  };
}

/** A POST of a new message to `channel` that Discord accepted. */
export const postedTo = (channel: string) => (request: RecordedDiscordRequest) =>
  request.method === 'POST' && request.path === `/channels/${channel}/messages` && request.status === 200;

/** The JSON body of a request, typed loosely for assertions. */
export function body(request: RecordedDiscordRequest): Record<string, unknown> & {
  content?: string;
  embeds?: Array<{ title?: string; description?: string }>;
  allowed_mentions?: { parse?: string[]; replied_user?: boolean };
  message_reference?: { message_id?: string };
  flags?: number;
} {
  return (request.body ?? {}) as ReturnType<typeof body>;
}

/** Waits until `condition` holds, polling; fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('until: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sockets, servers and timers open now: compared before and after a test to find leaks. */
export function openHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => /TCP|Timeout|Immediate|Pipe/.test(name)).length;
}
