/** Checks shared by the charts: finite numbers, positive ones on log scales, domains. */

/** Throws a RangeError naming `caller` and `what` unless `v` is finite (NaN allowed as a gap). */
export function checkFinite(caller: string, what: string, v: number, allowNaN = false): void {
  if (typeof v !== "number") {
    throw new TypeError(`${caller}: ${what} must be a number, got ${describe(v)}`);
  }
  if (Number.isNaN(v) && allowNaN) return;
  if (!Number.isFinite(v)) throw new RangeError(`${caller}: ${what} must be finite, got ${v}`);
}

/** Throws a RangeError unless `domain` is two finite numbers, the first below the second. */
export function checkDomain(
  caller: string,
  what: string,
  domain: readonly [number, number] | undefined,
  log = false,
): void {
  if (domain === undefined) return;
  if (!Array.isArray(domain) || domain.length !== 2) {
    throw new RangeError(`${caller}: ${what} must be [min, max], got ${describe(domain)}`);
  }
  const [a, b] = domain;
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b) || (log && !(a > 0))) {
    throw new RangeError(
      `${caller}: ${what} must be [min, max] with min < max${
        log ? " and min > 0 (log scale)" : ""
      }, ` +
        `got [${a}, ${b}]`,
    );
  }
}

/** The extent of finite values (NaN skipped); `undefined` when there are none. */
export function extent(values: Iterable<number>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** A short description of a bad value for a message (never the whole value). */
function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") return JSON.stringify(v.slice(0, 40));
  if (typeof v === "object") return "an object";
  return typeof v === "function" ? "a function" : String(v);
}

/**
 * An options argument: `undefined` (defaults) or a plain object whose keys are all `known`
 * (a misspelt option would otherwise be ignored); a `TypeError` naming `caller` otherwise.
 */
export function checkOptions<T extends object>(
  caller: string,
  options: T | undefined,
  known: readonly string[],
  what = "options",
): T {
  if (options === undefined) return {} as T;
  const proto = typeof options === "object" && options !== null
    ? Object.getPrototypeOf(options)
    : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`${caller}: ${what} must be a plain object, got ${describe(options)}`);
  }
  for (const [k, v] of Object.entries(options)) {
    // No option takes null: leave an option out (or undefined) for its default.
    if (v === null && known.includes(k)) {
      throw new TypeError(`${caller}: ${what}.${k} is null; leave it out for the default`);
    }
    if (!known.includes(k)) {
      throw new TypeError(
        `${caller}: unknown option ${JSON.stringify(k.slice(0, 40))} in ${what}; the options ` +
          `are ${known.join(", ")}`,
      );
    }
  }
  return options;
}

/** A non-empty array (a `TypeError`, or a `RangeError` when empty, naming `caller`). */
export function checkList(caller: string, what: string, value: unknown): void {
  if (!Array.isArray(value)) {
    throw new TypeError(`${caller}: ${what} must be an array, got ${describe(value)}`);
  }
  if (value.length === 0) throw new RangeError(`${caller}: needs at least one ${what}, got none`);
}

/** An object (for list entries and specs); a `TypeError` naming `caller` otherwise. */
export function checkObject(caller: string, what: string, value: unknown): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${caller}: ${what} must be an object, got ${describe(value)}`);
  }
}

/** An array or typed array of numbers; a `TypeError` naming `caller` otherwise. */
export function checkNumbers(caller: string, what: string, value: unknown): void {
  const ok = ArrayBuffer.isView(value) && !(value instanceof DataView)
    ? true
    : Array.isArray(value) && value.every((v) => typeof v === "number");
  if (!ok) {
    throw new TypeError(`${caller}: ${what} must be an array of numbers, got ${describe(value)}`);
  }
}

/** A string, or `undefined` when `optional`; a `TypeError` naming `caller` otherwise. */
export function checkString(caller: string, what: string, value: unknown, optional = true): void {
  if (value === undefined && optional) return;
  if (typeof value !== "string") {
    throw new TypeError(`${caller}: ${what} must be a string, got ${describe(value)}`);
  }
}

/** A boolean or `undefined`; a `TypeError` naming `caller` otherwise. */
export function checkFlag(caller: string, what: string, value: unknown): void {
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(`${caller}: ${what} must be true or false, got ${describe(value)}`);
  }
}

/** The option names every chart takes (see `ChartOptions`). */
export const CHART_OPTIONS = ["width", "height", "title", "xLabel", "yLabel", "margins"] as const;
