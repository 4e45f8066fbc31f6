/** Checks shared by the charts: finite numbers, positive ones on log scales, domains. */

/** Throws a RangeError naming `caller` and `what` unless `v` is finite (NaN allowed as a gap). */
export function checkFinite(caller: string, what: string, v: number, allowNaN = false): void {
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
