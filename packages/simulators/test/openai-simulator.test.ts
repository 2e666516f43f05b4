import OpenAI, { AuthenticationError, RateLimitError } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deterministicEmbedding, type OpenAISimulator, startOpenAISimulator } from '../src/index.js';

const apiKey = 'sk-test-simulator-key';
let sim: OpenAISimulator;
let client: OpenAI;

beforeEach(async () => {
  sim = await startOpenAISimulator({ apiKey });
  client = new OpenAI({ baseURL: sim.baseURL, apiKey, maxRetries: 0, timeout: 5_000 });
});

afterEach(async () => {
  await sim.close();
});

const messages = [{ role: 'user' as const, content: 'hello there' }];

describe('OpenAI simulator chat', () => {
  it('answers non-streaming requests with the default echo handler and records them', async () => {
    const completion = await client.chat.completions.create({ model: 'sim-chat', messages });
    expect(completion.choices[0]?.message.content).toBe('Echo: hello there');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(sim.requests).toHaveLength(1);
    expect(sim.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { messages },
    });
    expect(sim.requests[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it('streams SSE chunks in order, then usage when include_usage is set', async () => {
    sim.setChatHandler(() => ({ content: 'one two three', delayMsPerChunk: 2 }));
    const stream = await client.chat.completions.create({
      model: 'sim-chat',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finishReason: string | null | undefined;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) deltas.push(content);
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      usage = chunk.usage ?? usage;
    }
    expect(deltas).toEqual(['one ', 'two ', 'three']);
    expect(finishReason).toBe('stop');
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });

  it('returns scripted errors the SDK maps to its error classes, retry headers included', async () => {
    sim.setChatHandler(() => ({ status: 429, headers: { 'retry-after-ms': '1' } }));
    const retrying = new OpenAI({ baseURL: sim.baseURL, apiKey, maxRetries: 2 });
    await expect(retrying.chat.completions.create({ model: 'sim-chat', messages })).rejects.toBeInstanceOf(
      RateLimitError,
    );
    expect(sim.requests).toHaveLength(3);
  });

  it('answers 401 to a wrong API key', async () => {
    const wrong = new OpenAI({ baseURL: sim.baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'sim-chat', messages })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
  });

  it('close() ends hung requests', async () => {
    sim.setChatHandler(() => ({ hang: true }));
    const pending = client.chat.completions.create({ model: 'sim-chat', messages });
    const settled = pending.then(
      () => 'resolved',
      () => 'rejected',
    );
    await waitFor(() => sim.requests.length === 1);
    await sim.close();
    expect(await settled).toBe('rejected');
  });
});

describe('OpenAI simulator embeddings', () => {
  it('sends base64 float32 vectors the SDK decodes, honouring dimensions', async () => {
    const response = await client.embeddings.create({
      model: 'sim-embed',
      input: ['alpha', 'beta'],
      dimensions: 8,
    });
    expect(sim.requests[0]?.body).toMatchObject({ encoding_format: 'base64', dimensions: 8 });
    const [first, second] = response.data.map((item) => item.embedding);
    expect(first).toHaveLength(8);
    expect(first?.[0]).toBeCloseTo(deterministicEmbedding('alpha', 8)[0] ?? Number.NaN, 6);
    expect(second).not.toEqual(first);
    expect(Math.hypot(...(first ?? []))).toBeCloseTo(1, 5);
  });

  it('sends float arrays when asked, equal to the base64 ones', async () => {
    const response = await client.embeddings.create({
      model: 'sim-embed',
      input: 'alpha',
      dimensions: 8,
      encoding_format: 'float',
    });
    const vector = response.data[0]?.embedding ?? [];
    expect(vector).toEqual(deterministicEmbedding('alpha', 8));
  });

  it('gives texts sharing words a higher similarity than unrelated ones', () => {
    const dot = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);
    const solar = deterministicEmbedding('solar panels on roofs', 256);
    expect(dot(solar, deterministicEmbedding('roofs with solar panels', 256))).toBeGreaterThan(
      dot(solar, deterministicEmbedding('the cat sat', 256)),
    );
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(['sim-chat', 'sim-embed']);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
