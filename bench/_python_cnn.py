"""The PyTorch and JAX side of bench/cnn_compare.ts: the CNN of issue 10 (conv 5x5 32 same, ReLU,
max pool 2, conv 5x5 64 same, ReLU, max pool 2, flatten, dense 128, ReLU, dense 10; softmax
cross-entropy, Adam lr 1e-3, batch 128, float32) on synthetic 28x28x1 images, one thread.

    python3 bench/_python_cnn.py torch STEPS WARMUP
    python3 bench/_python_cnn.py jax STEPS WARMUP

Prints one line: MARK + JSON {config, seconds, cpu, peak, detail} (or {config, error}).
- torch: torch.nn.Sequential in eager mode, torch.optim.Adam, torch.set_num_threads(1), NCHW.
- jax: the whole step (loss, grad, Adam written out as in optax) under jax.jit, NHWC, XLA's CPU
  backend with one intra-op thread; each step waits for its loss (block_until_ready).
"""

import json
import os
import resource
import sys
import time

MARK = "@@cnn-bench "
BATCH = 128
LR, B1, B2, EPS = 1e-3, 0.9, 0.999, 1e-8


def timed(step, steps, warmup):
    for _ in range(warmup):
        step()
    start, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    return time.perf_counter() - start, time.process_time() - cpu0


def torch_run(steps, warmup):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(B1, B2), eps=EPS)
    x = torch.rand(BATCH, 1, 28, 28)
    y = torch.arange(BATCH) % 10

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    seconds, cpu = timed(step, steps, warmup)
    return seconds, cpu, f"PyTorch {torch.__version__} eager, 1 thread"


def jax_run(steps, warmup):
    # One intra-op thread, set before jax is imported.
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               " --xla_cpu_multi_thread_eigen=false"
                               " intra_op_parallelism_threads=1").strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy as jnp

    def glorot(key, shape, fan_in, fan_out):
        limit = (6 / (fan_in + fan_out)) ** 0.5
        return jax.random.uniform(key, shape, jnp.float32, -limit, limit)

    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    params = {
        "w1": glorot(keys[0], (5, 5, 1, 32), 25, 800), "b1": jnp.zeros(32),
        "w2": glorot(keys[1], (5, 5, 32, 64), 800, 1600), "b2": jnp.zeros(64),
        "w3": glorot(keys[2], (3136, 128), 3136, 128), "b3": jnp.zeros(128),
        "w4": glorot(keys[3], (128, 10), 128, 10), "b4": jnp.zeros(10),
    }
    dims = ("NHWC", "HWIO", "NHWC")

    def block(h, w, b):
        h = jax.lax.conv_general_dilated(h, w, (1, 1), "SAME", dimension_numbers=dims) + b
        h = jax.nn.relu(h)
        return jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1),
                                     "VALID")

    def loss_fn(p, xb, yb):
        h = block(block(xb, p["w1"], p["b1"]), p["w2"], p["b2"]).reshape(xb.shape[0], -1)
        h = jax.nn.relu(h @ p["w3"] + p["b3"]) @ p["w4"] + p["b4"]
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))

    @jax.jit
    def train(p, mu, nu, count, xb, yb):
        loss, grads = jax.value_and_grad(loss_fn)(p, xb, yb)
        count = count + 1
        mu = jax.tree_util.tree_map(lambda m, g: B1 * m + (1 - B1) * g, mu, grads)
        nu = jax.tree_util.tree_map(lambda v, g: B2 * v + (1 - B2) * g * g, nu, grads)
        c1, c2 = 1 / (1 - B1 ** count), 1 / (1 - B2 ** count)
        p = jax.tree_util.tree_map(
            lambda q, m, v: q - LR * (m * c1) / (jnp.sqrt(v * c2) + EPS), p, mu, nu)
        return p, mu, nu, count, loss

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = [params, zeros, zeros, jnp.float32(0)]
    xb = jax.random.uniform(jax.random.PRNGKey(1), (BATCH, 28, 28, 1), jnp.float32)
    yb = jnp.arange(BATCH, dtype=jnp.int32) % 10

    def step():
        p, m, v, c, loss = train(*state, xb, yb)
        state[:] = [p, m, v, c]
        loss.block_until_ready()

    seconds, cpu = timed(step, steps, warmup)
    return seconds, cpu, f"JAX {jax.__version__} jit, XLA CPU, 1 intra-op thread"


def main(argv):
    which, steps, warmup = argv[0], int(argv[1]), int(argv[2])
    config = {"torch": "pytorch-eager", "jax": "jax-jit"}[which]
    try:
        seconds, cpu, detail = (torch_run if which == "torch" else jax_run)(steps, warmup)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        result = {"config": config, "seconds": seconds, "cpu": cpu, "peak": peak,
                  "detail": detail}
    except ImportError as e:
        result = {"config": config, "error": f"not installed ({e})"}
    print(MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
