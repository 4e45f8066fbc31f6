/**
 * What every user of a WebAssembly instance's memory here needs: its page size, the ceiling on
 * addresses, and the alignment of a v128.
 *
 * @module
 */

/** A WebAssembly memory page, in bytes. */
export const PAGE = 65536;

/** Stay below 2 GiB so every byte address is a positive i32 in the module. */
export const MAX_BYTES = 2 ** 31 - PAGE;

/** `x` rounded up to a multiple of 16 (a v128's alignment). */
export const align16 = (x: number): number => (x + 15) & ~15;
