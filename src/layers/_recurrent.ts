/**
 * The machinery `rnn`, `lstm` and `gru` share: option checks, the input tree, masks, the
 * initial and carried state, and the output modes. Each layer gives a {@linkcode CellSpec}:
 * its parameters and the loop over time steps. Private to `src/layers/`.
 *
 * @module
 */

import type { Ops } from "../autodiff/ops.ts";
import { type Key, split } from "../random.ts";
import {
  allocate,
  DEFAULT_DTYPE,
  type DType,
  type FloatArray,
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
  describeValue,
  MAX_ELEMENTS,
} from "../_checks.ts";
import { describeTreeOf } from "../_tree_walk.ts";
import type { Initializer } from "../init.ts";
import type { ShapeTree } from "./layer.ts";
import { checkContext, checkRecord } from "./_layer_checks.ts";
import { initShapes, parseInput } from "./_recurrent_input.ts";
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
   * (`undefined`: zeros) under the constant `mask` `[batch, time]` if any. Returns the output
   * sequence `[batch, time, units]` when `wantSequence`, else the last output `[batch,
   * units]`, and the final state when `wantState`.
   */
  run(
    t: Ops,
    params: P,
    x: Tensor,
    mask: Tensor | undefined,
    init: St | undefined,
    wantState: boolean,
    wantSequence: boolean,
  ): { seq?: Tensor; last?: Tensor; final?: St };
}

/** A bias of a recurrent layer: its key in the parameters and how errors name it. */
export interface BiasSpec {
  readonly key: string;
  readonly what: string;
}

/**
 * `initParams` and `checkParams` for the parameters every cell has: the input kernel `w`
 * `[features, width]` (`kernelInit`), the recurrent kernel `u` `[units, width]`
 * (`recurrentInit`) and, with `useBias`, each of `biases` `[width]`, zeros unless `fill`
 * sets them.
 */
export function recurrentParams<P extends Tree>(
  c: RecurrentConfig,
  width: number,
  biases: readonly BiasSpec[],
  fill?: (key: string, data: FloatArray) => void,
): Pick<CellSpec<P, Tree>, "initParams" | "checkParams"> {
  const { op, units, dtype } = c;
  const bs = c.useBias ? biases : [];
  const keys = ["w", "u", ...bs.map((b) => b.key)];
  return {
    initParams: (key, features) => {
      const [kw, ku] = split(key);
      const w = c.kernelInit(kw, [features, width], { fanIn: features, fanOut: width, dtype });
      const what = (k: string) => `the ${k} kernel the initialiser returned`;
      checkWeight(`${op} init`, w, what("input"), [features, width], dtype);
      const u = c.recurrentInit(ku, [units, width], { fanIn: units, fanOut: width, dtype });
      checkWeight(`${op} init`, u, what("recurrent"), [units, width], dtype);
      const params: Record<string, Tensor> = { w, u };
      for (const b of bs) {
        const data = allocate(dtype, width);
        fill?.(b.key, data);
        params[b.key] = fromTypedArray(data, [width]);
      }
      return params as P;
    },
    checkParams: (params, features, dt) => {
      const shapes: Record<string, string> = {
        w: `[${features},${width}]`,
        u: `[${units},${width}]`,
      };
      for (const b of bs) shapes[b.key] = `[${width}]`;
      const expected = `{${[...keys].sort().map((k) => `${k}:${shapes[k]}`).join(",")}}`;
      checkRecord(op, "params", params, expected, keys);
      const p = params as Record<string, unknown>;
      checkWeight(op, p.w, "the input kernel w", [features, width], dt);
      checkWeight(op, p.u, "the recurrent kernel u", [units, width], dt);
      for (const b of bs) checkWeight(op, p[b.key], b.what, [width], dt);
    },
  };
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
      const wantState = output === "both" || (stateful && ctx.training);
      const r = cell.run(t, params, inputs, mask, init, wantState, output !== "last");
      const next = stateful && ctx.training ? r.final as St : state;
      if (output === "last") return { y: r.last as Tensor, state: next };
      let seq = r.seq as Tensor;
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
