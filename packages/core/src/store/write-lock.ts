import lockfile from 'proper-lockfile';
import { IndexError } from '../shared/errors.js';

/** Releases a write lock. */
export type ReleaseLock = () => Promise<void>;

/**
 * Takes the index's single-writer lock, or fails at once with `E_INDEX_LOCKED`. The lock is a
 * directory created atomically and refreshed while held, so a crashed writer's lock goes stale
 * (after `staleMs`) instead of blocking the index forever.
 */
export async function acquireWriteLock(dir: string, staleMs = 15_000): Promise<ReleaseLock> {
  let compromised: unknown;
  try {
    const release = await lockfile.lock(dir, {
      lockfilePath: `${dir}/write.lock`,
      realpath: false,
      stale: staleMs,
      update: Math.floor(staleMs / 3),
      retries: 0,
      onCompromised: (error) => {
        // The default handler throws from a timer and kills the process; record it instead.
        compromised = error;
      },
    });
    return async () => {
      await release().catch(() => undefined);
      if (compromised) {
        throw new IndexError('E_INDEX_LOCKED', dir, `The write lock on ${dir} was lost while writing.`, {
          cause: compromised,
        });
      }
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new IndexError(
        'E_INDEX_LOCKED',
        dir,
        `The index at ${dir} is locked: another articleqa process is writing to it.`,
        {
          cause: error,
          hint: 'Wait for the other ingest or remove to finish. If no articleqa process is running, the lock of a killed one clears within 15 s.',
        },
      );
    }
    throw new IndexError('E_INDEX_LOCKED', dir, `Could not lock the index at ${dir}.`, { cause: error });
  }
}
