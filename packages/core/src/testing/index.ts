// @articleqa/core/testing: the contract suites every implementation of a port runs (vitest). Needs
// vitest, an optional peer dependency of the package. The in-memory store is in the main entry.

export { describeEmbedderContract, type EmbedderContractHarness } from './embedder-contract.js';
export { describeLoaderContract, type LoaderContractHarness, type LoaderSample } from './loader-contract.js';
export {
  type AnswererContractHarness,
  CONTRACT_ARTICLE,
  CONTRACT_TEXT,
  contractChunks,
  describeAnswererContract,
  describeRerankerContract,
  type RerankerContractHarness,
} from './rerank-contract.js';
export {
  describeStoreContract,
  fixtureWrite,
  type StoreContractHarness,
  storeContractOpenOptions,
} from './store-contract.js';
export { textVector, unitVector } from './vectors.js';
