/**
 * Argument checks of the fused recurrent cells (`lstmCell`, `gruCell`). Private to `src/ops/`.
 *
 * @module
 */

import { type DType, formatShape, isTensor, type Tensor } from "../tensor.ts";
import { describeValue } from "../_checks.ts";

/** What a cell's checks learn: rows, units and the dtype every tensor shares. */
export interface CellDims {
  readonly batch: number;
  readonly units: number;
  readonly dtype: DType;
}

/**
 * `zx` and `zh` (either may be undefined, not both unless `state` fixes the size) of shape
 * `[batch, gates·units]`, the state (`[batch, units]` or packed `[2, batch, units]`) and the
 * mask `[batch]`, all of one dtype.
 */
export function checkCellArgs(
  op: string,
  gates: number,
  zx: unknown,
  zh: unknown,
  state: unknown,
  mask: unknown,
): CellDims {
  const given: [string, Tensor][] = [];
  for (const [what, v] of [["zx", zx], ["zh", zh], ["the state", state]] as const) {
    if (v === undefined) continue;
    if (!isTensor(v)) {
      throw new TypeError(
        `Cannot ${op}: ${what} must be a tensor or undefined, got ${describeValue(v)}`,
      );
    }
    given.push([what, v]);
  }
  const z = (zx ?? zh) as Tensor | undefined;
  if (z === undefined) {
    throw new TypeError(`Cannot ${op}: zx and zh are both undefined (give at least one)`);
  }
  if (z.shape.length !== 2 || z.shape[1] % gates !== 0 || z.shape[1] === 0) {
    throw new TypeError(
      `Cannot ${op}: zx and zh must have shape [batch, ${gates}·units], got ${
        formatShape(z.shape)
      }`,
    );
  }
  const [batch, width] = z.shape;
  const units = width / gates;
  for (const [what, v] of given) {
    if (v.dtype !== z.dtype) {
      throw new TypeError(`Cannot ${op}: ${what} is ${v.dtype} but zx/zh are ${z.dtype}`);
    }
    if (what === "the state") {
      const ok = v.shape.length >= 2 && v.shape[v.shape.length - 2] === batch &&
        v.shape[v.shape.length - 1] === units;
      if (!ok) {
        throw new TypeError(
          `Cannot ${op}: the state has shape ${
            formatShape(v.shape)
          } for ${batch} rows of ${units} units`,
        );
      }
    } else if (v.shape.length !== 2 || v.shape[0] !== batch || v.shape[1] !== width) {
      throw new TypeError(
        `Cannot ${op}: ${what} has shape ${formatShape(v.shape)}, expected [${batch}, ${width}]`,
      );
    }
  }
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
