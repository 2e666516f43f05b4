import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { float16ToFloat32, readSafetensors } from './safetensors.js';

const halves = (...bits: number[]): Uint8Array => new Uint8Array(Uint16Array.from(bits).buffer);

describe('float16ToFloat32', () => {
  it('converts normal, subnormal, signed-zero and infinite half floats', () => {
    const out = float16ToFloat32(halves(0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x3555));
    expect(Array.from(out.subarray(0, 4))).toEqual([1, -2, 65504, 2 ** -24]);
    expect(Object.is(out[4], -0)).toBe(true);
    expect(out[5]).toBe(Number.POSITIVE_INFINITY);
    expect(out[6]).toBeCloseTo(1 / 3, 3);
  });
});

describe('readSafetensors', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('reads F16 and F32 tensors at their offsets and skips integer ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safetensors-'));
    dirs.push(dir);
    const f16 = halves(0x3c00, 0x4000); // 1, 2
    const f32 = new Uint8Array(Float32Array.of(0.5, -1.5, 3).buffer);
    const i64 = new Uint8Array(BigInt64Array.of(7n).buffer);
    const header = JSON.stringify({
      __metadata__: { format: 'pt' },
      half: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      ids: { dtype: 'I64', shape: [1], data_offsets: [4, 12] },
      single: { dtype: 'F32', shape: [1, 3], data_offsets: [12, 24] },
    });
    // Padding spaces put the F32 data off a 4-byte boundary of the file, which the reader must handle.
    const headerBytes = Buffer.from(header + ' '.repeat((5 - (header.length % 4)) % 4));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(headerBytes.length));
    await writeFile(join(dir, 'x.safetensors'), Buffer.concat([length, headerBytes, f16, i64, f32]));

    const tensors = await readSafetensors(join(dir, 'x.safetensors'));
    expect([...tensors.keys()].sort()).toEqual(['half', 'single']);
    expect(Array.from(tensors.get('half')!.data)).toEqual([1, 2]);
    expect(tensors.get('single')!.shape).toEqual([1, 3]);
    expect(Array.from(tensors.get('single')!.data)).toEqual([0.5, -1.5, 3]);
  });
});
