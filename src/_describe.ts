/**
 * Bounded descriptions of values for error messages (`describeValue`), below the argument
 * checks of `_checks.ts` so that every check can print what it was given. Internal.
 *
 * @module
 */

/** The longest string (and key) a message prints whole. */
export const MAX_STRING = 40;
const MAX_ITEMS = 6;

/**
 * A short, bounded description of any value for an error message: numbers and short strings
 * as written, long strings cut, arrays by length and first entries, tensors by dtype and shape,
 * objects by their first keys.
 */
export function describeValue(value: unknown, depth = 0): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n (a bigint)`;
    case "boolean":
      return String(value);
    case "string": {
      const s = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
      return `${JSON.stringify(s)} (a string)`;
    }
    case "function":
      return `a function${value.name ? ` ${value.name}` : ""}`;
    case "symbol":
      return "a symbol";
  }
  const v = value as Record<string, unknown>;
  if (
    (v.data instanceof Float32Array || v.data instanceof Float64Array) && Array.isArray(v.shape) &&
    (v.dtype === "float32" || v.dtype === "float64")
  ) {
    return `a ${v.dtype} tensor of shape [${(v.shape as unknown[]).slice(0, 8).join(",")}${
      (v.shape as unknown[]).length > 8 ? ",…" : ""
    }]`;
  }
  if (ArrayBuffer.isView(value)) {
    const n = (value as unknown as ArrayLike<unknown>).length ?? 0;
    return `a ${value.constructor.name} of length ${n}`;
  }
  if (Array.isArray(value)) {
    if (depth > 0) return `[…${value.length}]`;
    const head = value.slice(0, MAX_ITEMS).map((x) => describeValue(x, depth + 1));
    const inner = head.join(",") + (value.length > MAX_ITEMS ? ",…" : "");
    return value.length > MAX_ITEMS ? `[${inner}] (${value.length} entries)` : `[${inner}]`;
  }
  if (depth > 0) return "{…}";
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    return `a ${(value as object).constructor?.name ?? "non-plain"} object`;
  }
  const keys = Object.keys(v);
  const shown = keys.slice(0, MAX_ITEMS).map((k) => `${k}:${describeValue(v[k], depth + 1)}`);
  return `{${shown.join(",")}${keys.length > MAX_ITEMS ? ",…" : ""}}`;
}
