/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * A deterministic unit vector for `text`: lower-cased words are hashed into signed buckets (feature
 * hashing), so texts sharing words get a positive cosine similarity and retrieval tests behave
 * plausibly. Text without words gets a hash-seeded pseudo-random vector, never a zero one.
 *
 * @example
 * ```ts
 * const vector = deterministicEmbedding('solar panels', 8); // same input, same vector, every run
 * ```
 */
export function deterministicEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    // Two buckets per word, so one collision does not erase a word.
    for (const seed of [0x811c9dc5, 0x01000193]) {
      const hash = fnv1a(word, seed);
      const index = hash % dimensions;
      vector[index] = (vector[index] ?? 0) + (hash & 0x80000000 ? -1 : 1);
    }
  }
  if (!vector.some((value) => value !== 0)) {
    let state = fnv1a(text) || 1;
    for (let i = 0; i < dimensions; i++) {
      // xorshift32: cheap, deterministic, good enough for a test vector.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      vector[i] = ((state >>> 0) / 0xffffffff) * 2 - 1;
    }
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0)) || 1;
  return vector.map((value) => value / norm);
}

/** Base64 of the little-endian float32 bytes of `vector`, as OpenAI sends with `encoding_format: "base64"`. */
export function toBase64Float32(vector: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  for (const [i, value] of vector.entries()) view.setFloat32(i * 4, value, true);
  return Buffer.from(view.buffer).toString('base64');
}
