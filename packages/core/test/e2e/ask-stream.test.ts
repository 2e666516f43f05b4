import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OpenAISimulator, startOpenAISimulator } from '@articleqa/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AskEvent,
  type ChatModel,
  createOpenAIChatModel,
  MemoryStore,
  openArticleQA,
} from '../../src/index.js';

import { HashingEmbedder } from '../support/hashing-embedder.js';

/** The real openai SDK against the project's simulator, streaming through `askStream`. */
describe('askStream', () => {
  let work: string;
  let sim: OpenAISimulator;
  const store = new MemoryStore();

  beforeAll(async () => {
    sim = await startOpenAISimulator();
    work = await mkdtemp(join(tmpdir(), 'articleqa-stream-'));
    await writeFile(
      join(work, 'tram.md'),
      '# The city tram\n\nThe tram line opened in 2019 after four years of work.\n\nRidership rose by a third in its first year, the transport office said.\n',
    );
    const qa = await openArticleQA({ store, embedder: new HashingEmbedder(64) });
    await qa.ingest([work]);
    await qa.close();
  });
  afterAll(async () => {
    await sim.close();
    await rm(work, { recursive: true, force: true });
  });

  // The signal of the last streaming call, to see that stopping the iteration cancels the request.
  let streamSignal: AbortSignal | undefined;
  const open = () => {
    const inner = createOpenAIChatModel({
      baseURL: sim.baseURL,
      apiKey: 'sk-test',
      model: 'sim-chat',
      maxRetries: 0,
    });
    const chatModel: ChatModel = {
      id: inner.id,
      generate: (messages, options) => inner.generate(messages, options),
      stream: (messages, options) => {
        streamSignal = options?.signal;
        return inner.stream(messages, options);
      },
    };
    return openArticleQA({
      store: new MemoryStore(store.storage),
      embedder: new HashingEmbedder(64),
      chatModel,
    });
  };
  const collect = async (events: AsyncIterable<AskEvent>) => {
    const seen: AskEvent[] = [];
    for await (const event of events) seen.push(event);
    return seen;
  };

  it('yields the sources, the streamed tokens, then the final answer whose citations agree with it', async () => {
    // The model cites [2] and [2] again: the final answer is renumbered to [1] with one citation.
    sim.setChatHandler(() => ({ content: 'It opened in 2019 [2]. Ridership rose [2].', delayMsPerChunk: 1 }));
    const qa = await open();
    const events = await collect(qa.askStream('When did the tram open?', { k: 2 }));
    await qa.close();
    expect(events[0]).toMatchObject({ type: 'sources', standaloneQuestion: 'When did the tram open?' });
    const tokens = events.filter((event) => event.type === 'token').map((event) => event.text);
    expect(tokens.length).toBeGreaterThan(2);
    expect(tokens.join('')).toBe('It opened in 2019 [2]. Ridership rose [2].');
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    if (done?.type !== 'done') return;
    const { answer, citations } = done.result;
    const markers = [...answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
    expect(new Set(markers)).toEqual(new Set(citations.map((citation) => citation.n)));
    expect(citations.map((citation) => citation.n)).toEqual([1]);
    expect(events.filter((event) => event.type === 'done')).toHaveLength(1);
  });

  it('says when the LLM failed and the offline answer replaces what it streamed', async () => {
    sim.setChatHandler(() => ({ status: 500, body: { error: { message: 'boom' } } }));
    const qa = await open();
    const events = await collect(qa.askStream('When did the tram open?'));
    await qa.close();
    expect(events.map((event) => event.type)).toEqual(['sources', 'fallback', 'done']);
    const done = events.at(-1);
    if (done?.type !== 'done') throw new Error('no done event');
    expect(done.result).toMatchObject({ answerer: 'extractive', abstained: false });
    expect(done.result.answer).toContain('2019');
  });

  it('cancels the answer when the consumer stops reading', async () => {
    sim.setChatHandler(() => ({ content: 'It opened in 2019 [1].', hangAfterChunks: 2 }));
    const qa = await open();
    const seen: string[] = [];
    for await (const event of qa.askStream('When did the tram open?')) {
      seen.push(event.type);
      if (event.type === 'token') break;
    }
    expect(seen).toEqual(['sources', 'token']);
    expect(streamSignal?.aborted).toBe(true);
    await qa.close();
  });
});
