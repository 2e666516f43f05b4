import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBertTokenizer } from '../providers/bert-tokenizer.js';
import { ensureMiniLMModelFolder } from '../providers/minilm-model-folder.js';
import { AbortError, ConfigError } from '../shared/errors.js';
import { splitSentences } from '../text/sentences.js';
import {
  createLocalEmbedder,
  joinPieces,
  poolWithRanges,
  spanTokenRanges,
  type TransformersEmbedder,
} from './transformers-embedder.js';

/**
 * Shared by the embedder tests so the bundled model (about 1.5 s to build) is built once per machine,
 * not per test file; parallel test files are safe because the build is atomic.
 */
const cacheDir = join(tmpdir(), 'articleqa-test-cache');

const sentences = [
  'This is an example sentence',
  'Each sentence is converted',
  'ok',
  'The cat sat on the mat.',
  'What is the capital of France?',
  'Paris is the capital and most populous city of France.',
  'The quick brown fox jumps over the lazy dog near the river bank on a sunny afternoon in late July.',
  'Quantum mechanics describes nature at the smallest scales of energy levels of atoms and subatomic particles.',
  'Photosynthesis converts light energy into chemical energy stored in glucose.',
  'He scored twice in the second half.',
  'The Treaty of Westphalia ended the Thirty Years War in 1648, reshaping the political map of Europe.',
  'Bake for 25 minutes until golden.',
];

const dot = (a: Float32Array, b: Float32Array): number =>
  a.reduce((sum, value, index) => sum + value * b[index]!, 0);

let fp32: TransformersEmbedder;
let int8: TransformersEmbedder;
beforeAll(async () => {
  fp32 = createLocalEmbedder({ cacheDir, quantized: false });
  int8 = createLocalEmbedder({ cacheDir });
  await Promise.all([fp32.ready(), int8.ready()]);
});
afterAll(async () => Promise.all([fp32.close(), int8.close()]));

describe('TransformersEmbedder with the bundled all-MiniLM-L6-v2', () => {
  it('describes model and quantisation', () => {
    expect(fp32.id).toBe('transformers:all-MiniLM-L6-v2:fp32');
    expect(int8.id).toBe('transformers:all-MiniLM-L6-v2:int8');
    expect(int8.dimensions).toBe(384);
    expect(int8.maxTokens).toBe(256);
    expect(int8.maxBatchSize).toBeGreaterThan(0);
  });

  it('matches the published sentence-transformers vector in fp32', async () => {
    const [vector] = await fp32.embed(['This is an example sentence']);
    const expected = [0.0677, 0.0636, 0.0487, 0.0794];
    for (const [index, value] of expected.entries())
      expect(Math.abs(vector![index]! - value)).toBeLessThan(1e-3);
  });

  it('returns unit-length vectors, and int8 ones close to fp32', async () => {
    const [exact, quantized] = await Promise.all([fp32.embed(sentences), int8.embed(sentences)]);
    expect(quantized).toHaveLength(sentences.length);
    for (let index = 0; index < sentences.length; index++) {
      expect(exact[index]).toHaveLength(384);
      expect(Math.sqrt(dot(exact[index]!, exact[index]!))).toBeCloseTo(1, 5);
      expect(Math.sqrt(dot(quantized[index]!, quantized[index]!))).toBeCloseTo(1, 5);
      expect(dot(exact[index]!, quantized[index]!)).toBeGreaterThanOrEqual(0.98);
    }
  });

  it('keeps the input order when batching sorts by length', async () => {
    const long = sentences[10]!;
    const short = sentences[2]!;
    const medium = sentences[4]!;
    for (const embedder of [fp32, int8]) {
      const batched = await embedder.embed([long, short, medium]);
      const alone = await Promise.all(
        [long, short, medium].map(async (text) => (await embedder.embed([text]))[0]!),
      );
      for (const [index, vector] of alone.entries())
        expect(dot(vector, batched[index]!)).toBeGreaterThan(0.99);
    }
  });

  it('keeps the order across several batches', async () => {
    const small = createLocalEmbedder({ cacheDir, batchSize: 3 });
    try {
      const batched = await small.embed(sentences);
      const alone = await int8.embed(sentences);
      for (const [index, vector] of alone.entries())
        expect(dot(vector, batched[index]!)).toBeGreaterThan(0.99);
    } finally {
      await small.close();
    }
  });

  it('counts tokens with the model tokenizer, special tokens excluded', async () => {
    expect(int8.countTokens('This is an example sentence')).toBe(5);
    expect(int8.countTokens('')).toBe(0);
    const { env, AutoTokenizer } = await import('@xenova/transformers');
    const folder = await ensureMiniLMModelFolder({ cacheDir });
    env.localModelPath = folder.localModelPath;
    env.allowRemoteModels = false;
    const tokenizer = await AutoTokenizer.from_pretrained(folder.modelName);
    for (const text of [...sentences, 'Unbelievably, naïve café-goers said “hello” 12,345 times!']) {
      const withSpecials = tokenizer.encode(text);
      expect(int8.countTokens(text)).toBe(withSpecials.length - 2);
    }
  });

  it('truncates texts longer than maxTokens', async () => {
    const long = 'word '.repeat(1000);
    expect(int8.countTokens(long)).toBe(1000);
    const [vector] = await int8.embed([long]);
    expect(vector).toHaveLength(384);
  });

  it('returns [] for no texts', async () => {
    expect(await createLocalEmbedder({ cacheDir }).embed([])).toEqual([]);
  });

  it('rejects with AbortError when the signal aborts', async () => {
    await expect(int8.embed(sentences, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    const controller = new AbortController();
    const embedding = int8.embed(sentences, { signal: controller.signal });
    controller.abort();
    await expect(embedding).rejects.toBeInstanceOf(AbortError);
  });
});

describe('TransformersEmbedder.embedWithSpans (sentence vectors from the chunk pass)', () => {
  const title = 'China puts police in internet firms';
  const first = 'The government will station officers inside major internet companies.';
  const second = 'Heavy rain is expected on the coast by Friday afternoon.';
  const text = `${title}\n${first} ${second}`;
  const spanOf = (part: string) => ({ start: text.indexOf(part), end: text.indexOf(part) + part.length });

  it('returns the same whole-text vector as embed, in any batch', async () => {
    const others = sentences.slice(0, 5).map((sentence) => ({ text: sentence, spans: [] }));
    const [withSpans, plain] = await Promise.all([
      int8.embedWithSpans([{ text, spans: [spanOf(first), spanOf(second)] }, ...others]),
      int8.embed([text, ...others.map((other) => other.text)]),
    ]);
    for (const [index, result] of withSpans.entries()) {
      expect(dot(result.vector, plain[index]!)).toBeGreaterThan(0.9999);
    }
  });

  it('gives each span a unit vector that reads like that span, not the rest of the text', async () => {
    const [result] = await fp32.embedWithSpans([{ text, spans: [spanOf(first), spanOf(second)] }]);
    const [firstVector, secondVector] = result!.spans;
    const [firstAlone, secondAlone] = await fp32.embed([first, second]);
    expect(Math.hypot(...firstVector!)).toBeCloseTo(1, 5);
    expect(dot(firstVector!, firstAlone!)).toBeGreaterThan(dot(firstVector!, secondAlone!));
    expect(dot(secondVector!, secondAlone!)).toBeGreaterThan(dot(secondVector!, firstAlone!));
    const [police, weather] = await fp32.embed(['police inside technology companies', 'rain forecast']);
    expect(dot(firstVector!, police!)).toBeGreaterThan(dot(secondVector!, police!));
    expect(dot(secondVector!, weather!)).toBeGreaterThan(dot(firstVector!, weather!));
  });

  it('leaves spans the model never reads undefined: empty, or past the truncation point', async () => {
    const long = `${'word '.repeat(400)}tail sentence here.`;
    const [result] = await int8.embedWithSpans([
      {
        text: long,
        spans: [
          { start: 0, end: 4 },
          { start: 10, end: 10 },
          { start: long.indexOf('tail'), end: long.length },
        ],
      },
    ]);
    expect(result!.spans[0]).toBeInstanceOf(Float32Array);
    expect(result!.spans[1]).toBeUndefined();
    expect(result!.spans[2]).toBeUndefined();
  });
});

describe('spanTokenRanges', () => {
  const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

  it('places spans after [CLS] by counting the pieces before them', () => {
    const ranges = spanTokenRanges(
      {
        text: 'a b. c d e. f',
        spans: [
          { start: 0, end: 4 },
          { start: 5, end: 11 },
        ],
      },
      words,
    );
    expect(ranges).toEqual([
      [1, 3],
      [3, 6],
    ]);
  });

  it('gives up when the pieces do not add up to the whole (a tokenizer that merges across cuts)', () => {
    const merging = (text: string) => (text.includes('ab') ? 1 : text.length);
    expect(spanTokenRanges({ text: 'ab', spans: [{ start: 0, end: 1 }] }, merging)).toBeUndefined();
  });

  it('rejects spans out of order or outside the text', () => {
    const spans = [
      { start: 5, end: 8 },
      { start: 0, end: 3 },
    ];
    expect(spanTokenRanges({ text: 'one two three', spans }, words)).toBeUndefined();
    expect(spanTokenRanges({ text: 'one', spans: [{ start: 0, end: 9 }] }, words)).toBeUndefined();
  });
});

describe('joinPieces', () => {
  const words = (text: string) =>
    text
      .split(/\s+/)
      .filter(Boolean)
      .map((word) => word.length);

  it("gives the pieces' tokens in order, and each span's positions after [CLS]", () => {
    const joined = joinPieces(
      {
        text: 'Title\n\na bb. ccc d e.  f',
        spans: [
          { start: 7, end: 12 },
          { start: 13, end: 21 },
        ],
      },
      words,
    );
    expect(joined).toEqual({
      ids: [5, 1, 3, 3, 1, 2, 1],
      ranges: [
        [2, 4],
        [4, 7],
      ],
    });
    expect(joinPieces({ text: 'one two', spans: [{ start: 4, end: 2 }] }, words)).toBeUndefined();
  });

  it("equals the bundled tokenizer's tokens of the whole text when cut into sentences", async () => {
    const { modelDir } = await ensureMiniLMModelFolder({ cacheDir });
    const tokenizer = await loadBertTokenizer(modelDir);
    expect(tokenizer.additiveAtWhitespace).toBe(true);
    const text = `China’s police\n\n${sentences.join(' ')} “Quoted,” he said (in 2015).Next: U.S. e-mail—dashes…`;
    const joined = joinPieces({ text, spans: splitSentences(text) }, (piece) => tokenizer.encode(piece));
    expect(joined!.ids).toEqual(tokenizer.encode(text));
  });
});

describe('TransformersEmbedder without a loaded model', () => {
  it('does no work until used, and shares one load between concurrent first calls', async () => {
    const embedder = createLocalEmbedder({ cacheDir });
    expect(() => embedder.countTokens('hello')).toThrow(/ready\(\)/);
    const [first, second] = await Promise.all([embedder.embed(['hello']), embedder.embed(['hello'])]);
    expect(dot(first[0]!, second[0]!)).toBeCloseTo(1, 6);
    await embedder.close();
  });

  it('rejects an invalid batch size', () => {
    expect(() => createLocalEmbedder({ cacheDir, batchSize: 0 })).toThrow(ConfigError);
  });

  it('refuses a hub model unless remote models are allowed', async () => {
    const embedder = createLocalEmbedder({
      cacheDir: join(tmpdir(), 'articleqa-no-such-model'),
      model: 'Xenova/not-in-cache',
    });
    await expect(embedder.ready()).rejects.toMatchObject({ name: 'ModelError', code: 'E_MODEL_NOT_FOUND' });
  });
});

describe('poolWithRanges', () => {
  // Four tokens of three dimensions: token t holds [t + 1, 1, 0].
  const data = Float32Array.from([1, 1, 0, 2, 1, 0, 3, 1, 0, 4, 1, 0]);
  const unit = (values: number[]) => {
    const norm = Math.hypot(...values);
    return values.map((value) => value / norm);
  };
  const near = (actual: Float32Array | undefined, expected: number[]) => {
    for (const [d, value] of expected.entries()) expect(actual![d]).toBeCloseTo(value, 6);
  };

  it('pools the text from its sorted ranges and the tokens between them', () => {
    const pooled = poolWithRanges(data, 0, 4, [[1, 2], undefined, [2, 3]], 3);
    near(pooled.vector, unit([10, 4, 0]));
    near(pooled.ranges[0], unit([2, 1, 0]));
    expect(pooled.ranges[1]).toBeUndefined();
    near(pooled.ranges[2], unit([3, 1, 0]));
  });

  it('pools the text on its own when ranges overlap or come out of order', () => {
    for (const ranges of [
      [
        [0, 3],
        [1, 2],
      ],
      [
        [2, 3],
        [0, 1],
      ],
    ] as [number, number][][]) {
      const pooled = poolWithRanges(data, 0, 4, ranges, 3);
      near(pooled.vector, unit([10, 4, 0]));
      ranges.forEach(([from, to], index) => {
        const sum = [0, 0, 0];
        for (let token = from; token < to; token++)
          for (let d = 0; d < 3; d++) sum[d]! += data[token * 3 + d]!;
        near(pooled.ranges[index], unit(sum));
      });
    }
  });
});
