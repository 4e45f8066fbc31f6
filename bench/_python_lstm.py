"""The PyTorch and JAX side of bench/lstm_compare.ts: the LSTM of the comparison (28 steps of
28 features, hidden 128, the last hidden state into dense(10), softmax cross-entropy, batch 128,
Adam lr 1e-3, float32) on the same data file, on one thread.

    python3 bench/_python_lstm.py --child pytorch-lstm --data data.bin --steps 30 --warmup 5

Configurations:
- pytorch-lstm: torch.nn.LSTM(28, 128, batch_first=True) and nn.Linear(128, 10), eager, with
  CrossEntropyLoss and torch.optim.Adam; torch.set_num_threads(1). On CPU nn.LSTM runs
  PyTorch's own fused cell (one input product for all steps, then a gemm and a fused gate
  kernel per step), the reference the issue sets.
- jax-scan: the cell written out (one input product for all steps, then lax.scan over the
  steps), loss, grad and Adam (as optax writes it) in one jax.jit step, XLA's CPU backend with
  one intra-op thread; each step waits for its result (block_until_ready).

Prints one line, RESULT_MARK + JSON, in bench/_common.ts's RunResult format (a missing library
gives an `error` field instead of numbers). The data file, the timing loop and the command
line are bench/_python_common.py's. Weights start from the libraries' own defaults: throughput does not depend
on the values.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _python_common import (  # noqa: E402
    B1, B2, BATCH, EPS, LR, child_main, jax_adam, jax_one_thread, timed)

STEPS, FEATURES, HIDDEN, CLASSES = 28, 28, 128, 10


def batches_of(n, x, labels, to):
    """The data as whole batches of images read row by row: x [BATCH, 28, 28], labels [BATCH]."""
    rows = x.reshape(n, STEPS, FEATURES)
    return [(to(rows[i:i + BATCH]), to(labels[i:i + BATCH])) for i in range(0, n - BATCH + 1, BATCH)]


def pytorch(n, x, labels, warmup, steps):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(FEATURES, HIDDEN, batch_first=True)
            self.head = torch.nn.Linear(HIDDEN, CLASSES)

        def forward(self, xb):
            _, (h, _) = self.lstm(xb)  # h: [layers=1, batch, hidden], the last state
            return self.head(h[0])

    model = Model()
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(B1, B2), eps=EPS)
    loss_fn = torch.nn.CrossEntropyLoss()
    batches = batches_of(n, x, labels, torch.from_numpy)

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    detail = f"PyTorch {torch.__version__} eager nn.LSTM, {torch.get_num_threads()} thread"
    return detail, timed(lambda b: step(*b), batches, warmup, steps)


def jax_scan(n, x, labels, warmup, steps):
    jax = jax_one_thread()
    import jax.numpy as jnp

    def init(key):
        k1, k2, k3 = jax.random.split(key, 3)
        s = 1 / HIDDEN ** 0.5  # PyTorch's LSTM initialisation: U(-1/sqrt(H), 1/sqrt(H))
        return {
            "wx": jax.random.uniform(k1, (FEATURES, 4 * HIDDEN), jnp.float32, -s, s),
            "wh": jax.random.uniform(k2, (HIDDEN, 4 * HIDDEN), jnp.float32, -s, s),
            "b": jnp.zeros((4 * HIDDEN,), jnp.float32),
            "wo": jax.random.uniform(k3, (HIDDEN, CLASSES), jnp.float32, -s, s),
            "bo": jnp.zeros((CLASSES,), jnp.float32),
        }

    def loss_fn(p, xb, yb):
        # The input projections of all steps in one product, then the recurrence under scan.
        zx = jnp.einsum("btf,fg->tbg", xb, p["wx"]) + p["b"]

        def cell(carry, z):
            h, c = carry
            i, f, g, o = jnp.split(z + h @ p["wh"], 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), None

        zeros = jnp.zeros((xb.shape[0], HIDDEN), jnp.float32)
        (h, _), _ = jax.lax.scan(cell, (zeros, zeros), zx)
        logp = jax.nn.log_softmax(h @ p["wo"] + p["bo"])
        return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))

    @jax.jit
    def step(params, mu, nu, count, xb, yb):
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        count = count + 1
        params, mu, nu = jax_adam(params, mu, nu, count, grads)
        return params, mu, nu, count, loss

    params = init(jax.random.PRNGKey(0))
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = [params, zeros, zeros, jnp.float32(0)]
    batches = batches_of(n, x, labels.astype("int32"), jnp.asarray)

    def run(xb, yb):
        p, m, v, c, loss = step(*state, xb, yb)
        state[:] = [p, m, v, c]
        return float(loss.block_until_ready())

    detail = f"JAX {jax.__version__} jit + lax.scan, XLA CPU, 1 intra-op thread"
    return detail, timed(lambda b: run(*b), batches, warmup, steps)


if __name__ == "__main__":
    child_main(sys.argv[1:], {"pytorch-lstm": pytorch, "jax-scan": jax_scan}, 5, 30)
