import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashingEmbedder } from '../../test/support/hashing-embedder.js';
import { createLocalReader } from '../read/transformers-reader.js';
import { ReaderReranker } from '../retrieve/rerank.js';
import { describeAnswererContract, describeRerankerContract } from '../testing/rerank-contract.js';
import { ExtractiveAnswerer } from './extractive-answerer.js';
import { ReaderAnswerer } from './reader-answerer.js';

// The shipped reader on the shared test model cache (built once for every test that reads).
const reader = createLocalReader({ cacheDir: join(tmpdir(), 'articleqa-test-cache') });

describeAnswererContract('ExtractiveAnswerer', {
  create: async () => new ExtractiveAnswerer(new HashingEmbedder(64)),
});

describeAnswererContract('ReaderAnswerer', {
  create: async () => new ReaderAnswerer(reader),
});

describeRerankerContract('ReaderReranker', {
  create: async () => new ReaderReranker(reader),
  close: async () => reader.close?.(),
});
