"""What the PyTorch and JAX sides of the comparisons share (bench/_python_mlp.py,
_python_lstm.py, _python_vae.py): the settings of every benchmark, the data file of
bench/_common.ts, the timing loop, Adam written out as optax writes it, and the child's command
line and result line.

A child prints one line, RESULT_MARK + JSON, in bench/_common.ts's RunResult format; a missing
library gives an `error` field instead of numbers, which the driver reports as unavailable.
"""

import json
import os
import resource
import struct
import time

RESULT_MARK = "@@gradstream-bench "
BATCH = 128
LR = 1e-3
B1, B2, EPS = 0.9, 0.999, 1e-8


def read_bench_data(path, features=784, who="_python_common"):
    """Reads bench/_common.ts's writeBenchData file: (n, x float32 [n, features], labels int64 [n])."""
    import numpy as np

    raw = open(path, "rb").read()
    magic, n, source_length = struct.unpack_from("<III", raw, 0)
    if magic != 0x6773626D:
        raise TypeError(f"{who}: {path} is not a benchmark data file")
    labels_at = 16 + source_length
    x_at = (labels_at + n + 3) // 4 * 4
    labels = np.frombuffer(raw, dtype=np.uint8, count=n, offset=labels_at).astype(np.int64)
    x = np.frombuffer(raw, dtype=np.float32, count=n * features, offset=x_at)
    return n, x.reshape(n, features).copy(), labels.copy()


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def timed(step, batches, warmup, steps):
    """Runs step(batch) -> loss (float) warmup + steps times, cycling through batches; the
    RunResult numbers of the timed steps (the clock starts when the last warm-up step ends)."""
    laps, first, last = [], float("nan"), float("nan")
    t0 = prev = None
    for i in range(warmup + steps):
        loss = step(batches[i % len(batches)])
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


def jax_one_thread():
    """Sets XLA's CPU backend to one intra-op thread, as for the other configurations (before
    jax is first imported), and returns the jax module."""
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               " --xla_cpu_multi_thread_eigen=false"
                               " intra_op_parallelism_threads=1").strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax

    return jax


def jax_adam(params, mu, nu, count, grads):
    """One Adam step over pytrees, as optax's scale_by_adam then scale(-LR) write it; count is
    the step number after this step (1 at the first). Returns (params, mu, nu)."""
    import jax
    import jax.numpy as jnp

    mu = jax.tree_util.tree_map(lambda m, g: B1 * m + (1 - B1) * g, mu, grads)
    nu = jax.tree_util.tree_map(lambda v, g: B2 * v + (1 - B2) * g * g, nu, grads)
    c1 = 1 / (1 - B1 ** count)
    c2 = 1 / (1 - B2 ** count)
    params = jax.tree_util.tree_map(
        lambda p, m, v: p - LR * (m * c1) / (jnp.sqrt(v * c2) + EPS), params, mu, nu)
    return params, mu, nu


def child_main(argv, configs, default_warmup, default_steps):
    """The child's side of a comparison: `--child NAME --data FILE --warmup N --steps N`;
    configs maps NAME to run(n, x, labels, warmup, steps) -> (detail, numbers). Prints the
    result line (an error line when a library is missing or the run fails)."""
    args = dict(zip(argv[0::2], argv[1::2]))
    config = args["--child"]
    warmup = int(args.get("--warmup", str(default_warmup)))
    steps = int(args.get("--steps", str(default_steps)))
    try:
        n, x, labels = read_bench_data(args["--data"])
        detail, numbers = configs[config](n, x, labels, warmup, steps)
        result = {"config": config, "detail": detail, **numbers}
    except ImportError as e:
        result = {"config": config, "error": f"not installed ({e}); pip install torch jax"}
    except Exception as e:  # noqa: BLE001 - reported to the driver, which prints it
        result = {"config": config, "error": f"{type(e).__name__}: {e}"}
    print(RESULT_MARK + json.dumps(result), flush=True)
