import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Flushes `temporary` to disk and renames it to `path`, so a reader sees the old file or the whole new
 * one, never a torn write. `temporary` is removed when this fails.
 */
export function commitFile(temporary: string, path: string): void {
  try {
    const descriptor = openSync(temporary, 'r+');
    try {
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Writes `data` to `path` atomically (temporary file, fsync, rename). */
export function writeFileAtomic(path: string, data: string | NodeJS.ArrayBufferView): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, data);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  commitFile(temporary, path);
}

/**
 * Makes the renames done in `dir` durable: without it a power cut can persist a manifest rename
 * before the renames of the files it names. Best effort: some platforms (Windows) cannot open a
 * directory for fsync, and there the rename order is all that can be had.
 */
export function fsyncDirectory(dir: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(dir, 'r');
    fsyncSync(descriptor);
  } catch {
    // Not supported here; see above.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
