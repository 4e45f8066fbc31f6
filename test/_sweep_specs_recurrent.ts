/**
 * Sweep specs of the recurrent layers (`rnn`, `lstm`, `gru`, `bidirectional`), `resetState`
 * and the `orthogonal` initialiser: malformed sizes and options, and the init/apply protocol.
 * (The `lstmCell` and `gruCell` primitives are swept with the others in `_sweep_specs_ops.ts`.)
 *
 * @module
 */

import * as g from "../mod.ts";
import {
  arg,
  bool,
  count,
  dtype,
  fn,
  key,
  num,
  options,
  shape,
  type Spec,
  spec,
  t64,
} from "./_sweep.ts";
import { type AnyLayer, protocol } from "./_sweep_specs_models.ts";

const f64 = { dtype: "float64" as const };
const sequence = () =>
  g.tensor(Array.from({ length: 24 }, (_, i) => Math.cos(i)), [2, 6, 2], "float64");
const recurrentOptions = (extra: Record<string, ReturnType<typeof arg>> = {}) =>
  options(() => f64, {
    output: arg(() => "last", "all", 3, null, ["last"]),
    stateful: bool(false),
    useBias: bool(true),
    kernelInit: fn(() => g.glorotUniform, true),
    recurrentInit: fn(() => g.orthogonal, true),
    dtype: dtype(),
    ...extra,
  });
const wrong = {
  inShapes: [[6], [6, 2, 1], [0, 2]],
  x: [() => t64([[1, 2, 3]]), () => g.zeros([2, 6, 3], "float64"), () => g.zeros([2, 6, 2])],
};

/** The recurrent layers' factories and protocol. */
export const recurrentSpecs: Spec[] = [
  spec("rnn", g.rnn, [
    count(3, 1, 2 ** 31 - 1),
    recurrentOptions({ activation: fn(() => (t: g.Ops, z: g.Tensor) => t.relu(z), true) }),
  ]),
  ...protocol("rnn", () => g.rnn(3, f64) as AnyLayer, [6, 2], sequence, wrong),
  spec("lstm", g.lstm, [
    count(3, 1, 2 ** 31 - 1),
    recurrentOptions({ forgetBias: num(1, { optional: true }) }),
  ]),
  ...protocol("lstm", () => g.lstm(3, f64) as AnyLayer, [6, 2], sequence, wrong),
  ...protocol(
    "lstm",
    () => g.lstm(3, { ...f64, stateful: true, output: "both" }) as unknown as AnyLayer,
    [6, 2],
    sequence,
    { ...wrong, state: [() => ({ h: g.zeros([2, 4], "float64"), c: g.zeros([2, 3], "float64") })] },
  ).map((s) => ({ ...s, label: `${s.label} (stateful)` })),
  spec("gru", g.gru, [count(3, 1, 2 ** 31 - 1), recurrentOptions()]),
  ...protocol("gru", () => g.gru(3, f64) as AnyLayer, [6, 2], sequence, wrong),
  spec("bidirectional", g.bidirectional, [
    arg(() => g.gru(2, f64), null, 3, g.dense(2), g.lstm(2, { output: "both" }), g.rnn),
    options(() => ({ combine: "sum" }), { combine: arg(() => "sum", "mean", 3, null) }),
  ]),
  ...protocol(
    "bidirectional",
    () => g.bidirectional(g.gru(2, f64)) as unknown as AnyLayer,
    [6, 2],
    sequence,
    wrong,
  ),
  spec("resetState", g.resetState, [
    arg(() => g.serial(g.lstm(2, { stateful: true })), null, 3, {}, g.lstm),
    arg(() => [{ h: g.zeros([0, 2]), c: g.zeros([0, 2]) }], 3, "s"),
  ]),
  spec("orthogonal", g.orthogonal, [
    key(),
    shape([3, 4]),
    options(() => ({ dtype: "float64" }), {
      fanIn: num(3, { min: 0, minExclusive: true }),
      fanOut: num(4, { min: 0, minExclusive: true }),
      dtype: dtype(),
    }),
  ]),
];
