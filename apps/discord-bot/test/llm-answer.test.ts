import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChatRequest,
  type DiscordSimulator,
  type OpenAISimulator,
  type RecordedDiscordRequest,
  startOpenAISimulator,
} from '@articleqa/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FALLBACK_NOTE } from '../src/format/notices.js';
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
import { applicationId, body, botUser, channelId, postedTo, token, user } from './harness.js';

const apiKey = 'sk-test-secret';
const llmAnswer = 'The ministry will set up network security offices [1].';
const question = 'Who will set up network security offices inside internet companies?';
// The article without its front matter, whitespace collapsed: what a quoted span must come from.
const articleText = readFileSync(articlePath, 'utf8')
  .replace(/^---[\s\S]*?---/, '')
  .replace(/\s+/g, ' ');

let discord: DiscordSimulator;
let openai: OpenAISimulator;
let workDir: string;
let bot: BotProcess;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'articleqa-bot-llm-'));
  discord = await startGuildDiscord();
  openai = await startOpenAISimulator({ apiKey, chatHandler: () => ({ content: llmAnswer }) });
  const env = coreEnv({ workDir, openaiBaseURL: openai.baseURL, apiKey });
  await buildIndex(env);
  bot = await startBuiltMain(workDir, {
    ...env,
    ...discordEnv(discord),
    // Everything the bot can log, so a key leaking into any line would show.
    LOG_LEVEL: 'trace',
  });
}, 60_000);

afterAll(async () => {
  await stopBuilt(bot);
  await discord?.close();
  await openai?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Chat completion requests the OpenAI simulator received since `since`. */
function chatRequests(since: number): ChatRequest[] {
  return openai.requests
    .slice(since)
    .filter((request) => request.method === 'POST' && request.path === '/v1/chat/completions')
    .map((request) => request.body as ChatRequest);
}

/** Checks a delivered answer: the model's text with its citation, no fallback note, and the sources embed. */
function expectLLMAnswer(message: RecordedDiscordRequest): void {
  const content = body(message).content ?? '';
  expect(content).toContain(llmAnswer);
  expect(content).not.toContain(FALLBACK_NOTE);
  expect(body(message).allowed_mentions).toEqual({ parse: [], replied_user: false });

  const embed = body(message).embeds?.[0];
  expect(embed?.title).toBe('Sources');
  const [entry, quoteLine, ...rest] = (embed?.description ?? '').split('\n');
  // The title, then the article's date from its front matter (the seed article names no author).
  expect(entry).toBe(`**[1]** **${articleTitle}** · 2015-08-05`);
  expect(rest).toEqual([]);
  expect(quoteLine).toMatch(/^> \S/);
  // The quote is a span of the article: undo Markdown escaping and the shortening ellipsis.
  const quote = (quoteLine ?? '').slice(2).replace(/\\(.)/g, '$1').replace(/…$/, '').trim();
  expect(quote.length).toBeGreaterThan(20);
  expect(articleText).toContain(quote);
}

/** The answer prompt carries the retrieved article as numbered source [1], then the question. */
function expectNumberedSources(request: ChatRequest | undefined): void {
  expect(request?.model).toBe('sim-chat');
  // The bot posts whole answers: it asks without streaming.
  expect(request?.stream).not.toBe(true);
  const system = request?.messages.find((message) => message.role === 'system')?.content;
  expect(system).toEqual(expect.stringContaining('numbered sources'));
  const prompt = String(request?.messages.at(-1)?.content);
  expect(prompt).toContain(`<source n="1" title="${articleTitle}"`);
  expect(prompt).toContain('network security offices');
  expect(prompt).toContain(`Question: ${question}`);
  expect(prompt.indexOf('<source n="1"')).toBeLessThan(prompt.indexOf('Question:'));
}

describe('the built bot with the real core and a working LLM', () => {
  it('answers a mention with the LLM text, its citation and the quoted source', async () => {
    const sinceChat = openai.requests.length;
    const since = discord.requests.length;
    const sent = discord.sendMessage({
      channelId,
      content: `<@${botUser.id}> ${question}`,
      author: user(1),
      mentions: [botUser],
    });
    const reply = await discord.waitForRequest(postedTo(channelId), { since, timeoutMs: 20_000 });
    expectLLMAnswer(reply);
    expect(body(reply).message_reference?.message_id).toBe(sent.id);
    const [chat, ...more] = chatRequests(sinceChat);
    expect(more).toEqual([]);
    expectNumberedSources(chat);
    expect(openai.requests.at(-1)?.headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it('answers /ask by deferring, then editing the reply into the LLM answer with sources', async () => {
    const sinceChat = openai.requests.length;
    const since = discord.requests.length;
    const { id, token: interactionToken } = discord.sendInteraction({
      name: 'ask',
      options: { question },
      user: user(2),
      channelId,
    });
    const edit = await discord.waitForRequest(
      (request) =>
        request.method === 'PATCH' &&
        request.path === `/webhooks/${applicationId}/${interactionToken}/messages/@original`,
      { since, timeoutMs: 20_000 },
    );
    const callback = discord.requests.find(
      (request) => request.method === 'POST' && request.path.startsWith(`/interactions/${id}/`),
    );
    expect(callback).toMatchObject({ status: 204, body: { type: 5 } });
    expect(edit.status).toBe(200);
    expectLLMAnswer(edit);
    const [chat, ...more] = chatRequests(sinceChat);
    expect(more).toEqual([]);
    expectNumberedSources(chat);
  });

  it('never writes the API key or the token to its output, and stops cleanly', async () => {
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    const output = bot.output();
    // The answers were logged (so the log was written), from the LLM, not the fallback.
    expect(output.match(/"answerer":"llm"/g)).toHaveLength(2);
    expect(output).not.toContain('"fallbackReason"');
    expect(output).not.toContain(apiKey);
    expect(output).not.toContain(token);
    expect(discord.gatewayConnections).toBe(0);
  });
});
