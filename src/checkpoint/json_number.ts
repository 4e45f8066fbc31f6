/**
 * serde_json's verdict on a JSON number literal's range, followed step by step so that the
 * parser of `json.ts` refuses exactly the numbers the reference safetensors reader refuses.
 *
 * @module
 */

const POW10 = Array.from({ length: 309 }, (_, k) => Number(`1e${k}`));
const U64_MAX = (1n << 64n) - 1n;
const I32_MAX = 2 ** 31 - 1;

/**
 * Whether serde_json calls a number literal (already known to match the grammar) out of
 * range. Its float parsing is not correctly rounded: it keeps at most a u64 of significant
 * digits, converts them to a float and multiplies or divides by a power of ten, and refuses
 * the result when it is infinite. Near the largest float its verdict and `Number()`'s differ
 * (`1.7976931348623158e308` is refused), so its steps are followed here exactly. Integers
 * without fraction or exponent that fit in 64 bits are never out of range.
 */
export function outOfRange(text: string): boolean {
  let i = text.charCodeAt(0) === 0x2d ? 1 : 0;
  const n = text.length;
  const digit = (k: number) => text.charCodeAt(k) - 0x30;
  let sig = 0n, exponent = 0, overflowed = false, isFloat = false;
  for (; i < n && digit(i) >= 0 && digit(i) <= 9; i++) {
    if (overflowed) exponent++;
    else if (sig * 10n + BigInt(digit(i)) > U64_MAX) {
      overflowed = true;
      exponent++;
    } else sig = sig * 10n + BigInt(digit(i));
  }
  if (text.charCodeAt(i) === 0x2e) {
    isFloat = true;
    let cut = false;
    for (i++; i < n && digit(i) >= 0 && digit(i) <= 9; i++) {
      if (cut) continue;
      if (sig * 10n + BigInt(digit(i)) > U64_MAX) cut = true;
      else {
        sig = sig * 10n + BigInt(digit(i));
        exponent--;
      }
    }
  }
  if (i < n) {
    isFloat = true;
    i++; // e or E
    const sign = text[i] === "-" ? -1 : 1;
    if (text[i] === "-" || text[i] === "+") i++;
    let exp = 0;
    for (; i < n; i++) {
      exp = exp * 10 + digit(i);
      if (exp > I32_MAX) return sig !== 0n && sign > 0;
    }
    exponent = Math.max(-(2 ** 31), Math.min(I32_MAX, exponent + sign * exp));
  }
  if (!isFloat && !overflowed) return false;
  let f = Number(sig);
  for (;;) {
    const k = Math.abs(exponent);
    if (k <= 308) {
      if (exponent >= 0) return !Number.isFinite(f * POW10[k]);
      return false;
    }
    if (f === 0) return false;
    if (exponent >= 0) return true;
    f /= 1e308;
    exponent += 308;
  }
}
