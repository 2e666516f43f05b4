import { TextDecoder } from 'node:util';
import { InputError } from '../shared/errors.js';

/**
 * Decodes the bytes of a text source.
 *
 * UTF-8 is expected: invalid sequences are an error rather than silently becoming U+FFFD, because a
 * mis-decoded article would be quoted wrongly in every citation. A UTF-8 or UTF-16 byte-order mark is
 * honoured and removed. A NUL byte (outside UTF-16) means the file is binary.
 *
 * @param bytes - The raw content.
 * @param source - Names the source in errors.
 * @param charset - A charset label from a `Content-Type` header.
 * @defaultValue charset - `utf-8`
 * @throws {@link InputError} `E_EMPTY`, `E_BINARY` or `E_ENCODING`.
 */
export function decodeText(bytes: Uint8Array, source: string, charset = 'utf-8'): string {
  if (bytes.length === 0) {
    throw new InputError('E_EMPTY', source, `${source} is empty`);
  }
  let encoding = charset;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  else if (bytes.includes(0)) {
    throw new InputError('E_BINARY', source, `Not a text file (binary content): ${source}`);
  }

  let decoder: TextDecoder;
  try {
    // TextDecoder strips a BOM that matches the encoding (ignoreBOM defaults to false).
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch (error) {
    throw new InputError('E_ENCODING', source, `Unknown text encoding "${encoding}": ${source}`, {
      cause: error,
    });
  }
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new InputError(
      'E_ENCODING',
      source,
      `Not valid ${decoder.encoding.toUpperCase()} text: ${source}`,
      {
        cause: error,
        hint: 'Save the file as UTF-8.',
      },
    );
  }
}
