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

import { checkFunction, describeValue } from "./_checks.ts";
import {
  describeTreeOf,
  flattenTree,
  formatPath,
  mapAt,
  mapLeaves,
  type Tree,
  type TreeLeaf,
} from "./_tree_walk.ts";
import { formatShape, isTensor, type Tensor } from "./tensor.ts";

// The types and formatPath live with the walker (which needs them), so the two files do not
// import each other; this module is their public home.
export { formatPath, type Tree, type TreeLeaf, type TreePath } from "./_tree_walk.ts";

/**
 * A short description of a tree's structure, used in error messages:
 * `{b:[3],w:[2,3]}` or `[{},null,[4]]`; a description past 160 characters is cut with `…`,
 * and anything that is not a tree is described as a value (`undefined`, `"w" (a string)`).
 *
 * @example
 * ```ts
 * import { describeTree } from "./tree.ts";
 * import { zeros } from "./tensor.ts";
 * if (describeTree({ w: zeros([2, 3]) }) !== "{w:[2,3]}") throw new Error("unexpected");
 * ```
 */
export function describeTree(tree: Tree): string {
  return describeTreeOf(tree);
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
  checkFunction("treeMap", "fn", fn, "a function of the leaves");
  return mapAt(
    "treeMap",
    (leaf, others, path) => {
      const out = fn(leaf, ...others);
      if (!isTensor(out)) {
        throw new TypeError(
          `treeMap: fn must return a tensor, got ${describeValue(out)} at ${formatPath(path)}`,
        );
      }
      return out;
    },
    tree,
    rest,
    [],
  ) as T;
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
  return mapLeaves("treeLeaves", tree);
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
  return flattenTree("treeFlatten", tree);
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
  for (const leaf of mapLeaves("treeSize", tree)) n += leaf.value.data.length;
  return n;
}

/**
 * Throws a `TypeError` naming `op` and both structures unless the trees have the same
 * structure and leaf shapes.
 */
export function assertSameStructure(op: string, a: Tree, b: Tree): void {
  if (typeof op !== "string") {
    throw new TypeError(`assertSameStructure: op must be a string, got ${describeValue(op)}`);
  }
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
