import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { InputError } from '../shared/errors.js';

/**
 * Reads a whole file, refusing before reading when it is larger than `maxBytes`.
 *
 * @param path - Absolute path.
 * @param maxBytes - Largest size accepted.
 * @throws {@link InputError} `E_NOT_FOUND` (missing), `E_UNSUPPORTED` (a directory), `E_TOO_LARGE`,
 *   `E_INPUT` (any other read error, e.g. permissions).
 */
export async function readSourceFile(path: string, maxBytes: number): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new InputError('E_NOT_FOUND', path, `File not found: ${path}`, { cause: error });
    }
    throw new InputError('E_INPUT', path, `Cannot open ${path}`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      throw new InputError('E_UNSUPPORTED', path, `Is a directory, not a file: ${path}`, {
        hint: 'Pass directories to discoverSources to expand them into files.',
      });
    }
    if (stats.size > maxBytes) throw tooLarge(path, maxBytes);
    // Read at most one byte past the limit: a file that grew since stat() is still refused.
    const buffer = new Uint8Array(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw tooLarge(path, maxBytes);
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError('E_INPUT', path, `Cannot read ${path}`, { cause: error });
  } finally {
    await handle.close();
  }
}

/** The `E_TOO_LARGE` error for `source` and the limit it broke. */
export function tooLarge(source: string, maxBytes: number): InputError {
  return new InputError('E_TOO_LARGE', source, `Larger than ${formatBytes(maxBytes)}: ${source}`, {
    hint: 'Raise maxBytes or split the article.',
  });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}
