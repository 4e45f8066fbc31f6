/**
 * The chain of links without a name of its own (internal): `chain` names it `chain`, and each
 * alias names it after itself (`adam update: ...`), so an error is named once, for the
 * function the user called.
 *
 * @module
 */

import { untraced } from "../autodiff/ops.ts";
import { describeTree, type Tree } from "../tree.ts";
import { checkTransform } from "../_checks.ts";
import { checkParamsRoot, named } from "./_leaves.ts";
import type { Params, Transform } from "./transform.ts";

/** The state type of a transform. */
export type StateOf<T> = T extends Transform<infer S> ? S : never;

/** The state of `chain(...links)`: the tuple of the links' states, in order. */
export type ChainState<T extends readonly Transform<Tree>[]> = {
  -readonly [K in keyof T]: StateOf<T[K]>;
};

/** `links` run one after the other, the whole named `op` (see {@linkcode named}). */
export function chainAs<T extends readonly Transform<Tree>[]>(
  op: string,
  links: T,
): Transform<ChainState<T>> {
  links.forEach((link, i) => checkTransform(op, link, `link ${i}`));
  return named(op, {
    init: (params: Params) => links.map((link) => link.init(params)) as ChainState<T>,
    update(grads, state, params, t = untraced()) {
      // No name of its own in these messages: `named` prefixes the one the user called.
      // The links may not read the params, so their structure is checked here.
      checkParamsRoot("the params", params, grads);
      const states = state as readonly Tree[];
      if (!Array.isArray(states) || states.length !== links.length) {
        throw new TypeError(
          `expected a state array of ${links.length} link states (as init returned it), got ${
            describeTree(states as Tree)
          }`,
        );
      }
      const next: Tree[] = new Array(links.length);
      let updates = grads;
      for (let i = 0; i < links.length; i++) {
        [updates, next[i]] = links[i].update(updates, states[i], params, t);
      }
      return [updates, next as ChainState<T>];
    },
  });
}
