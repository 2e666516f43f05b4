const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Turns a date found in front matter or page metadata into an ISO 8601 string.
 *
 * A date without a time of day stays a date (`2015-08-05`): YAML parses `2015-08-05` as midnight UTC, and
 * turning that into `2015-08-05T00:00:00.000Z` would claim a precision the source never had.
 * Anything with a time becomes a full UTC date-time.
 *
 * @param value - A `Date`, a date string, or anything else.
 * @returns The ISO string, or `undefined` when `value` is not a valid date.
 */
export function normalizeDate(value: unknown): string | undefined {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (ISO_DATE.test(text)) {
    return Number.isNaN(Date.parse(text)) ? undefined : text;
  }
  const time = Date.parse(text);
  if (Number.isNaN(time)) return undefined;
  // A bare date in another spelling ("5 August 2015") parses as local midnight; keep only the day.
  const hasTime = /\d:\d/.test(text);
  if (!hasTime) {
    const date = new Date(time);
    const pad = (part: number) => String(part).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }
  return new Date(time).toISOString();
}
