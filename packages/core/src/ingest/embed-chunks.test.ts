import { describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../../test/support/hashing-embedder.js';
import { type Chunk, chunkDocument } from './chunk-document.js';
import { type EmbedInput, embedChunks, embedInput } from './embed-chunks.js';
import { hashText } from './ingest-sources.js';

const sentence = (index: number) => `Sentence ${index} tells of harbour number ${index} and its ships.`;
const article = Array.from({ length: 30 }, (_, index) => sentence(index)).join(' ');
const TITLE = 'Harbours';

function chunked(embedder: HashingEmbedder): Chunk[] {
  const chunks = chunkDocument({ title: TITLE, text: article }, embedder, {
    targetTokens: 40,
    overlapSentences: 1,
  });
  expect(chunks.length).toBeGreaterThan(4);
  return chunks;
}

/** The inputs as the ingest builds them: by vector hash, in document order, each knowing the one before. */
function inputsOf(chunks: readonly Chunk[]): Map<string, EmbedInput> {
  return new Map(
    chunks.map((chunk) => [
      hashText(chunk.embedText),
      embedInput(chunk, chunk.index > 0 ? hashText(chunks[chunk.index - 1]!.embedText) : undefined),
    ]),
  );
}

const textsOf = (chunk: Chunk, vectors: readonly { start: number; end: number }[]) =>
  vectors.map(({ start, end }) => chunk.text.slice(start, end));

describe('embedChunks', () => {
  it("reads each sentence once when a document's chunks are embedded together", async () => {
    const embedder = new HashingEmbedder(32);
    const chunks = chunked(embedder);
    const embedded = await embedChunks(embedder, inputsOf(chunks));

    expect(embedder.calls).toHaveLength(1);
    expect(embedder.calls[0]).toEqual(chunks.map((chunk) => chunk.freshEmbedText));
    const read = embedder.calls[0]!.map((text) => text.slice(`${TITLE}\n`.length)).join(' ');
    expect(read).toBe(article);

    const expected = await embedder.embed(chunks.map((chunk) => chunk.freshEmbedText));
    for (const chunk of chunks) {
      const result = embedded.get(hashText(chunk.embedText))!;
      expect(result.vector).toEqual(expected[chunk.index]);
      // Every sentence of the chunk keeps a vector, at offsets into the chunk text.
      expect(textsOf(chunk, result.sentences)).toEqual(
        chunk.sentences.map(({ start, end }) => article.slice(start, end)),
      );
      if (chunk.index === 0) continue;
      // The repeated sentence's vector is the one made in the chunk before's pass.
      const before = embedded.get(hashText(chunks[chunk.index - 1]!.embedText))!;
      expect(result.sentences[0]!.vector).toBe(before.sentences.at(-1)!.vector);
    }
  });

  it('reads a chunk whole when the chunk before is not embedded before it in the same call', async () => {
    const embedder = new HashingEmbedder(32);
    const chunks = chunked(embedder);
    const all = inputsOf(chunks);
    const [second, third, fourth] = [chunks[1]!, chunks[2]!, chunks[3]!].map((chunk) =>
      hashText(chunk.embedText),
    );
    // The first chunk is stored already; the fourth comes before the third it follows.
    const inputs = new Map([second, fourth, third].map((hash) => [hash!, all.get(hash!)!]));
    const embedded = await embedChunks(embedder, inputs);

    expect(embedder.calls[0]).toEqual([
      chunks[1]!.embedText,
      chunks[3]!.embedText,
      chunks[2]!.freshEmbedText,
    ]);
    expect(embedded.get(second!)!.sentences).toHaveLength(chunks[1]!.sentences.length);
    expect(embedded.get(third!)!.sentences[0]!.vector).toBe(embedded.get(second!)!.sentences.at(-1)!.vector);
    expect([...embedded.keys()]).toEqual([second, fourth, third]);
  });

  it('reads the texts without their overlap and keeps chunk vectors only when the embedder makes no span vectors', async () => {
    const embedder = new HashingEmbedder(32);
    Object.defineProperty(embedder, 'embedWithSpans', { value: undefined });
    const chunks = chunked(embedder);
    const embedded = await embedChunks(embedder, inputsOf(chunks));
    expect(embedder.calls[0]).toEqual(chunks.map((chunk) => chunk.freshEmbedText));
    for (const result of embedded.values()) {
      expect(result.vector).toHaveLength(32);
      expect(result.sentences).toEqual([]);
    }
  });

  it('says so when the embedder loses texts', async () => {
    const embedder = new HashingEmbedder(32);
    const chunks = chunked(embedder);
    const original = embedder.embedWithSpans.bind(embedder);
    embedder.embedWithSpans = async (inputs, options) => (await original(inputs, options)).slice(1);
    await expect(embedChunks(embedder, inputsOf(chunks))).rejects.toThrow(
      /returned \d+ vectors for \d+ texts/,
    );
  });
});
