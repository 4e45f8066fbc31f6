/**
 * The backend `evaluate` and `predict` run on. Internal.
 *
 * @module
 */

import type { Backend } from "../kernels/kernels.ts";
import { checkBackend } from "./state.ts";

/** The backend to run on: the option, else the state's, else the default (checked). */
export function backendFor(
  op: string,
  state: { readonly backend?: Backend },
  option: Backend | undefined,
): Backend | undefined {
  if (option !== undefined) checkBackend(op, option);
  else if (state.backend !== undefined) checkBackend(op, state.backend, "the state's backend");
  return option ?? state.backend;
}
