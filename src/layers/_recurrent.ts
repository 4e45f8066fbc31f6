/**
 * The machinery `rnn`, `lstm` and `gru` share: option checks, the input tree, masks, the
 * initial and carried state, and the output modes. Each layer gives a {@linkcode CellSpec}:
 * its parameters and the loop over time steps. Private to `src/layers/`.
 *
 * @module
 */

import type { Ops } from "../autodiff/ops.ts";
import type { Key } from "../random.ts";
import {
  allocate,
  DEFAULT_DTYPE,
  type DType,
  formatShape,
  fromTypedArray,
  isTensor,
  type Shape,
  type Tensor,
} from "../tensor.ts";
import type { Tree } from "../tree.ts";
import {
  checkBoolean,
  checkDType,
  checkFunction,
  checkInteger,
  checkKey,
  checkOptions,
  checkShape,
  describeValue,
  MAX_ELEMENTS,
} from "../_checks.ts";
import { describeTreeOf } from "../_tree_walk.ts";
import type { Initializer } from "../init.ts";
import type { ShapeTree } from "./layer.ts";
import { checkContext, describeShapeTree } from "./_layer_checks.ts";
import { glorotUniform, orthogonal } from "../init.ts";
import type {
  RecurrentInfo,
  RecurrentLayer,
  RecurrentOptions,
  RecurrentOutput,
} from "./recurrent.ts";

/** The options every recurrent layer checked, with defaults filled in. */
export interface RecurrentConfig {
  readonly op: string;
  readonly units: number;
  readonly output: RecurrentOutput;
  readonly stateful: boolean;
  readonly useBias: boolean;
  readonly kernelInit: Initializer;
  readonly recurrentInit: Initializer;
  readonly dtype: DType;
}

const COMMON = ["output", "stateful", "useBias", "kernelInit", "recurrentInit", "dtype"];

/** Checks `units` and the options (the common ones and `extra`) under the factory's name. */
export function recurrentConfig(
  op: string,
  units: unknown,
  options: unknown,
  extra: readonly string[],
): [RecurrentConfig, Record<string, unknown>] {
  checkInteger(op, "units", units, { min: 1, max: MAX_ELEMENTS });
  const o = checkOptions(op, options as RecurrentOptions, [...COMMON, ...extra]) as Record<
    string,
    unknown
  >;
  const output = o.output === undefined ? "sequence" : o.output;
  if (output !== "sequence" && output !== "last" && output !== "both") {
    const Ctor = typeof output === "string" ? RangeError : TypeError;
    throw new Ctor(
      `${op}: output must be "sequence", "last" or "both", got ${describeValue(output)}`,
    );
  }
  const { stateful = false, useBias = true, dtype = DEFAULT_DTYPE } = o;
  const { kernelInit = glorotUniform } = o;
  const { recurrentInit = orthogonal } = o;
  checkBoolean(op, "stateful", stateful);
  checkBoolean(op, "useBias", useBias);
  checkFunction(op, "kernelInit", kernelInit, "an initialiser (key, shape, options) => Tensor");
  checkFunction(
    op,
    "recurrentInit",
    recurrentInit,
    "an initialiser (key, shape, options) => Tensor",
  );
  checkDType(op, dtype);
  const config = {
    op,
    units: units as number,
    output,
    stateful,
    useBias,
    kernelInit: kernelInit as Initializer,
    recurrentInit: recurrentInit as Initializer,
    dtype: dtype as DType,
  } as RecurrentConfig;
  return [config, o];
}

/** What one cell type gives the shared layer: parameters, state form and the time loop. */
export interface CellSpec<P extends Tree, St extends Tree> {
  /** Fresh parameters for `features` inputs. */
  initParams(key: Key, features: number): P;
  /** Throws naming the layer unless `params` fit `features` inputs of dtype `dtype`. */
  checkParams(params: unknown, features: number, dtype: DType): asserts params is P;
  /** The shape tree of one example's state: `[units]` or `{ h: [units], c: [units] }`. */
  readonly stateShape: ShapeTree;
  /** The state (of the state's form) for `batch` rows of zeros, or checks a given one. */
  checkState(what: string, state: unknown, batch: number, dtype: DType): St;
  /** The state with batch `batch` filled with zeros (batch 0: the empty carried state). */
  zeroState(batch: number, dtype: DType): St;
  /**
   * Runs the cell over the time steps of `x` `[batch, time, features]` from `init`
   * (`undefined`: zeros), each step's `mask` (`[batch]`, a constant) if any. Returns each
   * step's output `[batch, units]` (when `wantSequence`), the final output, and the final state
   * when `wantState`.
   */
  run(
    t: Ops,
    params: P,
    x: Tensor,
    masks: readonly Tensor[] | undefined,
    init: St | undefined,
    wantState: boolean,
    wantSequence: boolean,
  ): { hs: Tensor[]; last: Tensor; final: St | undefined };
}

/** A parameter of `shape` and `dtype`, or a `TypeError` naming the layer and the values. */
export function checkWeight(
  op: string,
  value: unknown,
  what: string,
  shape: Shape,
  dtype: DType,
): void {
  if (!isTensor(value)) {
    throw new TypeError(
      `Cannot ${op}: ${what} must be a tensor of shape ${formatShape(shape)}, got ${
        describeValue(value)
      }`,
    );
  }
  if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
    const hint = what.startsWith("the input kernel") && value.shape.length === 2 &&
        value.shape[1] === shape[1]
      ? ` (the layer was initialised for ${value.shape[0]} features, the input has ${shape[0]})`
      : "";
    throw new TypeError(
      `Cannot ${op}: ${what} has shape ${formatShape(value.shape)}, expected ${
        formatShape(shape)
      }${hint}`,
    );
  }
  if (value.dtype !== dtype) {
    throw new TypeError(
      `Cannot ${op}: ${what} is ${value.dtype} but the input is ${dtype} ` +
        `(parameters and inputs must share a dtype)`,
    );
  }
}

/** `init`'s example shape: `[time, features]` or `{ inputs, mask?, state? }`; the sizes. */
function initShapes(op: string, inShape: unknown): { time: number; features: number } {
  const tree = typeof inShape === "object" && inShape !== null && !Array.isArray(inShape);
  const s = tree ? (inShape as { inputs?: unknown }).inputs : inShape;
  const ok = Array.isArray(s) && s.length === 2 && s.every((d) => Number.isInteger(d) && d >= 1);
  if (!ok) {
    throw new TypeError(
      `${op} init: examples must be sequences [time, features] (or { inputs: [time, features], ` +
        `mask?, state? }) with sizes >= 1, got ${describeShapeTree(inShape)}`,
    );
  }
  checkShape(`${op} init`, s, "the example shape");
  return { time: s[0], features: s[1] };
}

/** The input tree's parts, checked: `inputs` `[batch, time, features]`, `mask`, `state`. */
function parseInput(op: string, x: unknown): { inputs: Tensor; mask?: Tensor; state?: unknown } {
  let inputs: unknown = x, mask: unknown, state: unknown;
  if (!isTensor(x)) {
    const keys = ["inputs", "mask", "state"];
    const ok = typeof x === "object" && x !== null && !Array.isArray(x) && "inputs" in x &&
      Object.keys(x).every((k) => keys.includes(k));
    if (!ok) {
      throw new TypeError(
        `Cannot ${op}: the input must be a tensor [batch, time, features] or ` +
          `{ inputs, mask?, state? }, got ${describeTreeOf(x)}`,
      );
    }
    ({ inputs, mask, state } = x as { inputs: unknown; mask?: unknown; state?: unknown });
  }
  if (!isTensor(inputs) || inputs.shape.length !== 3 || inputs.shape[1] < 1) {
    throw new TypeError(
      `Cannot ${op}: expected inputs [batch, time, features] of rank 3 with time >= 1, got ${
        isTensor(inputs) ? `shape ${formatShape(inputs.shape)}` : describeValue(inputs)
      }`,
    );
  }
  if (mask !== undefined) checkMask(op, mask, inputs);
  return { inputs, mask: mask as Tensor | undefined, state };
}

function checkMask(op: string, mask: unknown, x: Tensor): asserts mask is Tensor {
  const [batch, time] = x.shape;
  if (
    !isTensor(mask) || mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time
  ) {
    throw new TypeError(
      `Cannot ${op}: the mask must have shape [${batch}, ${time}] (batch and time of inputs ${
        formatShape(x.shape)
      }), got ${isTensor(mask) ? `shape ${formatShape(mask.shape)}` : describeValue(mask)}`,
    );
  }
  const bad = mask.data.findIndex((v) => v !== 0 && v !== 1);
  if (bad >= 0) {
    throw new RangeError(
      `Cannot ${op}: mask values must be 0 (padding) or 1 (valid), got ${mask.data[bad]} at ` +
        `[${Math.floor(bad / time)}, ${bad % time}]`,
    );
  }
}

/** Each step's column of the mask as a `[batch]` tensor of `dtype`. */
function maskSteps(mask: Tensor, dtype: DType): Tensor[] {
  const [batch, time] = mask.shape;
  const out: Tensor[] = [];
  for (let s = 0; s < time; s++) {
    const m = allocate(dtype, batch);
    for (let b = 0; b < batch; b++) m[b] = mask.data[b * time + s];
    out.push(fromTypedArray(m, [batch]));
  }
  return out;
}

/** A recurrent layer from its configuration and cell. */
export function recurrentLayer<P extends Tree, St extends Tree>(
  c: RecurrentConfig,
  cell: CellSpec<P, St>,
): RecurrentLayer<P, St> {
  const { op, units, output, stateful } = c;
  const emptyState = stateful ? cell.zeroState(0, c.dtype) : null;
  const recurrent: RecurrentInfo = Object.freeze({
    cell: op,
    units,
    output,
    stateful,
    emptyState,
  });
  return {
    name: op,
    recurrent,
    init: (key, inShape) => {
      checkKey(`${op} init`, key);
      const { time, features } = initShapes(op, inShape);
      const params = cell.initParams(key, features);
      const outShape: ShapeTree = output === "sequence"
        ? [time, units]
        : output === "last"
        ? [units]
        : { outputs: [time, units], state: cell.stateShape };
      return { outShape, params, state: emptyState as St | null };
    },
    apply: (t, params, state, x, ctx) => {
      checkContext(op, ctx, t);
      const { inputs, mask, state: given } = parseInput(op, x);
      const [batch, , features] = inputs.shape;
      const dtype = inputs.dtype;
      cell.checkParams(params, features, dtype);
      let init = given === undefined
        ? undefined
        : cell.checkState("the initial state (input.state)", given, batch, dtype);
      if (!stateful) {
        if (state !== null) {
          throw new TypeError(
            `Cannot ${op}: a layer that is not stateful has no state, so state must be null ` +
              `(as init returned it), got ${describeTreeOf(state)}`,
          );
        }
      } else {
        const carried = cell.checkState("the carried state", state, -1, dtype);
        const rows = (isTensor(carried) ? carried : (carried as { h: Tensor }).h).shape[0];
        if (rows !== 0 && rows !== batch && ctx.training && init === undefined) {
          throw new TypeError(
            `Cannot ${op}: the carried state has ${rows} rows but the batch has ${batch} ` +
              `(a stateful layer needs batches of one size: batches(..., { dropLast: true }), ` +
              `or resetState(model, state) between runs)`,
          );
        }
        if (rows !== 0 && ctx.training && init === undefined) init = carried;
      }
      const masks = mask === undefined ? undefined : maskSteps(mask, dtype);
      const wantState = output === "both" || (stateful && ctx.training);
      const r = cell.run(t, params, inputs, masks, init, wantState, output !== "last");
      const next = stateful && ctx.training ? r.final as St : state;
      if (output === "last") return { y: r.last, state: next };
      let seq = t.stack(r.hs, 1);
      if (mask !== undefined) {
        const m = allocate(dtype, mask.data.length);
        m.set(mask.data);
        seq = t.mul(seq, fromTypedArray(m, [batch, inputs.shape[1], 1]));
      }
      if (output === "sequence") return { y: seq, state: next };
      return { y: { outputs: seq, state: r.final as St }, state: next };
    },
  } as RecurrentLayer<P, St>;
}
