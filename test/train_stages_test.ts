import { test } from "node:test";
import assert from "node:assert/strict";
import { firstValueFrom, lastValueFrom, tap } from "rxjs";
import {
  astype,
  backward,
  batches,
  dense,
  EVAL,
  fit,
  forward,
  initTrain,
  key,
  type Layer,
  regularize,
  scalar,
  sgd,
  step,
  type Tensor,
  type Tree,
  treeLeaves,
} from "../mod.ts";
import { type Ops, untraced } from "../src/autodiff/ops.ts";
import { valueAndGrad } from "../src/autodiff/trace.ts";
import { backend, defaultBackend } from "../src/kernels/select.ts";
import { data, model, mse } from "./_train_loop_helpers.ts";

test("regularize: adds the penalty value and its gradient", async () => {
  const optimizer = sgd(0.1);
  const initial = initTrain(model, optimizer, key(0), [2]);
  const lambda = 0.5;
  // 0.5·λ·Σw² over w only, as forward code over t.
  const penalty = (t: Ops, p: Tree) => {
    const { w } = p as unknown as { w: Tensor };
    return t.mul(t.sum(t.mul(w, w)), scalar(0.5 * lambda));
  };
  const [plain, reg] = await Promise.all([
    firstValueFrom(fit(initial, batches(data, { batchSize: 64 }), forward(model), backward(mse))),
    firstValueFrom(
      fit(
        initial,
        batches(data, { batchSize: 64 }),
        forward(model),
        backward(mse),
        regularize(penalty),
      ),
    ),
  ]);
  const w = (initial.params as unknown as { w: Tensor }).w;
  const gPlain = (plain.grads as unknown as { w: Tensor }).w,
    gReg = (reg.grads as unknown as { w: Tensor }).w;
  assert.ok(Math.abs(reg.penalty! - 0.25 * (w.data[0] ** 2 + w.data[1] ** 2)) < 1e-7);
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(gReg.data[i] - gPlain.data[i] - lambda * w.data[i]) < 1e-6);
  }
});

test("backward: the objective is the data loss plus every aux term, and grads are its gradient", async () => {
  // A dense layer that also reports 0.5·Σw² (an activity-like term) and 2·mean(y) as aux.
  const inner = dense(1, { dtype: "float64" });
  const withAux: Layer<{ w: Tensor; b?: Tensor }, null> = {
    init: (k, s) => inner.init(k, s),
    apply: (t, p, state, x, ctx) => {
      const { y } = inner.apply(t, p, state, x, ctx);
      const half = t.mul(t.sum(t.mul(p.w, p.w)), scalar(0.5, "float64"));
      return { y, state, aux: { half, twice: t.mul(t.mean(y), scalar(2, "float64")) } };
    },
  };
  const x = astype(data.x, "float64"), y = astype(data.y, "float64");
  const optimizer = sgd(0.1);
  const initial = initTrain(withAux, optimizer, key(0), [2]);
  const ctx = await firstValueFrom(
    fit(initial, [{ x, y, epoch: 0, index: 0, size: 64 }], forward(withAux), backward(mse)),
  );
  const objective = (t: Ops, p: { w: Tensor; b?: Tensor }) => {
    const out = withAux.apply(t, p, null, x, { training: true });
    return t.add(t.add(mse(t, out.y, y), out.aux!.half), out.aux!.twice);
  };
  const [value, grads] = valueAndGrad(objective, initial.params);
  const t = untraced();
  const { w } = initial.params;
  assert.ok(Math.abs(ctx.loss! - value) < 1e-12);
  assert.ok(
    Math.abs(ctx.dataLoss! - mse(t, inner.apply(t, initial.params, null, x, EVAL).y, y).data[0]) <
      1e-12,
  );
  assert.deepEqual(Object.keys(ctx.auxLosses!), ["half", "twice"]);
  assert.ok(Math.abs(ctx.auxLosses!.half - 0.5 * (w.data[0] ** 2 + w.data[1] ** 2)) < 1e-12);
  assert.ok(
    Math.abs(ctx.loss! - ctx.dataLoss! - ctx.auxLosses!.half - ctx.auxLosses!.twice) < 1e-12,
  );
  treeLeaves(ctx.grads!).forEach((leaf, i) => {
    const expected = treeLeaves(grads)[i].value.data;
    leaf.value.data.forEach((v, j) => assert.ok(Math.abs(v - expected[j]) < 1e-12));
  });
});

test("backward: a loss that is not a scalar tensor is a TypeError naming backward", async () => {
  const optimizer = sgd(0.1);
  await assert.rejects(
    firstValueFrom(
      fit(
        initTrain(model, optimizer, key(0), [2]),
        batches(data, { batchSize: 4 }),
        forward(model),
        backward((t, p, y) => t.sub(p, y)),
      ),
    ),
    {
      name: "TypeError",
      message: /backward: the loss must be a scalar tensor \(one element\), got shape \[4,1\]/,
    },
  );
});

test("initTrain: the state carries options.backend (the default backend otherwise), and step keeps it", async () => {
  const optimizer = sgd(0.1);
  const ts = backend("ts");
  const mine = { ...ts, name: "mine", description: "mine" };
  assert.equal(initTrain(model, optimizer, key(0), [2]).backend, defaultBackend());
  const initial = initTrain(model, optimizer, key(0), [2], { backend: mine });
  const seen: string[] = [];
  const spy: Layer<null, null> = {
    init: (_k, s) => ({ outShape: s, params: null, state: null }),
    apply: (t, _p, state, x) => (seen.push(`${t.backend.name} ${t.tracing}`), { y: x, state }),
  };
  const last = await lastValueFrom(
    fit(
      initial,
      batches(data, { batchSize: 32, epochs: 1 }),
      forward(model),
      tap((ctx) => spy.apply(ctx.trace!.ops, null, null, ctx.y!, EVAL)),
      backward(mse),
      step(optimizer),
    ),
  );
  assert.equal(last.state.backend, mine);
  assert.deepEqual(seen, ["mine true", "mine true"]);
  assert.throws(() => initTrain(model, optimizer, key(0), [2], { backend: "ts" as never }), {
    name: "TypeError",
    message: /initTrain: options.backend must be a backend/,
  });
});
