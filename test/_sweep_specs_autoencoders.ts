/**
 * Sweep specs of the autoencoder parts: the corruption layers (`gaussianNoise`,
 * `maskingNoise`), the sparsity penalty (`activitySparsity`), the VAE's `reparameterize` and
 * the `bernoulliNll` loss: malformed options, and each layer's init/apply protocol.
 *
 * @module
 */

import * as g from "../mod.ts";
import { badCall, num, options, type Spec, spec, t64, tensorArg } from "./_sweep.ts";
import { type AnyLayer, lossSpec, protocol } from "./_sweep_specs_models.ts";

const x23 = () => t64([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]);
const x24 = () => t64([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, -0.7, 0.8]]);

/** The autoencoder layers' factories and protocol, and the Bernoulli loss. */
export const autoencoderSpecs: Spec[] = [
  spec("gaussianNoise", g.gaussianNoise, [num(0.5, { min: 0 })]),
  ...protocol("gaussianNoise", () => g.gaussianNoise(0.5) as AnyLayer, [3], x23, {
    params: [() => ({})],
    state: [() => ({})],
    contexts: [{ training: true }],
  }),
  spec("maskingNoise", g.maskingNoise, [num(0.5, { min: 0, max: 1, maxExclusive: true })]),
  ...protocol("maskingNoise", () => g.maskingNoise(0.5) as AnyLayer, [3], x23, {
    params: [() => ({})],
    state: [() => ({})],
    contexts: [{ training: true }],
  }),
  spec("activitySparsity", g.activitySparsity, [
    options(() => ({ target: 0.1, weight: 2 }), {
      target: num(0.1, { min: 0, max: 1, optional: true }),
      weight: num(2, { min: 0, optional: true }),
    }),
  ]),
  ...protocol("activitySparsity", () => g.activitySparsity() as AnyLayer, [3], x23, {
    params: [() => ({})],
    state: [() => ({})],
    x: [() => t64([0.1, 0.2])],
  }),
  spec("reparameterize", g.reparameterize, []),
  badCall(
    "reparameterize",
    "reparameterize(20)",
    () => (g.reparameterize as (...a: unknown[]) => unknown)(20),
  ),
  ...protocol("reparameterize", () => g.reparameterize() as AnyLayer, [4], x24, {
    inShapes: [[3], [4, 2], [0]],
    params: [() => ({})],
    state: [() => ({})],
    x: [() => t64([[1, 2, 3]]), () => t64([1, 2, 3, 4])],
    contexts: [{ training: true }],
  }),
  ...lossSpec(
    "bernoulliNll",
    g.bernoulliNll,
    tensorArg(() => t64([[0.5, -1], [2, 0]]), [() => t64([1, 2])]),
    tensorArg(() => t64([[0, 1], [0.5, 0]]), [
      () => t64([[0, 2], [1, 0]]),
      () => t64([[0, -1], [1, NaN]]),
      () => t64([0, 1]),
    ]),
  ),
];
