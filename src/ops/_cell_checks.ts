/**
 * What the fused recurrent cells (`lstmCell`, `gruCell`) share: their argument checks and the
 * masked rows' pass-through of a cotangent. Private to `src/ops/`.
 *
 * @module
 */

import { type DType, type FloatArray, formatShape, isTensor, type Shape } from "../tensor.ts";
import { describeValue } from "../_checks.ts";

/** What a cell's checks learn: rows, units and the dtype every tensor shares. */
export interface CellDims {
  readonly batch: number;
  readonly units: number;
  readonly dtype: DType;
}

function shapeIs(shape: Shape, expected: readonly number[]): boolean {
  return shape.length === expected.length && shape.every((d, i) => d === expected[i]);
}

/**
 * `zx` `[batch, gates·units]`, the state (`undefined`, `[batch, units]` or, with
 * `stateRank` 3, the packed `[2, batch, units]`), the recurrent kernel `u` `[units,
 * gates·units]`, an optional `extra` bias `[gates·units]` and the mask `[batch]`, all but the
 * mask of one dtype.
 */
export function checkCellArgs(
  op: string,
  gates: number,
  zx: unknown,
  state: unknown,
  u: unknown,
  mask: unknown,
  stateRank: 2 | 3,
  extra?: { what: string; value: unknown },
): CellDims {
  const tensor = (what: string, v: unknown, form: string) => {
    if (!isTensor(v)) {
      throw new TypeError(
        `Cannot ${op}: ${what} must be a tensor ${form}, got ${describeValue(v)}`,
      );
    }
    return v;
  };
  const z = tensor("zx (the input projection)", zx, `[batch, ${gates}·units]`);
  if (z.shape.length !== 2 || z.shape[1] % gates !== 0 || z.shape[1] === 0) {
    throw new TypeError(
      `Cannot ${op}: zx must have shape [batch, ${gates}·units], got ${formatShape(z.shape)}`,
    );
  }
  const [batch, width] = z.shape;
  const units = width / gates;
  const expect = (what: string, v: unknown, shape: number[]) => {
    const t = tensor(what, v, formatShape(shape));
    if (!shapeIs(t.shape, shape)) {
      throw new TypeError(
        `Cannot ${op}: ${what} has shape ${formatShape(t.shape)}, expected ${
          formatShape(shape)
        } (zx is ${formatShape(z.shape)})`,
      );
    }
    if (t.dtype !== z.dtype) {
      throw new TypeError(`Cannot ${op}: ${what} is ${t.dtype} but zx is ${z.dtype}`);
    }
  };
  if (state !== undefined) {
    expect("the state", state, stateRank === 3 ? [2, batch, units] : [batch, units]);
  }
  expect("the recurrent kernel u", u, [units, width]);
  if (extra !== undefined && extra.value !== undefined) expect(extra.what, extra.value, [width]);
  if (mask !== undefined) {
    if (!isTensor(mask) || mask.shape.length !== 1 || mask.shape[0] !== batch) {
      throw new TypeError(
        `Cannot ${op}: the mask must be a tensor of shape [${batch}], got ${
          isTensor(mask) ? formatShape(mask.shape) : describeValue(mask)
        }`,
      );
    }
  }
  return { batch, units, dtype: z.dtype };
}

/** `dh[row] += dy[row]` for the masked rows, whose state (and so its cotangent) passed through. */
export function passMasked(
  dy: FloatArray,
  mask: FloatArray,
  batch: number,
  units: number,
  dh: FloatArray,
): void {
  for (let b = 0; b < batch; b++) {
    if (mask[b] !== 0) continue;
    for (let j = 0; j < units; j++) dh[b * units + j] += dy[b * units + j];
  }
}

/** What a sequence's checks learn: the sizes and the dtype every tensor shares. */
export interface SequenceDims extends CellDims {
  readonly time: number;
  readonly features: number;
}

/**
 * `x` `[batch, time, features]` (time >= 1), the initial state (`undefined`, `[batch, units]`
 * or, with `stateRank` 3, the packed `[2, batch, units]`), the input kernel `w` `[features,
 * gates·units]`, the recurrent kernel `u` `[units, gates·units]`, the optional biases
 * `[gates·units]`, the mask `[batch, time]` and the `sequence` flag; all but the mask of one
 * dtype.
 */
export function checkSequenceArgs(
  op: string,
  gates: number,
  x: unknown,
  state: unknown,
  w: unknown,
  u: unknown,
  biases: readonly { what: string; value: unknown }[],
  mask: unknown,
  sequence: unknown,
  stateRank: 2 | 3,
): SequenceDims {
  if (!isTensor(x) || x.shape.length !== 3 || x.shape[1] < 1) {
    throw new TypeError(
      `Cannot ${op}: x must be a tensor [batch, time, features] with time >= 1, got ${
        isTensor(x) ? `shape ${formatShape(x.shape)}` : describeValue(x)
      }`,
    );
  }
  const [batch, time, features] = x.shape;
  if (!isTensor(w) || w.shape.length !== 2 || w.shape[0] !== features) {
    throw new TypeError(
      `Cannot ${op}: the input kernel w must be a tensor [${features}, ${gates}·units] ` +
        `(x is ${formatShape(x.shape)}), got ${
          isTensor(w) ? `shape ${formatShape(w.shape)}` : describeValue(w)
        }`,
    );
  }
  const width = w.shape[1];
  if (width % gates !== 0 || width === 0) {
    throw new TypeError(
      `Cannot ${op}: the input kernel w must have ${gates}·units columns, got shape ${
        formatShape(w.shape)
      }`,
    );
  }
  const units = width / gates;
  const expect = (what: string, v: unknown, shape: number[]) => {
    if (!isTensor(v) || !shapeIs(v.shape, shape)) {
      throw new TypeError(
        `Cannot ${op}: ${what} must be a tensor ${formatShape(shape)} (x is ${
          formatShape(x.shape)
        }, w is ${formatShape(w.shape)}), got ${
          isTensor(v) ? `shape ${formatShape(v.shape)}` : describeValue(v)
        }`,
      );
    }
    if (v.dtype !== x.dtype) {
      throw new TypeError(`Cannot ${op}: ${what} is ${v.dtype} but x is ${x.dtype}`);
    }
  };
  expect("the input kernel w", w, [features, width]);
  expect("the recurrent kernel u", u, [units, width]);
  for (const b of biases) if (b.value !== undefined) expect(b.what, b.value, [width]);
  if (state !== undefined) {
    expect("the initial state", state, stateRank === 3 ? [2, batch, units] : [batch, units]);
  }
  if (mask !== undefined && (!isTensor(mask) || !shapeIs(mask.shape, [batch, time]))) {
    throw new TypeError(
      `Cannot ${op}: the mask must be a tensor of shape [${batch}, ${time}], got ${
        isTensor(mask) ? formatShape(mask.shape) : describeValue(mask)
      }`,
    );
  }
  if (sequence !== undefined && typeof sequence !== "boolean") {
    throw new TypeError(
      `Cannot ${op}: sequence must be a boolean (every step's state, or the last), got ${
        describeValue(sequence)
      }`,
    );
  }
  return { batch, time, features, units, dtype: x.dtype };
}
