/**
 * Sweep specs for the primitives: every primitive of the registry called through an `Ops`
 * value (`untraced(backend("ts")).relu(bad)`, the way layers and user code call them), and
 * the records `gradstream/ops` exports called as `relu.run(backend, bad)`. The malformed
 * cotangents reach the pullbacks through `vjp` (swept in `_sweep_specs_autodiff.ts`): a
 * record's own pullback is the trace's to call, with a cotangent of the output's shape. The
 * arguments per primitive are in `_sweep_specs_op_args.ts`.
 *
 * @module
 */

import { untraced } from "../src/autodiff/ops.ts";
import { PRIMITIVES } from "../src/ops/registry.ts";
import * as opsMod from "../src/ops/mod.ts";
import * as g from "../mod.ts";
import { type Arg, arg, badCall, fixed, num, type Spec, spec, tensorArg } from "./_sweep.ts";
import { ARGS, f32v2, m22, positive, ts, v2, v3 } from "./_sweep_specs_op_args.ts";

const t = untraced(ts);

const NAN_OK = new Set(["log", "sqrt", "pow"]);

/** The primitive's name is what its errors must name. */
function viaOps(name: string, args: readonly Arg[]): Spec {
  const method = (t as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  return spec(name, (...a: never[]) => method(...a), args, {
    label: `${name} via untraced().${name}`,
    nanOk: NAN_OK.has(name),
  });
}

type Record_ = { run: (...a: unknown[]) => unknown };

/** `record.run(backend, ...)`: the backend fixed for ops that do not use one. */
function viaRun(name: string, record: Record_, args: readonly Arg[], usesBackend: boolean): Spec {
  const b = usesBackend
    ? arg(() => ts, null, undefined, {}, 3, "ts", { gemm: 3 })
    : fixed(() => ts);
  return spec(name, (...a: never[]) => record.run(...a), [b, ...args], {
    label: `${name}.run`,
    nanOk: NAN_OK.has(name),
  });
}

const USES_BACKEND = new Set(["matmul", "linear", "conv2d", "conv2dBias", "conv2dReluMaxPool"]);

const missing = Object.keys(PRIMITIVES).filter((n) => !(n in ARGS));
if (missing.length > 0) throw new Error(`sweep: no arguments for primitives ${missing}`);

/** Every registered primitive through `t`, and each exported record through `run`. */
export const opSpecs: Spec[] = [
  ...Object.keys(PRIMITIVES).map((name) => viaOps(name, ARGS[name])),
  ...Object.entries(opsMod)
    .filter(([, v]) => typeof v === "object" && v !== null && "run" in v)
    .map(([name, v]) => viaRun(name, v as Record_, ARGS[name], USES_BACKEND.has(name))),
  spec("adamMoments", opsMod.adamMoments, [
    arg(() => ts, null, {}, { gemm: 3 }),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(positive, [v3, f32v2]),
    arg(() => ({ b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 }), null, 3, {
      b1: "0.9",
      b2: 0.999,
      c1: 10,
      c2: 1000,
      eps: 1e-8,
    }),
  ]),
  spec("adamApply", opsMod.adamApply, [
    arg(() => ts, null, {}, { gemm: 3 }),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(positive, [v3, f32v2]),
    arg(() => ({ b1: 0.9, b2: 0.999, c1: 10, c2: 1000, eps: 1e-8 }), null, 3),
    num(-0.1, {}),
  ]),
  spec("momentumApply", opsMod.momentumApply, [
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    num(0.9, {}),
    arg(() => false, null, "yes", 1),
    num(-0.1, {}),
  ]),
  spec("rmspropApply", opsMod.rmspropApply, [
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    num(0.9, {}),
    num(1e-8, {}),
    num(-0.1, {}),
  ]),
  spec("sgdApply", opsMod.sgdApply, [
    tensorArg(v2, [v3, f32v2]),
    tensorArg(v2, [v3, f32v2]),
    num(-0.1, {}),
  ]),
  spec("broadcastShapes", opsMod.broadcastShapes, [
    arg(() => [2, 1], null, "2,1", 3, [-1], [1.5]),
    arg(() => [1, 3], null, "1,3", 3, [-1], [1.5]),
  ]),
  badCall(
    "broadcastShapes",
    "broadcastShapes (incompatible)",
    () => opsMod.broadcastShapes([2, 1], [3, 2]),
  ),
  badCall(
    "broadcastShapes",
    "broadcastShapes (huge)",
    () => opsMod.broadcastShapes([65536, 1], [1, 65536]),
  ),
  badCall(
    "add",
    "add (huge broadcast)",
    () => t.add(g.zeros([65536, 1], "float64"), g.zeros([1, 65536], "float64")),
  ),
  badCall("clip", "clip (lo > hi)", () => t.clip(m22(), 1, -1)),
  spec("erf", opsMod.erf, [num(0.5, { infinite: true, nan: true })], { nanOk: true }),
  spec("erfc", opsMod.erfc, [num(0.5, { infinite: true, nan: true })], { nanOk: true }),
];
