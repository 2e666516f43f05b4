import { describe, expect, it } from 'vitest';
import { quantizeColumns, quantizeRows } from './quantize.js';

// 2 x 3, row-major; the columns (and rows) have very different ranges.
const matrix = Float32Array.of(0.5, -0.01, 100, -0.25, 0.02, -50);

describe('quantizeColumns', () => {
  it('scales each column by its own largest magnitude', () => {
    const { values, scales } = quantizeColumns(matrix, 2, 3);
    expect(Array.from(scales)).toEqual([0.5 / 127, 0.02 / 127, 100 / 127].map(Math.fround));
    // -0.01 / (0.02 / 127) = -63.5, which Math.round takes to -63.
    expect(Array.from(values)).toEqual([127, -63, 127, -64, 127, -64]);
    for (let index = 0; index < matrix.length; index++) {
      const reconstructed = values[index]! * scales[index % 3]!;
      expect(Math.abs(reconstructed - matrix[index]!)).toBeLessThanOrEqual(scales[index % 3]! / 2 + 1e-9);
    }
  });

  it('gives an all-zero column a scale of 1 rather than dividing by zero', () => {
    const { values, scales } = quantizeColumns(Float32Array.of(0, 1, 0, -1), 2, 2);
    expect(scales[0]).toBe(1);
    expect(Array.from(values)).toEqual([0, 127, 0, -127]);
  });
});

describe('quantizeRows', () => {
  it('scales each row by its own largest magnitude', () => {
    const { values, scales } = quantizeRows(matrix, 2, 3);
    expect(Array.from(scales)).toEqual([100 / 127, 50 / 127].map(Math.fround));
    expect(Array.from(values)).toEqual([1, 0, 127, -1, 0, -127]);
  });
});
