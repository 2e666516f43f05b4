import { readFile } from 'node:fs/promises';

/** One tensor read from a safetensors file, converted to fp32. */
export interface Float32Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Reads every floating-point tensor of a safetensors file and converts it to fp32.
 *
 * The format is an 8-byte little-endian header length, a JSON header mapping tensor names to
 * `{ dtype, shape, data_offsets }` (offsets relative to the end of the header), then the raw data.
 * Integer tensors (BERT's `position_ids` buffer) are skipped: the graph computes positions itself.
 *
 * @param path - The `.safetensors` file.
 * @returns Tensors by name.
 * @throws Error when the file is truncated or holds a dtype other than F16, F32, I64.
 */
export async function readSafetensors(path: string): Promise<Map<string, Float32Tensor>> {
  const bytes = await readFile(path);
  if (bytes.length < 8) throw new Error(`${path}: too short for a safetensors file`);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const dataStart = 8 + headerLength;
  if (dataStart > bytes.length) throw new Error(`${path}: header length ${headerLength} exceeds the file`);
  const header = JSON.parse(bytes.subarray(8, dataStart).toString('utf8')) as Record<string, unknown>;

  const tensors = new Map<string, Float32Tensor>();
  let halfToFloat: Uint32Array | undefined;
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = value as HeaderEntry;
    const [begin, end] = entry.data_offsets;
    if (dataStart + end > bytes.length)
      throw new Error(`${path}: tensor ${name} runs past the end of the file`);
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    switch (entry.dtype) {
      case 'F16':
        halfToFloat ??= buildHalfToFloatTable();
        tensors.set(name, { shape: entry.shape, data: float16ToFloat32(raw, halfToFloat) });
        break;
      case 'F32': {
        // Copy: the slice may not be 4-byte aligned inside the file buffer.
        const data = new Float32Array(raw.length / 4);
        new Uint8Array(data.buffer).set(raw);
        tensors.set(name, { shape: entry.shape, data });
        break;
      }
      case 'I64':
        break;
      default:
        throw new Error(`${path}: tensor ${name} has unsupported dtype ${entry.dtype}`);
    }
  }
  return tensors;
}

/**
 * Converts little-endian IEEE 754 half floats to fp32 through `table`, the fp32 bit pattern of each of
 * the 65,536 half floats (256 KB, from {@link buildHalfToFloatTable}): a lookup per weight converts the
 * ~22 M weights of MiniLM in tens of milliseconds.
 */
export function float16ToFloat32(
  raw: Uint8Array,
  table: Uint32Array = buildHalfToFloatTable(),
): Float32Array {
  const count = raw.length >>> 1;
  const out = new Float32Array(count);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) {
    outBits[i] = table[raw[2 * i]! | (raw[2 * i + 1]! << 8)]!;
  }
  return out;
}

/** The fp32 bit pattern of every half float, indexed by its 16 bits. */
export function buildHalfToFloatTable(): Uint32Array {
  const table = new Uint32Array(65536);
  const view = new DataView(new ArrayBuffer(4));
  for (let half = 0; half < 65536; half++) {
    const sign = half & 0x8000 ? -1 : 1;
    const exponent = (half >> 10) & 0x1f;
    const fraction = half & 0x3ff;
    let value: number;
    if (exponent === 0) value = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 0x1f) value = fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else value = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
    view.setFloat32(0, value, true);
    table[half] = view.getUint32(0, true);
  }
  return table;
}
