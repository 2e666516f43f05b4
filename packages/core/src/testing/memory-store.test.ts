import { MemoryStore } from './memory-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('MemoryStore', {
  create: async () => new MemoryStore(),
  reopen: async (store) => new MemoryStore((store as MemoryStore).storage),
});
