/**
 * The walk behind every tree function: structure comparison, leaf mapping and bounded
 * descriptions, each under the name of the public function that asked. Internal to gradstream
 * (not re-exported), so the optimiser links and layers can walk trees under their own names.
 *
 * @module
 */

import { describeValue } from "./_checks.ts";
import { formatShape, isTensor, type Tensor } from "./tensor.ts";

/** A tree of tensors: a tensor, an array of trees, an object of trees, or `null` (no leaf). */
export type Tree = Tensor | null | readonly Tree[] | { readonly [name: string]: Tree };

/** The path of a leaf: the array indices and object keys from the root. */
export type TreePath = readonly (string | number)[];

/** Formats a path as `a.0.w`, the name a leaf gets in checkpoints and error messages. */
export function formatPath(path: TreePath): string {
  if (!Array.isArray(path)) {
    throw new TypeError(`formatPath: a path is an array of keys, got ${describeValue(path)}`);
  }
  return path.length === 0 ? "<root>" : path.join(".");
}

/** A leaf with its path, as returned by {@linkcode treeLeaves}. */
export interface TreeLeaf {
  /** Indices and keys from the root to the leaf. */
  readonly path: TreePath;
  /** The tensor at that path. */
  readonly value: Tensor;
}

/** The deepest nesting a tree may have (see {@linkcode mapAt}). */
const MAX_DEPTH = 256;

/** Descriptions of trees in messages are cut after this many characters. */
const MAX_DESCRIPTION = 160;

/** {@linkcode describeTree} of `tree.ts`: a bounded description of a tree's structure. */
export function describeTreeOf(tree: unknown): string {
  const parts: string[] = [];
  let length = 0;
  const push = (s: string): boolean => {
    parts.push(s);
    length += s.length;
    return length <= MAX_DESCRIPTION;
  };
  const walk = (t: unknown): boolean => {
    if (t === null) return push("null");
    if (isTensor(t)) return push(formatShape(t.shape));
    if (Array.isArray(t)) {
      if (!push("[")) return false;
      for (let i = 0; i < t.length; i++) {
        if ((i > 0 && !push(",")) || !walk(t[i])) return false;
      }
      return push("]");
    }
    const kind = kindOf(t);
    if (kind === "object") {
      const o = t as { readonly [name: string]: Tree };
      if (!push("{")) return false;
      const keys = Object.keys(o).sort();
      for (let i = 0; i < keys.length; i++) {
        if ((i > 0 && !push(",")) || !push(`${keys[i].slice(0, 40)}:`) || !walk(o[keys[i]])) {
          return false;
        }
      }
      return push("}");
    }
    return push(describeValue(t, 1));
  };
  const whole = walk(tree);
  const s = parts.join("");
  return whole ? s : `${s.slice(0, MAX_DESCRIPTION)}…`;
}

export function structureError(
  op: string,
  a: Tree,
  b: Tree,
  path: TreePath,
  why: string,
): TypeError {
  return new TypeError(
    `${op}: tree structures differ at ${formatPath(path)} (${why}): ${describeTreeOf(a)} vs ${
      describeTreeOf(b)
    }`,
  );
}

/** The kind of a tree node. */
export function kindOf(t: unknown): "tensor" | "null" | "array" | "object" | "invalid" {
  if (t === null) return "null";
  if (isTensor(t)) return "tensor";
  if (Array.isArray(t)) return "array";
  if (typeof t === "object" && Object.getPrototypeOf(t) === Object.prototype) return "object";
  if (typeof t === "object" && Object.getPrototypeOf(t) === null) return "object";
  return "invalid";
}

/** Maps a leaf with the matching leaves of the other trees and its path. */
export type LeafFn = (leaf: Tensor, rest: Tensor[], path: TreePath) => Tensor;

export function mapAt(
  op: string,
  fn: LeafFn,
  tree: Tree,
  rest: Tree[],
  path: (string | number)[],
): Tree {
  // No model nests this deep; a tree that does is almost surely a cycle (an object holding
  // itself), which would otherwise end in a stack overflow.
  if (path.length > MAX_DEPTH) {
    throw new TypeError(
      `${op}: the tree is nested deeper than ${MAX_DEPTH} levels at ${
        formatPath(path.slice(0, 8))
      }…; does it contain itself?`,
    );
  }
  const kind = kindOf(tree);
  for (const other of rest) {
    const k = kindOf(other);
    if (k !== kind) throw structureError(op, tree, other, path, `${kind} vs ${k}`);
  }
  switch (kind) {
    case "null":
      return null;
    case "tensor":
      return fn(tree as Tensor, rest as Tensor[], path);
    case "array": {
      const arr = tree as readonly Tree[];
      for (const other of rest) {
        const o = other as readonly Tree[];
        if (o.length !== arr.length) {
          throw structureError(op, tree, other, path, `lengths ${arr.length} vs ${o.length}`);
        }
      }
      return arr.map((child, i) =>
        mapAt(op, fn, child, rest.map((r) => (r as readonly Tree[])[i]), [...path, i])
      );
    }
    case "object": {
      const obj = tree as { readonly [name: string]: Tree };
      const keys = Object.keys(obj).sort();
      for (const other of rest) {
        const okeys = Object.keys(other as object).sort();
        if (okeys.join("\u0000") !== keys.join("\u0000")) {
          throw structureError(op, tree, other, path, `keys {${keys}} vs {${okeys}}`);
        }
      }
      const out: { [name: string]: Tree } = {};
      for (const key of keys) {
        out[key] = mapAt(
          op,
          fn,
          obj[key],
          rest.map((r) => (r as { readonly [name: string]: Tree })[key]),
          [...path, key],
        );
      }
      return out;
    }
    default:
      throw new TypeError(
        `${op}: not a tree at ${formatPath(path)}: ${describeValue(tree)} ` +
          `(trees hold tensors, arrays, plain objects and null)`,
      );
  }
}

/** {@linkcode treeLeaves} under the name of the public function that walks the tree. */
export function mapLeaves(op: string, tree: Tree): TreeLeaf[] {
  const out: TreeLeaf[] = [];
  mapAt(
    op,
    (value, _rest, path) => {
      out.push({ path, value });
      return value;
    },
    tree,
    [],
    [],
  );
  return out;
}

/** {@linkcode treeFlatten} under the name of the public function that flattens the tree. */
export function flattenTree(
  op: string,
  tree: Tree,
): [Tensor[], (leaves: readonly Tensor[]) => Tree] {
  const leaves = mapLeaves(op, tree).map((l) => l.value);
  const unflatten = (next: readonly Tensor[]): Tree => {
    if (!Array.isArray(next)) {
      throw new TypeError(
        `treeUnflatten: expected an array of ${leaves.length} leaves, got ${describeValue(next)}`,
      );
    }
    if (next.length !== leaves.length) {
      throw new TypeError(
        `treeUnflatten: the tree ${
          describeTreeOf(tree)
        } has ${leaves.length} leaves, got ${next.length}`,
      );
    }
    let i = 0;
    return mapAt(
      "treeUnflatten",
      (old) => {
        const t = next[i++];
        if (!isTensor(t)) {
          throw new TypeError(
            `treeUnflatten: leaf ${i - 1} is not a tensor, got ${describeValue(t)}`,
          );
        }
        if (t.shape.join() !== old.shape.join()) {
          throw new TypeError(
            `treeUnflatten: leaf ${i - 1} has shape ${formatShape(t.shape)}, expected ${
              formatShape(old.shape)
            }`,
          );
        }
        return t;
      },
      tree,
      [],
      [],
    );
  };
  return [leaves, unflatten];
}
