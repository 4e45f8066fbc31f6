/**
 * Structural argument checks: PRNG keys, layers, transforms, iterables, bytes and backends,
 * each a `TypeError` naming the caller's op, plus `rethrowAs` for errors from code it calls.
 * Internal; re-exported by `_checks.ts`.
 *
 * @module
 */

import { describeValue } from "./_describe.ts";

/**
 * A PRNG key: a frozen-or-not pair of uint32 words (a `TypeError` otherwise, with a hint to
 * build keys with `key(seed)`).
 */
export function checkKey(op: string, key: unknown, name = "key"): void {
  if (
    !Array.isArray(key) || key.length !== 2 ||
    !key.every((w) => typeof w === "number" && Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
  ) {
    throw new TypeError(
      `${op}: ${name} must be a pair of uint32 words, got ${describeValue(key)} ` +
        `(make keys with key(seed) and split them with split(key))`,
    );
  }
}

/**
 * Runs `fn`, prefixing the message of a `TypeError` or `RangeError` it throws with `op` (the
 * public function that called user code or a lower-level function), unless the message already
 * names it first; the original error is kept as `cause`. No cost unless something throws.
 */
export function rethrowAs<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if ((e instanceof TypeError || e instanceof RangeError) && !e.message.startsWith(op)) {
      const Ctor = e instanceof TypeError ? TypeError : RangeError;
      throw new Ctor(`${op}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/** A layer is an object with `init` and `apply` functions (a `TypeError` naming `op`). */
export function checkLayer(op: string, layer: unknown, what = "the model"): void {
  const l = layer as { init?: unknown; apply?: unknown } | null;
  if (
    typeof l !== "object" || l === null || typeof l.init !== "function" ||
    typeof l.apply !== "function"
  ) {
    throw new TypeError(
      `${op}: ${what} must be a layer { init, apply }, got ${describeValue(layer)}${
        typeof layer === "function" ? " (call the factory: dense(8), not dense)" : ""
      }`,
    );
  }
}

/** A transform is an object with `init` and `update` functions (a `TypeError` naming `op`). */
export function checkTransform(op: string, t: unknown, what = "the optimiser"): void {
  const o = t as { init?: unknown; update?: unknown } | null;
  if (
    typeof o !== "object" || o === null || typeof o.init !== "function" ||
    typeof o.update !== "function"
  ) {
    throw new TypeError(
      `${op}: ${what} must be a transform { init, update }, got ${describeValue(t)}${
        typeof t === "function" ? " (call the factory: adam(1e-3), not adam)" : ""
      }`,
    );
  }
}

/** `value` must be an iterable or async iterable (a `TypeError` naming `op`). */
export function checkIterable(op: string, name: string, value: unknown): void {
  const v = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
  if (
    typeof v !== "object" || v === null ||
    (typeof v[Symbol.iterator] !== "function" && typeof v[Symbol.asyncIterator] !== "function")
  ) {
    throw new TypeError(
      `${op}: ${name} must be an iterable or async iterable, got ${describeValue(value)}`,
    );
  }
}

/** Bytes: a `Uint8Array` (a `TypeError` naming `op` otherwise). */
export function checkBytes(op: string, name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${op}: ${name} must be a Uint8Array, got ${describeValue(value)}`);
  }
}

/**
 * A backend is an object with a `gemm` kernel (a `TypeError` naming `op` otherwise): the one check
 * every floor that takes a backend value makes, structural so that floor 0 needs no backend type.
 */
export function checkBackend(op: string, b: unknown, what = "the backend"): void {
  if (typeof b !== "object" || b === null || typeof (b as { gemm?: unknown }).gemm !== "function") {
    throw new TypeError(
      `${op}: ${what} must be a backend (backend("ts"), defaultBackend(), ...), got ${
        describeValue(b)
      }`,
    );
  }
}
