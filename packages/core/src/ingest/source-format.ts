/** A `Content-Type` header split into its media type and charset. */
export interface ContentType {
  /** Lower-case media type without parameters, e.g. `text/html`; empty when the header is missing. */
  mediaType: string;
  /** The `charset` parameter, lower-case, when given. */
  charset?: string;
}

/**
 * Parses a `Content-Type` header value.
 *
 * @param header - The raw header value, or `null` when the response had none.
 */
export function parseContentType(header: string | null): ContentType {
  const [mediaType = '', ...parameters] = (header ?? '').split(';');
  const result: ContentType = { mediaType: mediaType.trim().toLowerCase() };
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=', 2);
    if (name?.trim().toLowerCase() === 'charset' && value) {
      result.charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
    }
  }
  return result;
}
