"""The PyTorch and JAX side of bench/compare.ts: the same MLP 784-256-128-10 (ReLU, softmax
cross-entropy, batch 128, Adam lr 1e-3, float32) on the same data file, on one thread.

    python3 bench/_python_mlp.py --child pytorch-eager --data data.bin --steps 600 --warmup 500

Configurations:
- pytorch-eager: torch.nn.Sequential of Linear/ReLU, CrossEntropyLoss, torch.optim.Adam
  (its default foreach implementation), torch.set_num_threads(1).
- jax-jit: the whole step (loss, grad, Adam written out as in optax) under jax.jit, on XLA's
  CPU backend with one intra-op thread; each step waits for its result (block_until_ready).

Prints one line, RESULT_MARK + JSON, in bench/_common.ts's RunResult format (a missing library
gives an `error` field instead of numbers); the harness is bench/_python_common.py. Weights start from the libraries' own defaults, not
gradstream's: throughput does not depend on the values.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _python_common import (  # noqa: E402
    B1, B2, BATCH, EPS, LR, child_main, jax_adam, jax_one_thread, timed)

SIZES = (784, 256, 128, 10)


def pytorch(n, x, labels, warmup, steps):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.ReLU(),
        torch.nn.Linear(SIZES[1], SIZES[2]), torch.nn.ReLU(),
        torch.nn.Linear(SIZES[2], SIZES[3]),
    )
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(B1, B2), eps=EPS)
    loss_fn = torch.nn.CrossEntropyLoss()
    xs, ys = torch.from_numpy(x), torch.from_numpy(labels)
    batches = [(xs[i:i + BATCH], ys[i:i + BATCH]) for i in range(0, n - BATCH + 1, BATCH)]

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    detail = f"PyTorch {torch.__version__} eager, {torch.get_num_threads()} thread, Adam foreach"
    return detail, timed(lambda b: step(*b), batches, warmup, steps)


def jax_jit(n, x, labels, warmup, steps):
    jax = jax_one_thread()
    import jax.numpy as jnp

    def init(key):
        params = []
        for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
            key, sub = jax.random.split(key)
            limit = (6 / (fan_in + fan_out)) ** 0.5
            w = jax.random.uniform(sub, (fan_in, fan_out), jnp.float32, -limit, limit)
            params.append((w, jnp.zeros((fan_out,), jnp.float32)))
        return params

    def loss_fn(params, xb, yb):
        h = xb
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h)
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
    batches = [(jnp.asarray(x[i:i + BATCH]), jnp.asarray(labels[i:i + BATCH].astype("int32")))
               for i in range(0, n - BATCH + 1, BATCH)]

    def run(xb, yb):
        p, m, v, c, loss = step(*state, xb, yb)
        state[:] = [p, m, v, c]
        return float(loss.block_until_ready())

    detail = f"JAX {jax.__version__} jit, XLA CPU, 1 intra-op thread"
    return detail, timed(lambda b: run(*b), batches, warmup, steps)


if __name__ == "__main__":
    child_main(sys.argv[1:], {"pytorch-eager": pytorch, "jax-jit": jax_jit}, 500, 600)
