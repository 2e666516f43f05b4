/**
 * Test fixture, run as its own process by write-lock.test.ts: takes the write lock on
 * `WRITE_LOCK_DIR` through the real module, says so on stdout, then holds it until killed.
 */
import { acquireWriteLock } from './write-lock.js';

const dir = process.env.WRITE_LOCK_DIR;
if (!dir) throw new Error('WRITE_LOCK_DIR is not set.');
await acquireWriteLock(dir);
process.stdout.write('locked\n');
// Keeps the process alive; the test ends it with SIGKILL.
setInterval(() => undefined, 60_000);
