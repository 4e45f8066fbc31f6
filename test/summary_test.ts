import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  batchNorm,
  dense,
  dropout,
  key,
  type Layer,
  parallel,
  reluLayer,
  residual,
  serial,
  summarize,
  summary,
  type Tree,
  treeSize,
} from "../mod.ts";

/** The subtree at `path` (array indices and object keys from the root). */
function at(tree: Tree, path: readonly (string | number)[]): Tree {
  let t: unknown = tree;
  for (const p of path) t = (t as Record<string | number, unknown>)[p];
  return t as Tree;
}

/**
 * Models drawn as a tree of layers: dense, relu, dropout, batch norm at the leaves; serial,
 * parallel and residual (around a width-keeping dense) above.
 */
const modelArb: fc.Arbitrary<Layer> = fc.letrec<{ layer: Layer; block: Layer }>((tie) => ({
  layer: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer({ min: 1, max: 5 }).map((u) => dense(u) as Layer),
    fc.constant(reluLayer() as Layer),
    fc.constant(dropout(0.5) as Layer),
    fc.constant(batchNorm() as Layer),
    fc.constant(residual(serial(batchNorm(), reluLayer())) as Layer),
    tie("block"),
  ),
  block: fc.oneof(
    fc.array(tie("layer"), { minLength: 1, maxLength: 3 }).map((ls) => serial(...ls) as Layer),
    fc.array(tie("layer"), { minLength: 1, maxLength: 3 }).map((ls) =>
      parallel(...ls.map((l) => serial(l, dense(2)))) as Layer
    ),
  ),
})).layer;

test("summarize: the totals are treeSize of init's params and state, for any model", () => {
  fc.assert(
    fc.property(modelArb, fc.integer({ min: 1, max: 6 }), (model, width) => {
      const s = summarize(model, [width]);
      const r = model.init(key(7), [width]);
      assert.equal(s.params, treeSize(r.params));
      assert.equal(s.state, treeSize(r.state));
      assert.deepEqual(s.outShape, r.outShape);
    }),
    { numRuns: 60 },
  );
});

test("summarize: each row's counts are the subtree at its path; top rows add up to the total", () => {
  fc.assert(
    fc.property(modelArb, fc.integer({ min: 1, max: 6 }), (model, width) => {
      const s = summarize(model, [width]);
      const r = model.init(key(0), [width]);
      for (const row of s.rows) {
        assert.equal(row.params, treeSize(at(r.params, row.path)), `${row.name} ${row.path}`);
        assert.equal(row.state, treeSize(at(r.state, row.path)), `${row.name} ${row.path}`);
      }
      const top = s.rows.filter((row) => row.depth === 0);
      assert.equal(top.reduce((n, row) => n + row.params, 0), s.params);
      assert.equal(top.reduce((n, row) => n + row.state, 0), s.state);
    }),
    { numRuns: 60 },
  );
});

test("summarize: the MLP of the examples, counted by hand", () => {
  const s = summarize(serial(dense(512), reluLayer(), dropout(0.2), dense(10)), [784]);
  assert.deepEqual(s.rows.map((r) => [r.name, r.outShape, r.params, r.state]), [
    ["dense", [512], 784 * 512 + 512, 0],
    ["reluLayer", [512], 0, 0],
    ["dropout", [512], 0, 0],
    ["dense", [10], 512 * 10 + 10, 0],
  ]);
  assert.equal(s.params, 784 * 512 + 512 + 5130);
  assert.equal(s.bytes, 4 * s.params, "float32: four bytes a value");
});

test("summarize: nested combinators are rows of their own with their layers indented", () => {
  const model = serial(
    dense(8),
    batchNorm(),
    parallel(dense(2), serial(dense(3), reluLayer())),
    residual(dense(5)),
  );
  const s = summarize(model, [4]);
  assert.deepEqual(s.rows.map((r) => [r.depth, r.name, r.path.join(".")]), [
    [0, "dense", "0"],
    [0, "batchNorm", "1"],
    [0, "parallel", "2"],
    [1, "dense", "2.0"],
    [1, "serial", "2.1"],
    [2, "dense", "2.1.0"],
    [2, "reluLayer", "2.1.1"],
    [0, "residual", "3"],
    [1, "dense", "3"],
  ]);
  // Batch norm's gamma and beta are trained; its running mean and variance are state.
  assert.deepEqual([s.rows[1].params, s.rows[1].state], [16, 16]);
  assert.deepEqual(s.rows[2].outShape, [5]);
  assert.equal(s.rows[4].params, 8 * 3 + 3);
  assert.equal(s.state, 16);
});

test("summary: a table with a row per layer, output shapes and the totals", () => {
  const text = summary(serial(dense(3), batchNorm(), parallel(dense(2), dense(1))), [2]);
  const lines = text.split("\n");
  assert.match(lines[0], /^Layer\s+Output shape\s+Params\s+State$/);
  assert.match(lines[2], /^dense\s+\[3\]\s+9\s+0$/);
  assert.match(lines[3], /^batchNorm\s+\[3\]\s+6\s+6$/);
  assert.match(lines[4], /^parallel\s+\[3\]\s+12\s+0$/);
  assert.match(lines[5], /^ {2}dense\s+\[2\]\s+8\s+0$/);
  assert.ok(text.includes("Trainable parameters: 27\n"), text);
  assert.ok(text.includes("Non-trainable state: 6\n"), text);
  // A lone layer (not a serial) is its own row.
  assert.match(summary(dense(2), [1000]).split("\n")[2], /^dense\s+\[2\]\s+2,002\s+0$/);
});

test("summarize: a layer of the user's own, without a name, is a row named layer", () => {
  const double: Layer<null, null> = {
    init: (_k, s) => ({ outShape: s, params: null, state: null }),
    apply: (t, _p, state, x) => ({ y: t.mulScalar(x, 2), state }),
  };
  const s = summarize(serial(dense(3), double), [2]);
  assert.deepEqual(s.rows.map((r) => [r.name, r.params]), [["dense", 9], ["layer", 0]]);
});

test("summary and summarize reject a non-layer or a bad example shape, naming themselves", () => {
  assert.throws(() => summary({} as Layer, [2]), { name: "TypeError", message: /^summary: / });
  assert.throws(() => summarize(dense(2), [0]), {
    name: "TypeError",
    message: /^summarize: inShape .*\[0\]/,
  });
  assert.throws(() => summary(dense(2), "3" as unknown as number[]), /^TypeError: summary: /);
});

test("summarize: a tuple-valued parallel has a tree of output shapes", () => {
  const s = summarize(serial(dense(4), parallel(dense(2), dense(3), { combine: "tuple" })), [3]);
  assert.deepEqual(s.outShape, [[2], [3]]);
  assert.deepEqual(s.rows.map((r) => [r.name, r.outShape]), [
    ["dense", [4]],
    ["parallel", [[2], [3]]],
    ["dense", [2]],
    ["dense", [3]],
  ]);
  assert.ok(summary(parallel(dense(2), dense(3), { combine: "tuple" }), [3]).includes("[[2],[3]]"));
});
