import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashingEmbedder } from '../../test/support/hashing-embedder.js';
import { describeEmbedderContract } from '../testing/embedder-contract.js';
import { createLocalEmbedder } from './transformers-embedder.js';

describeEmbedderContract('TransformersEmbedder (local, int8)', {
  create: async () => createLocalEmbedder({ cacheDir: join(tmpdir(), 'articleqa-test-cache') }),
});

// The fake the store and retrieval tests use must behave like an embedder too.
describeEmbedderContract('HashingEmbedder (test support)', {
  create: async () => new HashingEmbedder(64),
});
