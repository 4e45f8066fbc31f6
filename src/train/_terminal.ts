/**
 * Standard output as the progress display sees it: whether it is a terminal, how wide, and a
 * synchronous write, on Deno, Bun and Node. Internal.
 *
 * @module
 */

interface Runtime {
  Deno?: {
    stdout: { isTerminal(): boolean; writeSync(b: Uint8Array): number };
    consoleSize?: () => { columns: number; rows: number };
  };
  process?: { stdout?: { isTTY?: boolean; columns?: number; write(s: string): boolean } };
}

/** The width assumed for a terminal that does not say how wide it is. */
export const FALLBACK_COLUMNS = 80;

/**
 * Whether standard output is a terminal: `Deno.stdout.isTerminal()` on Deno,
 * `process.stdout.isTTY` on Bun and Node.
 *
 * @example
 * ```ts
 * import { stdoutIsTerminal } from "./progress.ts";
 * if (typeof stdoutIsTerminal() !== "boolean") throw new Error("unexpected");
 * ```
 */
export function stdoutIsTerminal(): boolean {
  const rt = globalThis as Runtime;
  if (rt.Deno !== undefined) return rt.Deno.stdout.isTerminal();
  return rt.process?.stdout?.isTTY === true;
}

/**
 * The terminal's width in columns: `Deno.consoleSize()` on Deno, `process.stdout.columns` on
 * Bun and Node; {@linkcode FALLBACK_COLUMNS} when standard output is not a terminal or the
 * runtime does not say (a pipe, a CI log, a terminal reporting 0 columns).
 *
 * @example
 * ```ts
 * import { terminalColumns } from "./progress.ts";
 * const columns = terminalColumns();
 * if (!(Number.isInteger(columns) && columns > 0)) throw new Error(`unexpected: ${columns}`);
 * ```
 */
export function terminalColumns(): number {
  const rt = globalThis as Runtime;
  let columns: number | undefined;
  try {
    columns = rt.Deno !== undefined ? rt.Deno.consoleSize?.().columns : rt.process?.stdout?.columns;
  } catch {
    // Deno.consoleSize throws when standard output is not a terminal.
    columns = undefined;
  }
  return columns !== undefined && Number.isInteger(columns) && columns > 0
    ? columns
    : FALLBACK_COLUMNS;
}

const encoder = new TextEncoder();

/** Writes `text` to standard output synchronously (so a redraw is never interleaved). */
export function writeStdout(text: string): void {
  const rt = globalThis as Runtime;
  if (rt.Deno !== undefined) {
    const bytes = encoder.encode(text);
    let off = 0;
    while (off < bytes.length) off += rt.Deno.stdout.writeSync(bytes.subarray(off));
  } else {
    rt.process?.stdout?.write(text);
  }
}
