/**
 * A model summary, as Keras prints one: each layer with its output shape and parameter count,
 * nested combinators indented under theirs, and the totals, trainable parameters and
 * non-trainable state (batch-norm running statistics) counted apart.
 *
 * @module
 */

import { rethrowAs } from "../_checks.ts";
import { key } from "../random.ts";
import { isTensor, sizeOf } from "../tensor.ts";
import { type Tree, treeLeaves, type TreePath, treeSize } from "../tree.ts";
import type { Layer, ShapeTree, TreeLayer } from "./layer.ts";
import { describeShapeTree } from "./_layer_checks.ts";

/** One layer of a {@linkcode ModelSummary}. */
export interface SummaryRow {
  /** The layer's `name` (`"dense"`, `"serial"`), or `"layer"` when it has none. */
  readonly name: string;
  /** Nesting: 0 for the model's own layers, 1 inside a nested combinator, and so on. */
  readonly depth: number;
  /** Where its parameters sit in the model's: `[2]` is `params[2]` (as checkpoints name it). */
  readonly path: TreePath;
  /** Shape of one input example (a tree of shapes for a layer over a tree). */
  readonly inShape: ShapeTree;
  /** Shape of one output example (a tree of shapes for a tree-valued layer). */
  readonly outShape: ShapeTree;
  /** Trainable parameters (scalars), a combinator's including its layers'. */
  readonly params: number;
  /** Non-trainable state values (batch-norm running statistics). */
  readonly state: number;
}

/** What {@linkcode summarize} returns: the rows, the totals and the printed table. */
export interface ModelSummary {
  /** One row per layer, in order, a combinator before its layers. */
  readonly rows: readonly SummaryRow[];
  /** Shape of one input example, as given. */
  readonly inShape: ShapeTree;
  /** Shape of one output example. */
  readonly outShape: ShapeTree;
  /** Trainable parameters of the whole model: `treeSize` of `init`'s `params`. */
  readonly params: number;
  /** Non-trainable state values of the whole model: `treeSize` of `init`'s `state`. */
  readonly state: number;
  /** Bytes the parameters and state take (4 per float32 value, 8 per float64). */
  readonly bytes: number;
  /** The table, as {@linkcode summary} returns it. */
  readonly text: string;
}

function bytesOf(tree: Tree): number {
  let n = 0;
  for (const { value } of treeLeaves(tree)) {
    n += sizeOf(value.shape) * (value.dtype === "float64" ? 8 : 4);
  }
  return n;
}

/** A copy of a shape tree (so a row never shares arrays with a layer's `init`). */
function copyShape(s: ShapeTree): ShapeTree {
  if (Array.isArray(s)) {
    return (s as readonly (number | ShapeTree)[]).map((c) =>
      typeof c === "number" ? c : copyShape(c)
    ) as ShapeTree;
  }
  return Object.fromEntries(
    Object.entries(s as { [k: string]: ShapeTree }).map(([k, c]) => [k, copyShape(c)]),
  );
}

function rowsOf(
  layer: TreeLayer,
  inShape: ShapeTree,
  depth: number,
  path: TreePath,
  out: SummaryRow[],
  self: boolean,
): ShapeTree {
  // Counts and shapes do not depend on the key, so any key will do.
  const r = layer.init(key(0), inShape);
  if (self) {
    out.push({
      name: typeof layer.name === "string" && layer.name !== "" ? layer.name : "layer",
      depth,
      path,
      inShape: copyShape(inShape),
      outShape: copyShape(r.outShape),
      params: treeSize(r.params),
      state: treeSize(r.state),
    });
  }
  const children = layer.children;
  if (children !== undefined && children.layers.length > 0) {
    const n = children.layers.length;
    // One entry per layer (serial, parallel), or a single body holding the whole tree.
    const perLayer = Array.isArray(r.params) && r.params.length === n && !isTensor(r.params);
    const inner = self ? depth + 1 : depth;
    let shape = inShape;
    children.layers.forEach((child, i) => {
      const childPath = perLayer ? [...path, i] : path;
      const outShape = rowsOf(child, shape, inner, childPath, out, true);
      if (children.wiring === "chain") shape = outShape;
    });
  }
  return r.outShape;
}

const count = (n: number) => n.toLocaleString("en-US");

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function table(rows: readonly SummaryRow[], s: Omit<ModelSummary, "text" | "rows">): string {
  const head = ["Layer", "Output shape", "Params", "State"];
  const body = rows.map((r) => [
    `${"  ".repeat(r.depth)}${r.name}`,
    describeShapeTree(r.outShape),
    count(r.params),
    count(r.state),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c < 2 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join("  ")
      .trimEnd();
  const rule = "=".repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [
    line(head),
    rule,
    ...body.map(line),
    rule,
    `Input ${describeShapeTree(s.inShape)} -> output ${
      describeShapeTree(s.outShape)
    } (one example)`,
    `Trainable parameters: ${count(s.params)}`,
    `Non-trainable state: ${count(s.state)}`,
    `Total: ${count(s.params + s.state)} values, ${formatBytes(s.bytes)}`,
  ].join("\n");
}

/**
 * Summarises `model` for examples of shape `inShape` (no batch axis): one row per layer with
 * its output shape, trainable parameters and non-trainable state, layers inside nested
 * combinators (`serial`, `parallel`, `residual`) indented under theirs, and the totals. The
 * model's own `serial`, if it is one, is not a row of its own (as Keras shows a Sequential).
 * It runs `init` (with a fixed key) to learn shapes and counts; the model is never applied
 * and nothing is trained.
 *
 * @example
 * ```ts
 * import { batchNorm, dense, reluLayer, serial, summarize } from "../../mod.ts";
 * const s = summarize(serial(dense(4), batchNorm(), reluLayer(), dense(2)), [3]);
 * if (s.rows.map((r) => r.name).join() !== "dense,batchNorm,reluLayer,dense") throw new Error("rows");
 * // dense 3·4 + 4, batch norm gamma and beta 4 + 4 (state: mean and variance 4 + 4), dense 4·2 + 2.
 * if (s.params !== 16 + 8 + 10 || s.state !== 8 || s.rows[3].path[0] !== 3) throw new Error("counts");
 * ```
 */
export function summarize<P extends Tree, S extends Tree, X extends Tree, Y extends Tree>(
  model: Layer<P, S, X, Y>,
  inShape: ShapeTree,
): ModelSummary {
  return summarizeAs("summarize", model as TreeLayer, inShape);
}

/** Whether `s` is a shape of positive sizes or a non-empty tree of them. */
function isPositiveShapeTree(s: unknown, depth = 0): boolean {
  if (Array.isArray(s) && s.every((d) => typeof d === "number")) {
    return s.every((d) => Number.isInteger(d) && d >= 1);
  }
  if (depth >= 32 || typeof s !== "object" || s === null) return false;
  const children = Array.isArray(s) ? s : Object.values(s);
  return children.length > 0 && children.every((c) => isPositiveShapeTree(c, depth + 1));
}

function summarizeAs(op: string, model: TreeLayer, inShape: ShapeTree): ModelSummary {
  if (typeof model?.init !== "function" || typeof model?.apply !== "function") {
    throw new TypeError(`${op}: the model is not a layer (an { init, apply } pair)`);
  }
  if (!isPositiveShapeTree(inShape)) {
    throw new TypeError(
      `${op}: inShape is the shape of one example, positive integers such as [784] (or a tree ` +
        `of such shapes), got ${
          typeof inShape === "object" && inShape !== null
            ? describeShapeTree(inShape)
            : String(inShape)
        }`,
    );
  }
  const rows: SummaryRow[] = [];
  // A model that rejects the shape says why, under the name the user called.
  rethrowAs(op, () => rowsOf(model, inShape, 0, [], rows, model.children?.wiring !== "chain"));
  const r = rethrowAs(op, () => model.init(key(0), inShape));
  const totals = {
    inShape: copyShape(inShape),
    outShape: copyShape(r.outShape),
    params: treeSize(r.params),
    state: treeSize(r.state),
    bytes: bytesOf(r.params) + bytesOf(r.state),
  };
  return { rows, ...totals, text: table(rows, totals) };
}

/**
 * The model summary as a table to print, as Keras's `model.summary()` shows it:
 *
 * ```text
 * Layer       Output shape    Params   State
 * ==========================================
 * dense       [512]          401,920       0
 * reluLayer   [512]                0       0
 * ...
 * ```
 *
 * See {@linkcode summarize} for the rows as data.
 *
 * @example
 * ```ts
 * import { dense, parallel, reluLayer, serial, summary } from "../../mod.ts";
 * const text = summary(serial(dense(8), reluLayer(), parallel(dense(2), dense(3))), [4]);
 * if (!text.includes("  dense") || !text.includes("Trainable parameters: 85")) throw new Error(text);
 * ```
 */
export function summary<P extends Tree, S extends Tree, X extends Tree, Y extends Tree>(
  model: Layer<P, S, X, Y>,
  inShape: ShapeTree,
): string {
  return summarizeAs("summary", model as TreeLayer, inShape).text;
}
