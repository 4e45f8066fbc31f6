/**
 * Tensors of every safetensors dtype, as stored: dtype name, shape and little-endian bytes.
 * gradstream computes in float32 and float64; a file from PyTorch may also hold `I64`
 * (batch norm's `num_batches_tracked`), `F16`, `BF16`, 8-bit floats, integers and booleans.
 * Decoding keeps those as {@linkcode StoredTensor}s instead of refusing the file, and
 * {@linkcode storedToTensor} converts the ones a float tensor can hold exactly.
 *
 * @module
 */

import { checkDType, describeValue } from "../_checks.ts";
import { type DType, fromTypedArray, type Tensor } from "../tensor.ts";

/** Every dtype the safetensors format (0.8) names. */
export type StoredDType =
  | "BOOL"
  | "F4"
  | "F6_E2M3"
  | "F6_E3M2"
  | "U8"
  | "I8"
  | "F8_E5M2"
  | "F8_E4M3"
  | "F8_E8M0"
  | "F8_E4M3FNUZ"
  | "F8_E5M2FNUZ"
  | "I16"
  | "U16"
  | "F16"
  | "BF16"
  | "I32"
  | "U32"
  | "F32"
  | "C64"
  | "F64"
  | "I64"
  | "U64";

/** Bits per element of each dtype (a null-prototype table: no name reaches `Object.prototype`). */
export const DTYPE_BITS: Readonly<Record<StoredDType, number>> = Object.freeze(
  Object.assign(Object.create(null), {
    BOOL: 8,
    F4: 4,
    F6_E2M3: 6,
    F6_E3M2: 6,
    U8: 8,
    I8: 8,
    F8_E5M2: 8,
    F8_E4M3: 8,
    F8_E8M0: 8,
    F8_E4M3FNUZ: 8,
    F8_E5M2FNUZ: 8,
    I16: 16,
    U16: 16,
    F16: 16,
    BF16: 16,
    I32: 32,
    U32: 32,
    F32: 32,
    C64: 64,
    F64: 64,
    I64: 64,
    U64: 64,
  }),
);

/** Whether `name` is a safetensors dtype (own property of the table, never a prototype's). */
export function isStoredDType(name: string): name is StoredDType {
  return Object.hasOwn(DTYPE_BITS, name);
}

/** A tensor as a safetensors file stores it, for dtypes a gradstream tensor does not hold. */
export interface StoredTensor {
  /** The safetensors dtype. */
  readonly dtype: StoredDType;
  /**
   * The shape. A dimension above 2^53 - 1 (possible only in an empty tensor) is rounded here;
   * {@linkcode StoredTensor.exactShape} then holds the exact one.
   */
  readonly shape: readonly number[];
  /** The exact shape, present only when some dimension exceeds `Number.MAX_SAFE_INTEGER`. */
  readonly exactShape?: readonly bigint[];
  /** The elements' bytes, little-endian, row-major (a copy owned by this value). */
  readonly bytes: Uint8Array;
}

/** Whether a value is a {@linkcode StoredTensor}. */
export function isStoredTensor(value: unknown): value is StoredTensor {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<StoredTensor>;
  return typeof v.dtype === "string" && isStoredDType(v.dtype) && Array.isArray(v.shape) &&
    v.bytes instanceof Uint8Array;
}

const F16_SCALE = 2 ** -24;

function f16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * frac * F16_SCALE;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

type Reader = (view: DataView, offset: number) => number;
const READERS: Readonly<Partial<Record<StoredDType, readonly [Reader, DType]>>> = Object.freeze(
  Object.assign(Object.create(null), {
    BOOL: [(v: DataView, o: number) => v.getUint8(o) === 0 ? 0 : 1, "float64"],
    U8: [(v: DataView, o: number) => v.getUint8(o), "float64"],
    I8: [(v: DataView, o: number) => v.getInt8(o), "float64"],
    U16: [(v: DataView, o: number) => v.getUint16(o, true), "float64"],
    I16: [(v: DataView, o: number) => v.getInt16(o, true), "float64"],
    U32: [(v: DataView, o: number) => v.getUint32(o, true), "float64"],
    I32: [(v: DataView, o: number) => v.getInt32(o, true), "float64"],
    I64: [(v: DataView, o: number) => Number(v.getBigInt64(o, true)), "float64"],
    U64: [(v: DataView, o: number) => Number(v.getBigUint64(o, true)), "float64"],
    F16: [(v: DataView, o: number) => f16ToNumber(v.getUint16(o, true)), "float32"],
    // bfloat16 is the top half of a float32; the loop below reads it through a float32 view.
    BF16: [(v: DataView, o: number) => v.getUint16(o, true), "float32"],
    F32: [(v: DataView, o: number) => v.getFloat32(o, true), "float32"],
    F64: [(v: DataView, o: number) => v.getFloat64(o, true), "float64"],
  }),
);

/**
 * Converts a stored tensor to a gradstream tensor when every value survives exactly: `F16`
 * and `BF16` widen to float32; `BOOL` (as 0/1), 8-, 16- and 32-bit integers widen to
 * float64; `I64`/`U64` become float64 when each value is at most 2^53 in magnitude. `dtype`
 * asks for another float type (float64 from F16, say; float32 from integers only when exact).
 * Throws a `TypeError` naming `name` for dtypes with no exact float form (F4, F6, F8, C64)
 * and a `RangeError` for a value that would be rounded.
 *
 * @example
 * ```ts
 * import { storedToTensor } from "./stored_tensor.ts";
 * // One I64 scalar (7) and two F16 values (1.5, -2), as PyTorch writes them.
 * const count = storedToTensor({ dtype: "I64", shape: [], bytes: new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0]) });
 * const half = storedToTensor({ dtype: "F16", shape: [2], bytes: new Uint8Array([0, 0x3e, 0, 0xc0]) });
 * if (count.data[0] !== 7 || half.data[0] !== 1.5 || half.data[1] !== -2) throw new Error("unexpected");
 * ```
 */
export function storedToTensor(stored: StoredTensor, dtype?: DType, name = "tensor"): Tensor {
  if (dtype !== undefined) checkDType("storedToTensor", dtype);
  if (!isStoredTensor(stored)) {
    throw new TypeError(
      `storedToTensor: expected a StoredTensor { dtype, shape, bytes } (from a decoded file's ` +
        `others), got ${describeValue(stored)}`,
    );
  }
  const op = "storedToTensor";
  const entry = READERS[stored.dtype];
  if (entry === undefined || stored.exactShape !== undefined) {
    throw new TypeError(
      `${op}: ${name} is ${stored.dtype}${
        stored.exactShape ? " with a dimension above 2^53" : ""
      }, which has no exact float32/float64 form in gradstream; its bytes are kept as a StoredTensor`,
    );
  }
  const [read, natural] = entry;
  const target = dtype ?? natural;
  const size = DTYPE_BITS[stored.dtype] / 8;
  const count = stored.bytes.length / size;
  const view = new DataView(stored.bytes.buffer, stored.bytes.byteOffset, stored.bytes.length);
  const out = target === "float64" ? new Float64Array(count) : new Float32Array(count);
  const wide = stored.dtype === "I64" || stored.dtype === "U64";
  const widening = natural === "float32" || target === "float64";
  const bf16 = stored.dtype === "BF16" ? new DataView(new ArrayBuffer(4)) : undefined;
  for (let k = 0; k < count; k++) {
    let v = read(view, k * size);
    if (bf16 !== undefined) {
      bf16.setUint32(0, v * 65536);
      v = bf16.getFloat32(0);
    }
    out[k] = v;
    if (wide) {
      const exact = stored.dtype === "I64"
        ? view.getBigInt64(k * size, true)
        : view.getBigUint64(k * size, true);
      if (BigInt(v) !== exact) {
        throw new RangeError(
          `${op}: ${name} (${stored.dtype}) holds ${exact} at index ${k}, which float64 cannot ` +
            `hold exactly`,
        );
      }
    }
    if (!widening && !Object.is(out[k], v) && v === v) {
      throw new RangeError(
        `${op}: ${name} (${stored.dtype}) holds ${v} at index ${k}, which ${target} rounds to ` +
          `${out[k]}; ask for float64`,
      );
    }
  }
  return fromTypedArray(out, stored.shape);
}
