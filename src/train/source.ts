/**
 * Batch sources: anything the training loop can pull one batch at a time.
 *
 * @module
 */

import { checkIterable } from "../_checks.ts";

/**
 * A pull-based source: a (re-)iterable or an async iterable, such as `batches(...)`, an array,
 * a generator, or an async generator reading a file in chunks. The loop asks for the next item
 * only after the previous step has finished, so a source never runs ahead of training and
 * memory stays bounded however fast it could read. (An `Observable` pushes and cannot be
 * paused, which is why it is not a source.)
 */
export type Source<T> = Iterable<T> | AsyncIterable<T>;

/** A source opened for pulling: `next` resolves one item at a time; `close` ends it early. */
export interface Puller<T> {
  /** Pulls the next item (always asynchronously, which keeps long loops off the stack). */
  next(): Promise<IteratorResult<T>>;
  /** Lets the source release what it holds (`return()` on its iterator). Idempotent. */
  close(): void;
}

/**
 * Opens a source for one pass: `Symbol.asyncIterator` if it has one, `Symbol.iterator`
 * otherwise (a `TypeError` if neither).
 *
 * @example
 * ```ts
 * import { openSource } from "./source.ts";
 * const pull = openSource([1, 2]);
 * const a = await pull.next(), b = await pull.next(), c = await pull.next();
 * if (a.value !== 1 || b.value !== 2 || !c.done) throw new Error("unexpected");
 * ```
 */
export function openSource<T>(source: Source<T>): Puller<T> {
  checkIterable("openSource", "the source", source);
  const asyncIt = (source as AsyncIterable<T>)[Symbol.asyncIterator];
  const syncIt = (source as Iterable<T>)[Symbol.iterator];
  const it: Iterator<T> | AsyncIterator<T> = typeof asyncIt === "function"
    ? asyncIt.call(source)
    : syncIt.call(source);
  let closed = false;
  return {
    next: async () => {
      if (closed) return { done: true, value: undefined };
      return await it.next();
    },
    close: () => {
      if (closed) return;
      closed = true;
      // A source that fails while closing must not mask the run's own outcome.
      try {
        const done = it.return?.();
        if (done instanceof Promise) done.catch(() => {});
      } catch {
        // ignored, see above
      }
    },
  };
}
