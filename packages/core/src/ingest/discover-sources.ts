import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../shared/errors.js';
import { LoaderRegistry } from './source-loader.js';
import { isHttpUrl, normalizeSource } from './source-location.js';

/** Options for {@link discoverSources}. */
export interface DiscoverSourcesOptions {
  /**
   * Directory relative paths are resolved against.
   * @defaultValue `process.cwd()`
   */
  cwd?: string;
  /** Decides which files are sources, by extension. @defaultValue the built-in loaders */
  loaders?: LoaderRegistry;
}

/** A user input that could not become a source, with the reason. */
export interface SourceFailure {
  /** The input as the user gave it. */
  source: string;
  error: InputError;
}

/** What {@link discoverSources} found. */
export interface DiscoveredSources {
  /** Absolute file paths and normalised URLs, in input order; files of one directory in sorted order. */
  sources: string[];
  /** Named inputs that are missing or unsupported; the rest of the batch goes on without them. */
  failures: SourceFailure[];
  /** Files inside the given directories that were passed over for their extension (absolute paths). */
  skipped: string[];
}

/** Directory entries never walked into: version-control and editor folders, and installed packages. */
function isExcludedEntry(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

/**
 * Expands user inputs (files, directories, http(s) URLs) into the list of sources to load.
 *
 * Directories are walked recursively, skipping hidden entries and `node_modules`; only files with a
 * extension a loader reads are taken, the others are reported in `skipped`.
 * Entries are sorted by code unit order so a batch is ingested in the same order on every machine.
 * A named file that is missing or unsupported becomes a failure instead of stopping the batch.
 * URLs are not contacted here; they fail later, in `loadDocument`, if they cannot be fetched.
 *
 * @param inputs - Paths and URLs as the user typed them.
 * @param options - See {@link DiscoverSourcesOptions}.
 * @example
 * const { sources, failures, skipped } = await discoverSources(['corpus', 'https://example.com/a']);
 */
export async function discoverSources(
  inputs: readonly string[],
  options: DiscoverSourcesOptions = {},
): Promise<DiscoveredSources> {
  const cwd = options.cwd ?? process.cwd();
  const loaders = options.loaders ?? new LoaderRegistry();
  const result: DiscoveredSources = { sources: [], failures: [], skipped: [] };
  const seen = new Set<string>();
  const add = (source: string) => {
    if (!seen.has(source)) {
      seen.add(source);
      result.sources.push(source);
    }
  };

  for (const input of inputs) {
    if (isHttpUrl(input)) {
      add(normalizeSource(input));
      continue;
    }
    // Another URL scheme (ftp:, s3:, file:) is not a file name: say so rather than "no such file".
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input)?.[1];
    if (scheme) {
      result.failures.push({
        source: input,
        error: new InputError('E_UNSUPPORTED', input, `Unsupported URL scheme "${scheme}:" in ${input}`, {
          hint: 'Give an http(s) URL, or a file or folder path.',
        }),
      });
      continue;
    }
    const path = normalizeSource(input, cwd);
    let stats: Awaited<ReturnType<typeof stat>>;
    try {
      stats = await stat(path);
    } catch (error) {
      result.failures.push({ source: input, error: statError(input, error) });
      continue;
    }
    if (stats.isDirectory()) {
      await walkDirectory(path, result, add, new Set(), loaders);
    } else if (loaders.forPath(path) === undefined) {
      result.failures.push({
        source: input,
        error: new InputError('E_UNSUPPORTED', input, `Unsupported file type: ${input}`, {
          hint: `Supported extensions: ${loaders.extensions.join(' ')}.`,
        }),
      });
    } else {
      add(path);
    }
  }
  return result;
}

async function walkDirectory(
  directory: string,
  result: DiscoveredSources,
  add: (source: string) => void,
  visited: Set<string>,
  loaders: LoaderRegistry,
): Promise<void> {
  // Symlinked directories are followed, so remember real paths to stop on a link cycle.
  const real = await realpath(directory);
  if (visited.has(real)) return;
  visited.add(real);

  let entries: Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    result.failures.push({
      source: directory,
      error: new InputError('E_INPUT', directory, `Cannot read directory: ${directory}`, { cause: error }),
    });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  for (const entry of entries) {
    if (isExcludedEntry(entry.name)) continue;
    const path = join(directory, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined);
      // A dangling link points at nothing to ingest.
      if (target === undefined) continue;
      isDirectory = target.isDirectory();
      isFile = target.isFile();
    }
    if (isDirectory) {
      await walkDirectory(path, result, add, visited, loaders);
    } else if (isFile) {
      if (loaders.forPath(path) === undefined) result.skipped.push(path);
      else add(path);
    }
  }
}

function statError(input: string, cause: unknown): InputError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new InputError('E_NOT_FOUND', input, `No such file or directory: ${input}`, { cause });
  }
  return new InputError('E_INPUT', input, `Cannot read ${input}`, { cause });
}
