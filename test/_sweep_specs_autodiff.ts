/**
 * Sweep specs for differentiation and backends as values: `vjp` (its function, primals,
 * options, and the cotangents its pullback is given), `valueAndGrad`, `Trace` (its backend,
 * `watch`, `pullback`), `untraced`, `primitive` and `unary` (defining your own), `backend`.
 *
 * @module
 */

import * as g from "../mod.ts";
import { arg, badCall, fn, type Spec, spec, t32, t64, treeArg } from "./_sweep.ts";

const ts = g.backend("ts");
const w = () => t64([[3], [4]]);
const xConst = t64([[1, 2]]);
const f = (t: g.Ops, p: g.Tensor) => t.matmul(xConst, p);
const scalarF = (t: g.Ops, p: { w: g.Tensor }) => t.sum(t.matmul(xConst, p.w));
const badBackends = [3, "ts", {}, { gemm: 3 }, { name: "ts" }];
const backendOptions = () =>
  arg(() => ({ backend: ts }), null, 3, "ts", { backend: "ts" }, { backend: {} }, {
    backend: null,
  }, { nope: 1 });

/** A tree-valued function: its pullback takes a tree of the outputs' structure. */
const treeF = (t: g.Ops, p: g.Tensor) => ({ y: t.matmul(xConst, p), z: [t.relu(p)] });

/** Differentiation, traces, user primitives, backends. */
export const autodiffSpecs: Spec[] = [
  spec("vjp", g.vjp, [fn(() => f), treeArg(w), backendOptions()]),
  spec("vjp", (ct: unknown) => g.vjp(f, w())[1](ct as g.Tensor), [
    // null is documented as a zero cotangent, so it is not among the malformed ones.
    arg(() => t64([[1]]), 3, "x", t64([1, 2]), t64([[1, 2]]), t32([[1]])),
  ], { label: "vjp(...)[1] (a malformed cotangent)" }),
  spec("vjp", (ct: unknown) => g.vjp(treeF, w())[1](ct as g.Tree), [
    arg(
      () => ({ y: t64([[1]]), z: [t64([[1], [1]])] }),
      3,
      [t64([[1]])],
      { y: t64([[1]]), z: t64([[1], [1]]) },
      { y: t64([[1]]), z: [t64([1, 1])] },
      { y: t64([[1]]), q: [t64([[1], [1]])] },
      { y: "1", z: [null] },
    ),
  ], { label: "vjp(...)[1] (a tree of cotangents)" }),
  badCall("vjp", "vjp(f returning 3)", () => g.vjp((() => 3) as never, w())[1](t64([1]))),
  badCall(
    "vjp",
    "vjp(f returning a non-tensor leaf)",
    () => g.vjp((() => ({ y: [1, 2] })) as never, w())[1]({ y: t64([1, 2]) }),
  ),
  spec("valueAndGrad", g.valueAndGrad, [
    fn(() => scalarF),
    treeArg(() => ({ w: w() })),
    backendOptions(),
  ]),
  badCall(
    "valueAndGrad",
    "valueAndGrad(f not scalar)",
    () => g.valueAndGrad((t, p) => t.relu(p), w()),
  ),
  badCall(
    "valueAndGrad",
    "valueAndGrad(f returning a number)",
    () => g.valueAndGrad((() => 3) as never, w()),
  ),
  spec("Trace", (b: unknown) => new g.Trace(b as g.Backend), [
    arg(() => ts, null, ...badBackends),
  ], { label: "Trace (constructor)" }),
  spec("Trace", (tree: unknown) => new g.Trace(ts).watch(tree as g.Tree), [treeArg(w)], {
    label: "Trace.watch",
  }),
  spec("Trace", (outputs: unknown, ct: unknown, wrt: unknown) => {
    const tr = new g.Trace(ts);
    const p = tr.watch(w());
    const y = tr.ops.matmul(xConst, p);
    const pick = (v: unknown) => (v === "y" ? y : v === "p" ? p : v);
    return tr.pullback(pick(outputs) as g.Tree, ct as g.Tree, pick(wrt) as g.Tree);
  }, [
    arg(() => "y", 3, "x", [[1]]),
    // A null cotangent is documented as zero, so it is not among the malformed ones.
    arg(() => t64([[1]]), 3, "x", t64([1, 2]), t32([[1]])),
    arg(() => "p", 3, "x", [[1]], { w: [1] }),
  ], { label: "Trace.pullback" }),
  spec("untraced", g.untraced, [arg(() => ts, null, ...badBackends)]),
  spec("primitive", g.primitive, [
    arg(() => "double", null, 3, "", {}),
    arg(() => 1, null, "1", -1, 1.5, "lists", NaN),
    fn(() => (_b: g.Backend, x: g.Tensor) => [x, undefined]),
  ]),
  spec("unary", g.unary, [
    arg(() => "double", null, 3, "", {}),
    fn(() => (x: g.Tensor) => [x, (dy: g.Tensor) => dy]),
  ]),
  badCall(
    "myBad",
    "a user primitive returning 3, through t.call",
    () => g.untraced(ts).call(g.primitive("myBad", 1, (_b, _x: g.Tensor) => 3 as never), t64([1])),
  ),
  badCall("myBad", "a user primitive returning 3, in a trace", () =>
    g.vjp(
      (t, x) => t.call(g.primitive("myBad", 1, (_b, _x: g.Tensor) => 3 as never), x),
      t64([1]),
    )),
  badCall("myWrong", "a user pullback returning the wrong shape", () =>
    g.vjp(
      (t, x) =>
        t.call(
          g.unary(
            "myWrong",
            (v: g.Tensor) => [g.fromTypedArray(v.data.slice(), v.shape), () => t64([1, 2, 3])],
          ),
          x,
        ),
      t64([1, 2]),
    )[1](t64([1, 2]))),
  spec("backend", g.backend, [arg(() => "ts", null, undefined, "gpu", "", 3, "TS", {})]),
];
