import { describe, expect, it } from 'vitest';
import { dotQuantised } from '../../text/vector-math.js';
import { decodeSentenceVectors, encodeSentenceVectors } from './sentence-vectors.js';

const unit = (values: number[]) => {
  const norm = Math.hypot(...values);
  return Float32Array.from(values, (value) => value / norm);
};

describe('sentence vector blobs', () => {
  const sentences = [
    { start: 0, end: 42, vector: unit([0.3, -0.2, 0.9, 0.01, -0.5, 0.25]) },
    { start: 43, end: 100, vector: unit([-0.7, 0.1, 0.05, 0.6, 0.2, -0.3]) },
  ];

  it('round-trips offsets exactly and vectors within int8 precision', () => {
    const decoded = decodeSentenceVectors(encodeSentenceVectors(sentences));
    expect(decoded.map(({ start, end }) => [start, end])).toEqual([
      [0, 42],
      [43, 100],
    ]);
    for (const [index, stored] of decoded.entries()) {
      const original = sentences[index]!.vector;
      // Unit vectors: the dot product with the original is the cosine, and with itself ~1.
      expect(dotQuantised(original, stored)).toBeGreaterThan(0.999);
      expect(dotQuantised(original, stored)).toBeLessThan(1.001);
    }
  });

  it('stores a byte per dimension, not four', () => {
    expect(encodeSentenceVectors(sentences).length).toBe(8 + 2 * (12 + 6));
  });

  it('keeps the entries before a truncation and reads an empty blob as none', () => {
    const blob = encodeSentenceVectors(sentences);
    expect(decodeSentenceVectors(blob.subarray(0, blob.length - 3))).toHaveLength(1);
    expect(decodeSentenceVectors(new Uint8Array(0))).toEqual([]);
  });

  it('refuses vectors of different lengths in one chunk', () => {
    expect(() =>
      encodeSentenceVectors([sentences[0]!, { start: 1, end: 2, vector: new Float32Array(3) }]),
    ).toThrow(RangeError);
  });
});
