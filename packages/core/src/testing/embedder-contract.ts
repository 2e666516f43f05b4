import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../embed/embedder.js';
import { isArticleQAError } from '../shared/errors.js';
import { dot } from '../text/vector-math.js';

/** How the embedder contract gets the embedder to test. */
export interface EmbedderContractHarness {
  /** The embedder; closed with `close()` after the suite. */
  create(): Promise<Embedder>;
}

const RELATED = ['The cat sat on the mat by the door.', 'A cat was sitting on the mat near the door.'];
const UNRELATED = 'Stock markets fell sharply on Tuesday after the bank raised rates.';

/**
 * The behaviour every {@link Embedder} must have, as a vitest suite: unit vectors of the stated
 * length, one per text in order, independent of batching, closer for related texts, cancellable, and
 * (when it has `embedWithSpans`) span vectors from the same pass.
 */
export function describeEmbedderContract(name: string, harness: EmbedderContractHarness): void {
  describe(`${name} (Embedder contract)`, () => {
    let embedder: Embedder;
    beforeAll(async () => {
      embedder = await harness.create();
      await embedder.ready?.();
    });
    afterAll(async () => {
      await embedder?.close?.();
    });

    it('names itself and states its vector length and limits', () => {
      expect(embedder.id).toMatch(/\S/);
      expect(Number.isInteger(embedder.dimensions) && embedder.dimensions > 0).toBe(true);
      expect(embedder.maxTokens).toBeGreaterThan(0);
      expect(embedder.maxBatchSize).toBeGreaterThan(0);
      expect(embedder.countTokens('three short words')).toBeGreaterThan(0);
    });

    it('returns one unit vector of the stated length per text, in order', async () => {
      expect(await embedder.embed([])).toEqual([]);
      const texts = [...RELATED, UNRELATED];
      const vectors = await embedder.embed(texts);
      expect(vectors).toHaveLength(texts.length);
      for (const vector of vectors) {
        expect(vector).toBeInstanceOf(Float32Array);
        expect(vector).toHaveLength(embedder.dimensions);
        expect(vector.every(Number.isFinite)).toBe(true);
        expect(dot(vector, vector)).toBeCloseTo(1, 2);
      }
      const [alone] = await embedder.embed([UNRELATED]);
      expect(dot(alone!, vectors[2]!)).toBeGreaterThan(0.999);
    });

    it('puts related texts closer than unrelated ones', async () => {
      const [first, second, other] = await embedder.embed([...RELATED, UNRELATED]);
      expect(dot(first!, second!)).toBeGreaterThan(dot(first!, other!));
    });

    it('rejects a cancelled call with E_ABORTED', async () => {
      const controller = new AbortController();
      controller.abort();
      const error = await embedder
        .embed(RELATED, { signal: controller.signal })
        .catch((caught: unknown) => caught);
      expect(isArticleQAError(error, 'E_ABORTED')).toBe(true);
    });

    it('gives span vectors from the same pass, when it can', async () => {
      if (!embedder.embedWithSpans) return;
      const text = `${RELATED[0]} ${UNRELATED}`;
      const split = RELATED[0]!.length;
      const [result] = await embedder.embedWithSpans([
        {
          text,
          spans: [
            { start: 0, end: split },
            { start: split + 1, end: text.length },
          ],
        },
      ]);
      const [whole] = await embedder.embed([text]);
      expect(dot(result!.vector, whole!)).toBeGreaterThan(0.999);
      expect(result!.spans).toHaveLength(2);
      const [cat, market] = result!.spans;
      const [catAlone, marketAlone] = await embedder.embed([RELATED[0]!, UNRELATED]);
      expect(dot(cat!, catAlone!)).toBeGreaterThan(dot(cat!, marketAlone!));
      expect(dot(market!, marketAlone!)).toBeGreaterThan(dot(market!, catAlone!));
    });
  });
}
