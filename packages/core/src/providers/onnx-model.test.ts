import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../shared/errors.js';
import { ensureMiniLMModelFolder } from './minilm-model-folder.js';
import { type EncodedBatch, loadOnnxModel, padBatch } from './onnx-model.js';

let cacheDir: string;
let modelPath: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'articleqa-onnx-'));
  const folder = await ensureMiniLMModelFolder({ cacheDir });
  modelPath = join(folder.modelDir, 'onnx', 'model_quantized.onnx');
});

afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** `rows` copies of "[CLS] hello world ... [SEP]", `width` tokens each. */
function batch(rows: number, width: number): EncodedBatch {
  const inputIds = new BigInt64Array(rows * width).fill(7592n);
  const attentionMask = new BigInt64Array(rows * width).fill(1n);
  for (let row = 0; row < rows; row++) {
    inputIds[row * width] = 101n;
    inputIds[row * width + width - 1] = 102n;
  }
  return { rows, width, inputIds, attentionMask, tokenTypeIds: new BigInt64Array(rows * width) };
}

describe('padBatch', () => {
  it('pads rows to the longest, masks only their own tokens, and keeps given token types', () => {
    const batch = padBatch([{ ids: [101, 7, 102] }, { ids: [101, 8, 9, 102, 5], types: [0, 0, 0, 0, 1] }]);
    expect(batch).toMatchObject({ rows: 2, width: 5 });
    expect([...batch.inputIds]).toEqual([101n, 7n, 102n, 0n, 0n, 101n, 8n, 9n, 102n, 5n]);
    expect([...batch.attentionMask]).toEqual([1n, 1n, 1n, 0n, 0n, 1n, 1n, 1n, 1n, 1n]);
    expect([...batch.tokenTypeIds]).toEqual([0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 1n]);
  });
});

describe('loadOnnxModel', () => {
  it('gives the same hidden states in a worker thread as in process', async () => {
    const [inWorker, inProcess] = await Promise.all([
      loadOnnxModel({ modelPath, worker: true }),
      loadOnnxModel({ modelPath, worker: false }),
    ]);
    try {
      const input = batch(2, 12);
      const [a, b] = await Promise.all([inWorker.run(input), inProcess.run(input)]);
      expect(a.dims).toEqual([2, 12, 384]);
      expect(b.dims).toEqual([2, 12, 384]);
      let largest = 0;
      for (let index = 0; index < a.data.length; index++) {
        largest = Math.max(largest, Math.abs(a.data[index]! - b.data[index]!));
      }
      expect(largest).toBeLessThan(1e-4);
    } finally {
      await Promise.all([inWorker.close(), inProcess.close()]);
    }
  });

  it('keeps the event loop free while the worker runs the model', async () => {
    const model = await loadOnnxModel({ modelPath, worker: true });
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const started = performance.now();
      // Eight batches of 8 x 128 tokens: hundreds of milliseconds of model time.
      for (let round = 0; round < 8; round++) await model.run(batch(8, 128));
      const elapsed = performance.now() - started;
      clearInterval(timer);
      // In process, the loop could not run a timer during a model call; here it keeps ticking.
      expect(ticks).toBeGreaterThan(elapsed / 20);
    } finally {
      await model.close();
    }
  });

  it('rejects a bad input with ModelError E_EMBED and keeps working afterwards', async () => {
    const model = await loadOnnxModel({ modelPath, worker: true });
    try {
      // Token id beyond the vocabulary: the Gather kernel refuses it.
      const bad = batch(1, 4);
      bad.inputIds[1] = 10_000_000n;
      const failure = await model.run(bad).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ModelError);
      expect((failure as ModelError).code).toBe('E_EMBED');
      expect(String(((failure as ModelError).cause as Error).message)).toMatch(/\S/);
      expect((await model.run(batch(1, 4))).dims).toEqual([1, 4, 384]);
    } finally {
      await model.close();
    }
  });

  it('rejects calls in flight and later calls once closed', async () => {
    const model = await loadOnnxModel({ modelPath, worker: true });
    const inFlight = expect(model.run(batch(8, 128))).rejects.toBeInstanceOf(ModelError);
    await model.close();
    await inFlight;
    const later = await model.run(batch(1, 4)).catch((error: unknown) => error);
    expect(later).toBeInstanceOf(ModelError);
    expect(((later as ModelError).cause as Error).message).toMatch(/closed/);
    await model.close();
  });

  it('reports a file that is not a model as E_MODEL_LOAD, in a worker or not', async () => {
    const notAModel = join(cacheDir, 'not-a-model.onnx');
    await writeFile(notAModel, 'this is not protobuf');
    for (const worker of [true, false]) {
      const failure = await loadOnnxModel({ modelPath: notAModel, worker }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ModelError);
      expect((failure as ModelError).code).toBe('E_MODEL_LOAD');
      expect((failure as ModelError).message).toContain(notAModel);
    }
    await expect(loadOnnxModel({ modelPath, threads: 0 })).rejects.toThrow(/positive integer/);
  });

  it('loads again, in a worker and in process, after earlier models were closed', async () => {
    for (const worker of [true, true, false, true]) {
      const model = await loadOnnxModel({ modelPath, worker });
      expect((await model.run(batch(1, 4))).dims).toEqual([1, 4, 384]);
      await model.close();
    }
  });
});
