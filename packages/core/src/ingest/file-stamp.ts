import { stat } from 'node:fs/promises';
import { version } from '../version.js';

/**
 * What says a file is unchanged without reading it: its size and modification time (in nanoseconds),
 * with the format of the loader that reads it and the version of this library, so that a new parser or
 * another loader reads every file again. Undefined when the path is not a readable file.
 *
 * Size and time are what make, rsync and git trust too; an edit that keeps both (a clock set back, a
 * tool restoring times) is missed: `reread` reads every file again.
 */
export async function fileStamp(path: string, format: string): Promise<string | undefined> {
  const info = await stat(path, { bigint: true }).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return `${version}|${format}|${info.size}|${info.mtimeNs}`;
}
