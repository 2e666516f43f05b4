import { basename, extname } from 'node:path';
import { isHttpUrl } from './source-location.js';

/**
 * A readable title made from a file name or the last segment of a URL path, for documents that name
 * themselves nowhere else: `2015-08-05-china-police_report.md` becomes `2015 08 05 china police report`,
 * then capitalised.
 *
 * @param source - A file path or URL.
 * @returns A non-empty title; the host name for a URL without a path.
 */
export function titleFromSource(source: string): string {
  let name: string;
  if (isHttpUrl(source)) {
    const url = new URL(source);
    const segments = url.pathname.split('/').filter((segment) => segment !== '');
    const last = segments.at(-1);
    name = last === undefined ? url.hostname : safeDecode(last);
  } else {
    name = basename(source);
  }
  const stem = name.slice(0, name.length - extname(name).length) || name;
  const words = stem
    .replace(/[-_.+]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (words === '') return name || source;
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed %-escape is still a usable name as written.
    return segment;
  }
}
