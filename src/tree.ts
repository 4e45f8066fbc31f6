/**
 * Parameter trees: tensors nested in arrays and plain objects, the shape of every model's
 * parameters, gradients, optimiser states and checkpoints.
 *
 * Structure is compared strictly: same array lengths, same object keys (order-insensitive,
 * traversed in sorted order), same leaf kinds. Disagreement is a `TypeError` naming both
 * structures.
 *
 * @module
 */

import { formatShape, isTensor, sizeOf, type Tensor } from "./tensor.ts";

/** A tree of tensors: a tensor, an array of trees, an object of trees, or `null` (no leaf). */
export type Tree = Tensor | null | readonly Tree[] | { readonly [name: string]: Tree };

/** The path of a leaf: the array indices and object keys from the root. */
export type TreePath = readonly (string | number)[];

/** Formats a path as `a.0.w`, the name a leaf gets in checkpoints and error messages. */
export function formatPath(path: TreePath): string {
  return path.length === 0 ? "<root>" : path.join(".");
}

/**
 * A short description of a tree's structure, used in error messages:
 * `{b:[3],w:[2,3]}` or `[{},null,[4]]`.
 *
 * @example
 * ```ts
 * import { describeTree } from "./tree.ts";
 * import { zeros } from "./tensor.ts";
 * if (describeTree({ w: zeros([2, 3]) }) !== "{w:[2,3]}") throw new Error("unexpected");
 * ```
 */
export function describeTree(tree: Tree): string {
  if (tree === null) return "null";
  if (isTensor(tree)) return formatShape(tree.shape);
  if (Array.isArray(tree)) return `[${tree.map(describeTree).join(",")}]`;
  if (typeof tree === "object") {
    const o = tree as { readonly [name: string]: Tree };
    return `{${Object.keys(o).sort().map((k) => `${k}:${describeTree(o[k])}`).join(",")}}`;
  }
  return typeof tree;
}

function structureError(op: string, a: Tree, b: Tree, path: TreePath, why: string): TypeError {
  return new TypeError(
    `${op}: tree structures differ at ${formatPath(path)} (${why}): ${describeTree(a)} vs ${
      describeTree(b)
    }`,
  );
}

function kindOf(t: unknown): "tensor" | "null" | "array" | "object" | "invalid" {
  if (t === null) return "null";
  if (isTensor(t)) return "tensor";
  if (Array.isArray(t)) return "array";
  if (typeof t === "object" && Object.getPrototypeOf(t) === Object.prototype) return "object";
  if (typeof t === "object" && Object.getPrototypeOf(t) === null) return "object";
  return "invalid";
}

/**
 * Applies `fn` to every leaf of one or more trees of the same structure, building a new tree.
 *
 * @example
 * ```ts
 * import { treeMap } from "./tree.ts";
 * import { tensor } from "./tensor.ts";
 * const doubled = treeMap((t) => tensor(t.data.map((v) => 2 * v), t.shape), { w: tensor([1, 2]) });
 * if ((doubled as { w: { data: Float32Array } }).w.data[1] !== 4) throw new Error("unexpected");
 * ```
 */
export function treeMap<T extends Tree>(
  fn: (leaf: Tensor, ...rest: Tensor[]) => Tensor,
  tree: T,
  ...rest: Tree[]
): T {
  return mapAt("treeMap", (leaf, others) => fn(leaf, ...others), tree, rest, []) as T;
}

type LeafFn = (leaf: Tensor, rest: Tensor[], path: TreePath) => Tensor;

function mapAt(
  op: string,
  fn: LeafFn,
  tree: Tree,
  rest: Tree[],
  path: (string | number)[],
): Tree {
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
        `${op}: not a tree at ${formatPath(path)}: ${String(tree)} ` +
          `(trees hold tensors, arrays, plain objects and null)`,
      );
  }
}

/** A leaf with its path, as returned by {@linkcode treeLeaves}. */
export interface TreeLeaf {
  /** Indices and keys from the root to the leaf. */
  readonly path: TreePath;
  /** The tensor at that path. */
  readonly value: Tensor;
}

/**
 * The leaves of a tree in a fixed order (arrays by index, objects by sorted key), with paths.
 *
 * @example
 * ```ts
 * import { treeLeaves } from "./tree.ts";
 * import { zeros } from "./tensor.ts";
 * const leaves = treeLeaves({ w: zeros([2]), b: zeros([1]) });
 * if (leaves.map((l) => l.path.join(".")).join() !== "b,w") throw new Error("unexpected");
 * ```
 */
export function treeLeaves(tree: Tree): TreeLeaf[] {
  const out: TreeLeaf[] = [];
  mapAt(
    "treeLeaves",
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

/**
 * Flattens a tree to its leaves and a function that rebuilds a tree of the same structure.
 *
 * @example
 * ```ts
 * import { treeFlatten } from "./tree.ts";
 * import { ones, type Tensor, zeros } from "./tensor.ts";
 * const [leaves, unflatten] = treeFlatten({ a: zeros([2]), b: [zeros([3])] });
 * const rebuilt = unflatten(leaves.map((l) => ones(l.shape)));
 * const b = (rebuilt as { b: Tensor[] }).b;
 * if (b[0].data[2] !== 1) throw new Error("unexpected");
 * ```
 */
export function treeFlatten(tree: Tree): [Tensor[], (leaves: readonly Tensor[]) => Tree] {
  const leaves = treeLeaves(tree).map((l) => l.value);
  const unflatten = (next: readonly Tensor[]): Tree => {
    if (next.length !== leaves.length) {
      throw new TypeError(
        `treeUnflatten: the tree ${
          describeTree(tree)
        } has ${leaves.length} leaves, got ${next.length}`,
      );
    }
    let i = 0;
    return mapAt(
      "treeUnflatten",
      (old) => {
        const t = next[i++];
        if (!isTensor(t)) throw new TypeError(`treeUnflatten: leaf ${i - 1} is not a tensor`);
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

/**
 * Total number of scalars in a tree (the parameter count of a model).
 *
 * @example
 * ```ts
 * import { treeSize } from "./tree.ts";
 * import { zeros } from "./tensor.ts";
 * if (treeSize({ w: zeros([3, 4]), b: zeros([4]) }) !== 16) throw new Error("unexpected");
 * ```
 */
export function treeSize(tree: Tree): number {
  let n = 0;
  for (const leaf of treeLeaves(tree)) n += sizeOf(leaf.value.shape);
  return n;
}

/**
 * Throws a `TypeError` naming `op` and both structures unless the trees have the same
 * structure and leaf shapes.
 */
export function assertSameStructure(op: string, a: Tree, b: Tree): void {
  mapAt(
    op,
    (x, [y]) => {
      if (x.shape.join() !== y.shape.join()) {
        throw new TypeError(
          `${op}: leaf shapes differ, ${formatShape(x.shape)} vs ${formatShape(y.shape)}: ${
            describeTree(a)
          } vs ${describeTree(b)}`,
        );
      }
      return x;
    },
    a,
    [b],
    [],
  );
}
