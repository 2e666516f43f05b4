import { contentTerms } from '../text/terms.js';

/**
 * A deterministic unit vector for a text, from its hashed content terms: texts sharing words point the
 * same way, so contract tests can check nearest-neighbour order without a model.
 */
export function textVector(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const term of contentTerms(text)) {
    let hash = 2166136261;
    for (let i = 0; i < term.length; i += 1) hash = Math.imul(hash ^ term.charCodeAt(i), 16777619);
    vector[(hash >>> 0) % dimensions]! += (hash & 1) === 0 ? 1 : -1;
  }
  return normalise(vector, 1);
}

/** A fixed unit vector, different for each seed. */
export function unitVector(dimensions: number, seed: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (let d = 0; d < dimensions; d += 1) vector[d] = Math.sin(seed * 12.9898 + d * 78.233);
  return normalise(vector, seed);
}

function normalise(vector: Float32Array, fallbackSeed: number): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) return unitVector(vector.length, fallbackSeed + 1);
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < vector.length; d += 1) vector[d]! *= scale;
  return vector;
}
