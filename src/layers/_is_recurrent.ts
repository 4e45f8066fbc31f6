/**
 * Whether a layer was made by `rnn`, `lstm` or `gru`: what `bidirectional` and `resetState`
 * ask. Private to `src/layers/`.
 *
 * @module
 */

import type { Tree } from "../tree.ts";

/** The configuration a recurrent layer carries (`RecurrentInfo` in `recurrent.ts`). */
interface Recurrent {
  readonly recurrent: {
    readonly cell: string;
    readonly units: number;
    readonly output: "sequence" | "last" | "both";
    readonly stateful: boolean;
    readonly emptyState: Tree;
  };
}

/** Whether `layer` carries a recurrent layer's configuration. */
export function isRecurrent(layer: unknown): layer is Recurrent {
  const r = (layer as Partial<Recurrent> | null)?.recurrent;
  return typeof r === "object" && r !== null && typeof r.cell === "string" &&
    typeof r.stateful === "boolean";
}
