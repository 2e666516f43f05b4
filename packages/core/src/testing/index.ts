// @articleqa/core/testing: the contract suites every implementation of a port runs (vitest), and an
// in-memory store for tests. Needs vitest, which is an optional peer dependency of the package.
export { describeEmbedderContract, type EmbedderContractHarness } from './embedder-contract.js';
export { createMemoryStorage, type MemoryStorage, MemoryStore } from './memory-store.js';
export {
  type AnswererContractHarness,
  CONTRACT_ARTICLE,
  CONTRACT_TEXT,
  contractChunks,
  describeAnswererContract,
  describeRerankerContract,
  type RerankerContractHarness,
} from './rerank-contract.js';
export { describeStoreContract, fixtureWrite, type StoreContractHarness } from './store-contract.js';
export { textVector, unitVector } from './vectors.js';
