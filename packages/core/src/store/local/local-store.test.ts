import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreContract } from '../../testing/store-contract.js';
import { LocalStore } from './local-store.js';

const dirs: string[] = [];

describeStoreContract('LocalStore', {
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'articleqa-store-contract-'));
    dirs.push(dir);
    return new LocalStore({ dir });
  },
  reopen: async (store) => new LocalStore({ dir: store.location }),
  cleanup: async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  },
});
