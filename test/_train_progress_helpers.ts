/** Step contexts and a fake clock that the progress and summary tests share (not a test file itself). */
import { from, map, type Observable } from "rxjs";
import { type Batch, key, type StepCtx, tensor } from "../mod.ts";
import { backend } from "../src/kernels/select.ts";

export const state = {
  params: null,
  modelState: null,
  optState: null,
  backend: backend("ts"),
  step: 0,
  epoch: 0,
  key: key(0),
};

/** A step context with a loss and a two-class prediction that is right for `right` rows. */
export function ctx(
  epoch: number,
  index: number,
  size: number,
  loss: number,
  right: number,
  batchCount?: number,
): StepCtx {
  const rows = Array.from({ length: size }, (_, i) => (i < right ? [1, 0] : [0, 1]));
  const batch: Batch = {
    x: tensor(rows),
    y: tensor(new Array(size).fill(0)),
    epoch,
    index,
    size,
    ...(batchCount === undefined ? {} : { batchCount }),
  };
  return { state: { ...state, step: 1 + index + 10 * epoch }, batch, loss, y: tensor(rows) };
}

/**
 * A fake clock that moves only when told: `steps` emits contexts as if each took `ms` to
 * compute, and validation or other work downstream calls `advance`.
 */
export class FakeClock {
  t = 0;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
  steps(contexts: StepCtx[], ms: number): Observable<StepCtx> {
    return from(contexts).pipe(map((c) => (this.advance(ms), c)));
  }
}
