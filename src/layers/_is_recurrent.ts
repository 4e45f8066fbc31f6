/**
 * Whether a layer was made by `rnn`, `lstm` or `gru`: what `bidirectional` and `resetState`
 * ask. Private to `src/layers/`.
 *
 * @module
 */

import type { Tree } from "../tree.ts";
import type { RecurrentInfo, RecurrentLayer } from "./recurrent.ts";

/** Whether `layer` carries a recurrent layer's configuration. */
export function isRecurrent(layer: unknown): layer is RecurrentLayer<Tree, Tree> {
  const r = (layer as { recurrent?: RecurrentInfo } | null)?.recurrent;
  return typeof r === "object" && r !== null && typeof r.cell === "string" &&
    typeof r.stateful === "boolean";
}
