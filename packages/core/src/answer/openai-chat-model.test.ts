import { type OpenAISimulator, startOpenAISimulator } from '@articleqa/simulators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLACEHOLDER_API_KEY } from '../providers/openai-client.js';
import { AbortError, LLMError } from '../shared/errors.js';
import type { ChatMessage, ChatStreamPart } from './chat-model.js';
import { createOpenAIChatModel, type OpenAIChatModelOptions } from './openai-chat-model.js';

const apiKey = 'sk-test-0123456789abcdef';
const messages: ChatMessage[] = [{ role: 'user', content: 'Say hi' }];
let sim: OpenAISimulator;

beforeEach(async () => {
  sim = await startOpenAISimulator();
});
afterEach(async () => {
  await sim.close();
});

function model(options: Partial<OpenAIChatModelOptions> = {}) {
  return createOpenAIChatModel({
    baseURL: sim.baseURL,
    apiKey,
    model: 'sim-chat',
    maxRetries: 0,
    ...options,
  });
}

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const collected: ChatStreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

/** Rejects with what `promise` rejected with, or fails the test. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a rejection');
}

describe('OpenAIChatModel', () => {
  it('generates with the configured settings and the key in the Authorization header', async () => {
    sim.setChatHandler(() => ({ content: 'Hi there.' }));
    const result = await model().generate(messages);
    expect(result).toMatchObject({ text: 'Hi there.', model: 'sim-chat', finishReason: 'stop' });
    expect(result.usage?.completionTokens).toBeGreaterThan(0);
    const [request] = sim.requests;
    expect(request?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(request?.body).toMatchObject({ model: 'sim-chat', messages, temperature: 0.1, max_tokens: 512 });
  });

  it('streams deltas in order, then a finish part with usage', async () => {
    sim.setChatHandler(() => ({ content: 'one two three', delayMsPerChunk: 1 }));
    const parts = await collect(model().stream(messages));
    expect(parts.slice(0, -1)).toEqual([
      { type: 'text-delta', text: 'one ' },
      { type: 'text-delta', text: 'two ' },
      { type: 'text-delta', text: 'three' },
    ]);
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      result: { text: 'one two three', finishReason: 'stop' },
    });
    expect(parts.at(-1)).toHaveProperty('result.usage.promptTokens');
    expect(sim.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('supports Azure-style headers and query, max_completion_tokens, and no key', async () => {
    await model({
      apiKey: '',
      headers: { 'api-key': 'azure-key' },
      defaultQuery: { 'api-version': '2024-10-21' },
      maxTokensParameter: 'max_completion_tokens',
      maxTokens: 64,
    }).generate(messages);
    const [request] = sim.requests;
    expect(request?.headers['api-key']).toBe('azure-key');
    expect(request?.query).toEqual({ 'api-version': '2024-10-21' });
    expect(request?.headers.authorization).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
    expect(request?.body).toMatchObject({ max_completion_tokens: 64 });
    expect(request?.body).not.toHaveProperty('max_tokens');
  });

  it('maps a 401 to a non-retryable LLMError that does not quote the key the server echoed', async () => {
    sim.setChatHandler(() => ({
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${apiKey}.`, type: 'invalid_request_error' } },
    }));
    const error = await failure(model().generate(messages));
    expect(error).toBeInstanceOf(LLMError);
    expect(error).toMatchObject({ status: 401, isRetryable: false, code: 'E_LLM' });
    expect(error.message).toMatch(/authentication error \(401\)/);
    expect(String(error)).not.toContain(apiKey);
    expect(error.cause).toBeDefined();
  });

  it('retries a 429 (counted by recorded requests), then reports it as retryable', async () => {
    sim.setChatHandler(() => ({ status: 429, headers: { 'retry-after': '0' } }));
    const error = await failure(model({ maxRetries: 2 }).generate(messages));
    expect(sim.requests).toHaveLength(3);
    expect(error).toMatchObject({ status: 429, isRetryable: true });
  });

  it('redacts a key-shaped string a 400 body quotes', async () => {
    sim.setChatHandler(() => ({
      status: 400,
      body: { error: { message: `Bad value near ${apiKey}\nline two` } },
    }));
    const error = await failure(model().generate(messages));
    expect(error.message).toMatch(
      /^Chat request to 127\.0\.0\.1:\d+ failed with a client error \(400\): Bad value/,
    );
    expect(error.message).not.toContain(apiKey);
    expect(error.message).not.toContain('\n');
  });

  it('times out a hung request', async () => {
    sim.setChatHandler(() => ({ hang: true }));
    const error = await failure(model({ timeoutMs: 100 }).generate(messages));
    expect(error).toBeInstanceOf(LLMError);
    expect(error).toMatchObject({
      isRetryable: true,
      message: expect.stringMatching(/timed out after 100 ms/),
    });
  });

  it('fails a stream that stalls between chunks', async () => {
    sim.setChatHandler(() => ({ content: 'one two three', hangAfterChunks: 1 }));
    const parts: ChatStreamPart[] = [];
    const error = await failure(
      (async () => {
        for await (const part of model({ timeoutMs: 150 }).stream(messages)) parts.push(part);
      })(),
    );
    expect(parts).toEqual([{ type: 'text-delta', text: 'one ' }]);
    expect(error).toBeInstanceOf(LLMError);
    expect(error.message).toMatch(/stalled for 150 ms/);
  });

  it('reports an unreachable endpoint', async () => {
    const closed = await startOpenAISimulator();
    await closed.close();
    const error = await failure(
      createOpenAIChatModel({ baseURL: closed.baseURL, apiKey, model: 'm', maxRetries: 0 }).generate(
        messages,
      ),
    );
    expect(error).toBeInstanceOf(LLMError);
    expect(error.message).toMatch(/could not connect \(ECONNREFUSED\)/);
  });

  it('rejects with AbortError when the caller aborts mid-stream', async () => {
    sim.setChatHandler(() => ({ content: 'a b c d e f g h', delayMsPerChunk: 20 }));
    const controller = new AbortController();
    const parts: ChatStreamPart[] = [];
    const error = await failure(
      (async () => {
        for await (const part of model().stream(messages, { signal: controller.signal })) {
          parts.push(part);
          controller.abort();
        }
      })(),
    );
    expect(error).toBeInstanceOf(AbortError);
    expect(parts).toHaveLength(1);
  });

  it('rejects with AbortError when aborted before the response', async () => {
    sim.setChatHandler(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = failure(model().generate(messages, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 20);
    expect(await pending).toBeInstanceOf(AbortError);
  });
});
