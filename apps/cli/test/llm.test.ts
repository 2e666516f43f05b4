import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { type ChatRequest, type OpenAISimulator, startOpenAISimulator } from '@articleqa/simulators';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, lines, makeTempDir, runCli } from './support/run-cli.js';

const corpus = new URL('../../../corpus/', import.meta.url);
const apiKey = 'sk-test-secret-123';
const question = 'Who will set up network security offices?';
const streamedAnswer = 'The ministry will set up offices [1].';
const streamedChunks = ['The ministry ', 'will set ', 'up offices ', '[1', '].'];
const title = 'China wants police installed in every internet company';

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** The secret must never reach the terminal, whatever happened. */
function expectNoSecret(result: CliResult): void {
  expect(result.stdout).not.toContain(apiKey);
  expect(result.stderr).not.toContain(apiKey);
  expect(result.stderr).not.toContain('secret-123');
}

describe('answers from an OpenAI-compatible LLM, streamed', () => {
  const temp = makeTempDir();
  const cwd = temp.dir;
  const index = join(cwd, 'index');
  let sim: OpenAISimulator;
  const llmEnv = () => ({
    OPENAI_BASE_URL: sim.baseURL,
    OPENAI_API_KEY: apiKey,
    ARTICLEQA_CHAT_MODEL: 'test-model',
  });
  const ask = (args: string[], env: Record<string, string> = llmEnv()) =>
    runCli(['ask', question, '--index', index, ...args], { cwd, env });

  beforeAll(async () => {
    cpSync(corpus, join(cwd, 'corpus'), { recursive: true });
    const built = await runCli(['ingest', 'corpus', '--index', index], { cwd });
    expect(built.code, built.stderr).toBe(0);
    sim = await startOpenAISimulator({ apiKey });
  });
  afterAll(async () => {
    await sim.close();
    temp.cleanup();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.setChatHandler(() => ({ content: streamedAnswer, chunks: streamedChunks, delayMsPerChunk: 30 }));
  });

  it('streams the answer once, then prints its sources', async () => {
    const result = await ask([]);
    expect(result.code, result.stderr).toBe(0);
    expect(occurrences(result.stdout, streamedAnswer)).toBe(1);
    expect(result.stdout.startsWith(`${streamedAnswer}\n`)).toBe(true);
    const output = lines(result.stdout);
    expect(output).toContain('Sources');
    expect(output[output.indexOf('Sources') + 1]).toBe(`  [1] ${title}`);
    expect(result.stderr).toBe('');
    expectNoSecret(result);

    const chats = sim.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(chats).toHaveLength(1);
    const body = chats[0]!.body as ChatRequest;
    expect(body.model).toBe('test-model');
    expect(body.stream).toBe(true);
    expect(chats[0]!.headers.authorization).toBe(`Bearer ${apiKey}`);
    // The prompt carries the retrieved article text as numbered sources.
    expect(JSON.stringify(body.messages)).toContain('network security offices');
  });

  it('regression: streamed citation numbers that the final answer renumbers are corrected, matching the Sources list', async () => {
    // The model cites [3] only: the final answer renumbers it to [1], the number the Sources list shows.
    sim.setChatHandler(() => ({ content: 'The ministry will set up offices [3].', delayMsPerChunk: 5 }));
    const result = await ask(['--k', '3']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.startsWith('The ministry will set up offices [3].\n')).toBe(true);
    expect(result.stderr).toContain('(citation numbers corrected to match the sources:)');
    const output = lines(result.stdout);
    const sources = output.indexOf('Sources');
    expect(output[sources - 2]).toBe('The ministry will set up offices [1].');
    expect(output[sources + 1]).toMatch(/^ {2}\[1\] /);
    expect(output.slice(sources).some((line) => line.includes('[3]'))).toBe(false);
  });

  it('--json reports the LLM answer with checked citations', async () => {
    const result = await ask(['--json']);
    expect(result.code, result.stderr).toBe(0);
    expectNoSecret(result);
    const parsed = JSON.parse(result.stdout) as {
      answer: string;
      answerer: string;
      abstained: boolean;
      fallbackReason?: string;
      citations: {
        n: number;
        title: string;
        quote: string;
        start: number;
        end: number;
        documentId: string;
      }[];
      retrieved: { documentId: string; start: number; end: number; text: string }[];
    };
    expect(parsed).toMatchObject({ answer: streamedAnswer, answerer: 'llm', abstained: false });
    expect(parsed.fallbackReason).toBeUndefined();
    expect(parsed.citations).toHaveLength(1);
    const citation = parsed.citations[0]!;
    expect(citation).toMatchObject({ n: 1, title });
    const source = parsed.retrieved[0]!;
    expect(citation.documentId).toBe(source.documentId);
    expect(source.text.slice(citation.start - source.start, citation.end - source.start)).toBe(
      citation.quote,
    );
  });

  for (const status of [500, 401]) {
    it(`an endpoint answering ${status}: exit 0, the offline answer, one line saying the LLM was unavailable`, async () => {
      sim.setChatHandler(() => ({ status, headers: { 'retry-after': '0' } }));
      const result = await ask([]);
      expect(result.code, result.stderr).toBe(0);
      expectNoSecret(result);
      expect(result.stdout).toContain('Chen Zhimin');
      expect(result.stdout).not.toContain(streamedAnswer);
      expect(occurrences(result.stdout, 'deputy minister of public security Chen Zhimin')).toBe(2); // answer + quote
      expect(lines(result.stdout)).toContain('Sources');
      const stderr = lines(result.stderr);
      expect(stderr).toHaveLength(1);
      expect(stderr[0]).toMatch(/^LLM unavailable \(.+\); showing the offline answer\.$/);
      expect(sim.requests.length).toBeGreaterThan(0);

      const json = await ask(['--json']);
      expect(json.code, json.stderr).toBe(0);
      const parsed = JSON.parse(json.stdout) as {
        answerer: string;
        fallbackReason?: string;
        abstained: boolean;
      };
      expect(parsed.answerer).toBe('extractive');
      expect(parsed.abstained).toBe(false);
      expect(parsed.fallbackReason).toMatch(/\S/);
      expectNoSecret(json);
    });
  }

  it('a stream that stalls mid-answer: the tokens so far, then the offline answer and a note (proves streaming)', async () => {
    sim.setChatHandler(() => ({ content: streamedAnswer, chunks: streamedChunks, hangAfterChunks: 2 }));
    const result = await ask([], { ...llmEnv(), ARTICLEQA_LLM_TIMEOUT_MS: '1500' });
    expect(result.code, result.stderr).toBe(0);
    expectNoSecret(result);
    // Only a streaming client could have printed the first two chunks of an answer that never ended.
    expect(result.stdout.startsWith('The ministry will set \n')).toBe(true);
    expect(result.stdout).not.toContain(streamedAnswer);
    expect(result.stdout).toContain('Chen Zhimin');
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^LLM unavailable \(.*stalled.*\)/)]);
  });

  it('a wrong key (the server checks it) falls back the same way, and the key is not echoed', async () => {
    const result = await ask([], { ...llmEnv(), OPENAI_API_KEY: 'sk-wrong-key-456' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Chen Zhimin');
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^LLM unavailable/)]);
    expect(result.stderr).not.toContain('sk-wrong-key-456');
  });

  it('--quiet hides the fallback note but still answers', async () => {
    sim.setChatHandler(() => ({ status: 500, headers: { 'retry-after': '0' } }));
    const result = await ask(['--quiet']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Chen Zhimin');
  });

  it('--no-llm answers offline without a single request to the endpoint', async () => {
    const result = await ask(['--no-llm', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { answerer: string }).answerer).toBe('extractive');
    expect(sim.requests).toHaveLength(0);
  });
});
