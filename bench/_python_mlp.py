"""The PyTorch and JAX side of bench/compare.ts: the same MLP 784-256-128-10 (ReLU, softmax
cross-entropy, batch 128, Adam lr 1e-3, float32) on the same data file, on one thread.

    python3 bench/_python_mlp.py --child pytorch-eager --data data.bin --steps 600 --warmup 500

Configurations:
- pytorch-eager: torch.nn.Sequential of Linear/ReLU, CrossEntropyLoss, torch.optim.Adam
  (its default foreach implementation), torch.set_num_threads(1).
- jax-jit: the whole step (loss, grad, Adam written out as in optax) under jax.jit, on XLA's
  CPU backend with one intra-op thread; each step waits for its result (block_until_ready).

Prints one line, RESULT_MARK + JSON, in bench/_common.ts's RunResult format (a missing library
gives an `error` field instead of numbers). Weights start from the libraries' own defaults, not
gradstream's: throughput does not depend on the values.
"""

import json
import os
import resource
import struct
import sys
import time

RESULT_MARK = "@@gradstream-bench "
SIZES = (784, 256, 128, 10)
BATCH = 128
LR = 1e-3
B1, B2, EPS = 0.9, 0.999, 1e-8


def read_bench_data(path):
    """Reads bench/_common.ts's writeBenchData file: (n, x float32 [n*784], labels uint8 [n])."""
    import numpy as np

    raw = open(path, "rb").read()
    magic, n, source_length = struct.unpack_from("<III", raw, 0)
    if magic != 0x6773626D:
        raise TypeError(f"_python_mlp: {path} is not a benchmark data file")
    labels_at = 16 + source_length
    x_at = (labels_at + n + 3) // 4 * 4
    labels = np.frombuffer(raw, dtype=np.uint8, count=n, offset=labels_at).astype(np.int64)
    x = np.frombuffer(raw, dtype=np.float32, count=n * SIZES[0], offset=x_at)
    return n, x.reshape(n, SIZES[0]).copy(), labels.copy()


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def timed(step, batches, warmup, steps):
    """Runs step(x, y) -> loss (float) warmup + steps times; the RunResult numbers."""
    laps, first, last = [], float("nan"), float("nan")
    total = warmup + steps
    t0 = prev = None
    for i in range(total):
        x, y = batches[i % len(batches)]
        loss = step(x, y)
        if i == warmup - 1:
            t0 = prev = time.perf_counter()
        elif i >= warmup:
            now = time.perf_counter()
            laps.append(now - prev)
            prev = now
            if i == warmup:
                first = loss
            last = loss
    seconds = prev - t0
    laps.sort()
    mid = len(laps) // 2
    median = laps[mid] if len(laps) % 2 else (laps[mid - 1] + laps[mid]) / 2
    return {
        "steps": len(laps),
        "seconds": seconds,
        "samplesPerSecond": len(laps) * BATCH / seconds,
        "medianSamplesPerSecond": BATCH / median,
        "peakRssBytes": peak_rss_bytes(),
        "firstLoss": first,
        "lastLoss": last,
    }


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
    return detail, timed(step, batches, warmup, steps)


def jax_jit(n, x, labels, warmup, steps):
    # One intra-op thread, as for the other configurations; set before jax is imported.
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               " --xla_cpu_multi_thread_eigen=false"
                               " intra_op_parallelism_threads=1").strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
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
        mu = jax.tree_util.tree_map(lambda m, g: B1 * m + (1 - B1) * g, mu, grads)
        nu = jax.tree_util.tree_map(lambda v, g: B2 * v + (1 - B2) * g * g, nu, grads)
        c1 = 1 / (1 - B1 ** count)
        c2 = 1 / (1 - B2 ** count)
        params = jax.tree_util.tree_map(
            lambda p, m, v: p - LR * (m * c1) / (jnp.sqrt(v * c2) + EPS), params, mu, nu)
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
    return detail, timed(run, batches, warmup, steps)


def main(argv):
    args = dict(zip(argv[0::2], argv[1::2]))
    config = args["--child"]
    warmup, steps = int(args.get("--warmup", "500")), int(args.get("--steps", "600"))
    try:
        n, x, labels = read_bench_data(args["--data"])
        run = {"pytorch-eager": pytorch, "jax-jit": jax_jit}[config]
        detail, numbers = run(n, x, labels, warmup, steps)
        result = {"config": config, "detail": detail, **numbers}
    except ImportError as e:
        result = {"config": config, "error": f"not installed ({e}); pip install torch jax"}
    except Exception as e:  # noqa: BLE001 - reported to the driver, which prints it
        result = {"config": config, "error": f"{type(e).__name__}: {e}"}
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
