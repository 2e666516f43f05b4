import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { IndexError, throwIfAborted } from '../../shared/errors.js';

/** Releases a write lock. */
export type ReleaseLock = () => Promise<void>;

/** Options of {@link acquireWriteLock}. */
export interface WriteLockOptions {
  /**
   * How long a lock goes unrefreshed before it counts as abandoned. Applies when the holder cannot be
   * checked directly: it runs on another host, or has not yet written down who it is.
   * @defaultValue 15_000
   */
  staleMs?: number;
  /**
   * How long to wait for a live writer to finish before failing with `E_INDEX_LOCKED`; `0` fails at
   * once, `Infinity` waits until the lock is free.
   * @defaultValue 0
   */
  waitMs?: number;
  /** Cancels the wait with an `AbortError`. */
  signal?: AbortSignal;
}

/** The defaults of {@link WriteLockOptions}. */
export const DefaultWriteLockOptions = {
  staleMs: 15_000,
  waitMs: 0,
} as const satisfies Required<Omit<WriteLockOptions, 'signal'>>;

/** Who holds the lock, written beside it so that others can tell a dead holder from a busy one. */
interface LockOwner {
  pid: number;
  hostname: string;
  /** The holder's Linux PID namespace: pids are only comparable inside one. */
  pidNamespace: string | undefined;
  /** Tells this holding apart from a later one by a process that reused the pid. */
  token: string;
  /** When the lock was taken, ISO 8601. */
  since: string;
}

const LockFiles = {
  /** proper-lockfile's lock: a directory, removed with a non-recursive rmdir, so nothing goes inside. */
  lock: 'write.lock',
  owner: 'write.lock.owner',
  /** Held for the few file operations of one attempt, so no one reads an owner file half-way through. */
  guard: 'write.lock.guard',
} as const;

/** How often a waiter looks at a held lock again. */
const POLL_MS = 250;
const GUARD_POLL_MS = 20;
/** The guard is held for milliseconds; one this old belongs to a process that died inside it. */
const GUARD_STALE_MS = 5_000;

/**
 * Takes the index's single-writer lock. The lock is a directory created atomically and refreshed while
 * held; `write.lock.owner` beside it names the holder. A lock whose holder is gone is taken over at once
 * when the holder ran on this host (its pid no longer exists); otherwise a lock counts as abandoned once
 * it has gone `staleMs` without a refresh.
 *
 * @param dir - The index directory; it must exist.
 * @returns A function that releases the lock. It throws `E_INDEX_LOCKED` when the lock was lost while
 * held (another process took it over), since writes made meanwhile may have raced.
 * @throws IndexError `E_INDEX_LOCKED` when a live writer holds the lock (after `waitMs`), or the lock
 * cannot be taken; AbortError when `signal` aborts the wait.
 * @example
 * const release = await acquireWriteLock(dir, { waitMs: 10_000 });
 * try { write(); } finally { await release(); }
 */
export async function acquireWriteLock(dir: string, options: WriteLockOptions = {}): Promise<ReleaseLock> {
  const staleMs = options.staleMs ?? DefaultWriteLockOptions.staleMs;
  const waitMs = options.waitMs ?? DefaultWriteLockOptions.waitMs;
  const { signal } = options;
  const deadline = waitMs > 0 ? Date.now() + waitMs : 0;
  for (;;) {
    throwIfAborted(signal);
    const attempt = await withGuard(dir, signal, () => tryLock(dir, staleMs));
    if ('release' in attempt) return attempt.release;
    const remaining = deadline - Date.now();
    if (!(remaining > 0)) throw lockedError(dir, attempt.holder, attempt.cause);
    await pause(Math.min(POLL_MS, remaining), signal);
  }
}

type Attempt = { release: ReleaseLock } | { holder: LockOwner | undefined; cause: unknown };

/** One try at the lock, taking over a dead holder's; runs inside the guard. */
async function tryLock(dir: string, staleMs: number): Promise<Attempt> {
  let compromised: unknown;
  const lock = () =>
    lockfile.lock(dir, {
      lockfilePath: join(dir, LockFiles.lock),
      realpath: false,
      stale: staleMs,
      update: Math.floor(staleMs / 3),
      retries: 0,
      onCompromised: (error) => {
        // The default handler throws from a timer and kills the process; record it instead.
        compromised = error;
      },
    });

  let release: () => Promise<void>;
  try {
    try {
      release = await lock();
    } catch (error) {
      if (!isLocked(error)) throw error;
      const holder = await readOwner(dir);
      if (!holder || !isGone(holder)) return { holder, cause: error };
      // Inside the guard nobody else takes over or acquires, so this is still the dead holder's lock.
      await rmdir(join(dir, LockFiles.lock)).catch(ignoreMissing);
      await rm(join(dir, LockFiles.owner), { force: true });
      try {
        release = await lock();
      } catch (retryError) {
        // A process that does not use the guard got in first; it is alive, so it is locked.
        if (!isLocked(retryError)) throw retryError;
        return { holder: await readOwner(dir), cause: retryError };
      }
    }
  } catch (error) {
    throw new IndexError('E_INDEX_LOCKED', dir, `Could not lock the index at ${dir}.`, { cause: error });
  }

  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    pidNamespace: pidNamespace(),
    token: randomUUID(),
    since: new Date().toISOString(),
  };
  try {
    // Written whole or not at all (a temporary file renamed over): a holder killed half-way through
    // must not leave an empty record, which nobody could tell from one being written, and so nobody
    // would take over.
    const temporary = join(dir, `${LockFiles.owner}.${owner.token}.tmp`);
    await writeFile(temporary, JSON.stringify(owner));
    await rename(temporary, join(dir, LockFiles.owner));
  } catch (error) {
    await release().catch(() => undefined);
    throw new IndexError('E_INDEX_LOCKED', dir, `Could not lock the index at ${dir}.`, { cause: error });
  }

  return {
    release: async () => {
      // Only our own record: after a takeover the file names the new holder.
      const current = await readOwner(dir);
      if (current?.token === owner.token)
        await rm(join(dir, LockFiles.owner), { force: true }).catch(() => undefined);
      await release().catch(() => undefined);
      if (compromised) {
        throw new IndexError('E_INDEX_LOCKED', dir, `The write lock on ${dir} was lost while writing.`, {
          cause: compromised,
        });
      }
    },
  };
}

/**
 * Runs `attempt` holding a short mutex, so that taking the lock and writing the owner file look like
 * one step to every other process, and two processes cannot both take over the same dead lock.
 */
async function withGuard<T>(
  dir: string,
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  const guard = join(dir, LockFiles.guard);
  for (;;) {
    throwIfAborted(signal);
    try {
      await mkdir(guard);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new IndexError('E_INDEX_LOCKED', dir, `Could not lock the index at ${dir}.`, { cause: error });
      }
    }
    const since = await stat(guard).then(
      (stats) => stats.mtimeMs,
      () => undefined,
    );
    if (since !== undefined && Date.now() - since > GUARD_STALE_MS) {
      await rmdir(guard).catch(() => undefined);
    } else {
      await pause(GUARD_POLL_MS, signal);
    }
  }
  try {
    return await attempt();
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}

/** True when the holder ran here and its process no longer exists. */
function isGone(holder: LockOwner): boolean {
  if (holder.hostname !== hostname() || holder.pidNamespace !== pidNamespace()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The holder's record, or undefined when missing or unreadable (it may be being written). */
async function readOwner(dir: string): Promise<LockOwner | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(join(dir, LockFiles.owner), 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Record<string, unknown>;
    const { pid, hostname: host, pidNamespace: namespace, token, since } = record;
    // A pid of 0 or below would signal a whole process group.
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
    if (typeof host !== 'string' || typeof token !== 'string' || typeof since !== 'string') return undefined;
    if (namespace !== undefined && typeof namespace !== 'string') return undefined;
    return { pid, hostname: host, pidNamespace: namespace, token, since };
  } catch {
    return undefined;
  }
}

/** Containers sharing a volume can share a hostname yet not see each other's pids. */
function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

function lockedError(dir: string, holder: LockOwner | undefined, cause: unknown): IndexError {
  const who = holder
    ? `another process (pid ${holder.pid} on host ${holder.hostname}, since ${holder.since})`
    : 'another process';
  return new IndexError('E_INDEX_LOCKED', dir, `The index at ${dir} is locked: ${who} is writing to it.`, {
    cause,
    ...(holder ? { details: { pid: holder.pid, host: holder.hostname, since: holder.since } } : {}),
  });
}

function isLocked(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ELOCKED';
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

/** Waits `ms`, throwing the core's AbortError when `signal` aborts. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    throwIfAborted(signal);
    throw error;
  }
}
