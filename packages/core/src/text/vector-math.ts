/** Dot product; equals cosine similarity for the unit-length vectors embedders return. */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

/** Dot product of a float vector with an int8-quantised one (`values[d] * scale`), without dequantising. */
export function dotQuantised(vector: Float32Array, quantised: { values: Int8Array; scale: number }): number {
  const { values, scale } = quantised;
  let sum = 0;
  for (let d = 0; d < values.length; d += 1) sum += vector[d]! * values[d]!;
  return sum * scale;
}
