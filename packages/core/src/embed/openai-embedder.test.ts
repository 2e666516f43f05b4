import { deterministicEmbedding, type OpenAISimulator, startOpenAISimulator } from '@articleqa/simulators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, ConfigError, LLMError } from '../shared/errors.js';
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from './openai-embedder.js';

const apiKey = 'sk-embed-secret-777777';
let sim: OpenAISimulator;

beforeEach(async () => {
  sim = await startOpenAISimulator();
});
afterEach(async () => {
  await sim.close();
});

function embedder(options: Partial<OpenAIEmbedderOptions> = {}) {
  return createOpenAIEmbedder({
    baseURL: sim.baseURL,
    apiKey,
    model: 'sim-embed',
    dimensions: 16,
    maxRetries: 0,
    ...options,
  });
}

const texts = ['solar panels', 'wind farms', 'tram lines', 'heat pumps', 'bike lanes'];

describe('OpenAIEmbedder', () => {
  it('describes itself', () => {
    expect(embedder()).toMatchObject({
      id: 'openai:sim-embed:16',
      dimensions: 16,
      maxTokens: 8191,
      maxBatchSize: 32,
    });
  });

  it('returns unit vectors of the configured dimensions, in input order, across batches', async () => {
    const vectors = await embedder({ maxBatchSize: 2 }).embed(texts);
    expect(sim.requests).toHaveLength(3);
    expect(sim.requests.map((request) => (request.body as { input: string[] }).input)).toEqual([
      ['solar panels', 'wind farms'],
      ['tram lines', 'heat pumps'],
      ['bike lanes'],
    ]);
    expect(sim.requests[0]?.body).toMatchObject({ encoding_format: 'base64', dimensions: 16 });
    expect(sim.requests[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(vectors).toHaveLength(5);
    for (const [i, vector] of vectors.entries()) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toHaveLength(16);
      const expected = deterministicEmbedding(texts[i]!, 16);
      for (const [j, value] of vector.entries()) expect(value).toBeCloseTo(expected[j]!, 5);
    }
  });

  it('puts vectors back in input order when the server shuffles them, and normalises them', async () => {
    sim.setEmbeddingsHandler((request) => {
      const inputs = request.input as string[];
      return { vectors: inputs.map((_, i) => Array.from({ length: 16 }, (_, j) => (j === i ? 3 : 0))) };
    });
    const vectors = await embedder().embed(['a', 'b']);
    expect(Array.from(vectors[0]!.slice(0, 2))).toEqual([1, 0]);
    expect(Array.from(vectors[1]!.slice(0, 2))).toEqual([0, 1]);
  });

  it('reads float arrays from servers that ignore encoding_format', async () => {
    // The injected fetch strips encoding_format, as a server that ignores it would, so floats come back.
    const fetch: typeof globalThis.fetch = (url, init) => {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      delete body.encoding_format;
      return globalThis.fetch(url, { ...init, body: JSON.stringify(body) });
    };
    const [vector] = await embedder({ fetch }).embed(['solar panels']);
    expect(sim.requests[0]?.body).not.toHaveProperty('encoding_format');
    expect(vector?.[0]).toBeCloseTo(deterministicEmbedding('solar panels', 16)[0]!, 5);
  });

  it('refuses vectors of another length with E_DIMENSION_MISMATCH', async () => {
    sim.setEmbeddingsHandler(() => ({ vectors: [deterministicEmbedding('x', 8)] }));
    await expect(embedder().embed(['x'])).rejects.toMatchObject({ code: 'E_DIMENSION_MISMATCH' });
  });

  it('omits dimensions when told to', async () => {
    await embedder({ sendDimensions: false, dimensions: 1536 }).embed(['x']);
    expect(sim.requests[0]?.body).not.toHaveProperty('dimensions');
  });

  it("uses an OpenAI model's native size without sending it, and requires it for other models", async () => {
    const native = createOpenAIEmbedder({ baseURL: sim.baseURL, apiKey, model: 'text-embedding-3-small' });
    expect(native.id).toBe('openai:text-embedding-3-small:1536');
    const [vector] = await native.embed(['x']);
    expect(vector).toHaveLength(1536);
    expect(sim.requests[0]?.body).not.toHaveProperty('dimensions');
    expect(() => createOpenAIEmbedder({ baseURL: sim.baseURL, model: 'nomic-embed-text' })).toThrow(
      ConfigError,
    );
  });

  it('maps a 401 to an LLMError without the key', async () => {
    sim.setEmbeddingsHandler(() => ({ status: 401 }));
    const error = await embedder()
      .embed(['x'])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LLMError);
    expect(error).toMatchObject({ status: 401 });
    expect(String(error)).toMatch(/^LLMError: Embeddings request to 127\.0\.0\.1:\d+ failed/);
    expect(String(error)).not.toContain(apiKey);
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(embedder().embed(['x'], { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(sim.requests).toHaveLength(0);
  });

  it('sends nothing for no texts', async () => {
    expect(await embedder().embed([])).toEqual([]);
    expect(sim.requests).toHaveLength(0);
  });

  it('approximates tokens conservatively', () => {
    const openai = embedder();
    expect(openai.countTokens('abcdefgh')).toBe(2);
    expect(openai.countTokens('abcdefghi')).toBe(3);
    expect(openai.countTokens('日本語')).toBe(3);
  });
});
