import { describeStoreContract } from '../../testing/store-contract.js';
import { MemoryStore } from './memory-store.js';

describeStoreContract('MemoryStore', {
  create: async () => new MemoryStore(),
  reopen: async (store) => new MemoryStore((store as MemoryStore).storage),
});
