import { resolve } from 'node:path';

/**
 * True when `input` is an absolute `http:` or `https:` URL. Anything else is treated as a file path.
 *
 * @param input - A user input: a path or a URL.
 */
export function isHttpUrl(input: string): boolean {
  if (!/^https?:\/\//i.test(input)) return false;
  return URL.canParse(input);
}

/**
 * The canonical spelling of a source, used as {@link SourceDocument.source} and to derive ids.
 *
 * URLs are normalised by the WHATWG parser (lower-case scheme and host, default port dropped) and lose
 * their `#fragment`, which never changes what the server returns. Paths are made absolute against `cwd`.
 *
 * @param input - A path or an http(s) URL.
 * @param cwd - Directory relative paths are resolved against.
 * @defaultValue cwd - `process.cwd()`
 */
export function normalizeSource(input: string, cwd: string = process.cwd()): string {
  if (isHttpUrl(input)) {
    const url = new URL(input);
    url.hash = '';
    return url.href;
  }
  return resolve(cwd, input);
}
