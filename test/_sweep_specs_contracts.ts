/**
 * Sweep specs for the combinators (`serial`, `parallel`, `residual`) meeting hand-written
 * layers that break the layer contract.
 *
 * @module
 */

import * as g from "../mod.ts";
import { EVAL } from "../src/layers/layer.ts";
import { badCall, type Spec, t64 } from "./_sweep.ts";
import type { AnyLayer } from "./_sweep_specs_models.ts";

type Broken = "init" | "apply" | "aux shape" | "aux not a tensor";

/** A layer written by hand that returns the wrong things, inside each combinator. */
const broken = (what: Broken): AnyLayer => ({
  init: (_k, s) => (what === "init" ? 3 : { outShape: s, params: null, state: null }) as never,
  apply: (t, _p, state, x) =>
    (what === "apply"
      ? { y: 3 }
      : what === "aux shape"
      ? { y: x, state, aux: { kl: t.mul(x, x) } }
      : { y: x, state, aux: { kl: 3 } }) as never,
});

/** Combinators meeting hand-written layers that break the contract. */
export const contractSpecs: Spec[] = (["serial", "parallel", "residual"] as const).flatMap(
  (name) => {
    const wrap = (l: AnyLayer) =>
      (name === "serial"
        ? g.serial(l)
        : name === "parallel"
        ? g.parallel(l)
        : g.residual(l)) as AnyLayer;
    const x = () => t64([[1, 2]]);
    const applied = (what: Broken) => () => {
      const l = wrap(broken(what));
      const { params, state } = l.init(g.key(0), [2]);
      return l.apply(g.untraced(), params, state, x(), EVAL);
    };
    return [
      badCall(name, `${name}(init returns 3)`, () => wrap(broken("init")).init(g.key(0), [2])),
      badCall(name, `${name}(apply returns { y: 3 })`, applied("apply")),
      badCall(name, `${name}(an aux term of shape [1,2])`, applied("aux shape")),
      badCall(name, `${name}(an aux term that is a number)`, applied("aux not a tensor")),
    ];
  },
);
