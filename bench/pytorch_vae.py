#!/usr/bin/env python3
"""PyTorch CPU reference peer for the project's VAE training-speed benchmark.

Builds the same VAE as the project's Keras/TF.js model (NCHW here instead of
NHWC), then measures:

  * full training steps (zero_grad + forward + backward + Adam step) in
    images/s, for every (batch size, thread count) pair;
  * inference: encoding N images (mu only, batch 1000, no_grad) in images/s
    and decoding a 20x20 latent grid (400 z) in ms.

TensorFlow 'same' padding is reproduced exactly:
  * Conv2d k3 s2 on even input pads 0 top/left and 1 bottom/right
    -> F.pad(x, (0, 1, 0, 1)) followed by a conv with padding 0;
  * ConvTranspose2d k3 s2 'same' (the gradient of that conv) corresponds to a
    torch ConvTranspose2d with padding 0 whose output is cropped to
    [:out, :out] (7 -> 15 -> 14). Note that padding=1, output_padding=1 gives
    the same shape but a result shifted by one pixel relative to TF, so it is
    not used. (Checked against tfjs-core's conv2dTranspose on a 2x2 input.)

--deconv conv computes the same transposed convolutions (same nn.ConvTranspose2d
parameters, same results to float rounding) as ordinary convolutions: flipped,
transposed kernel, on the zero-interleaved input for stride 2. Reason: a torch
build whose BLAS is the generic/reference one (Debian's python3-torch with
libblas3, BLAS_INFO=generic) runs nn.ConvTranspose2d through
slow_conv_transpose2d + that BLAS, several times slower than the oneDNN
(mkldnn) path that Conv2d uses. The default (--deconv native) measures
nn.ConvTranspose2d as is. The BLAS in use is reported either way.

Usage (use Debian's interpreter, which has python3-torch):
  /usr/bin/python3 bench/pytorch_vae.py [--batch-sizes 32,128] [--threads 1,2]
      [--seconds 5] [--warmup 5] [--encode-n 10000] [--mnist-dir DIR]
      [--omp-passive] [--deconv native|conv] [--json]

On some VMs two OpenMP threads are slower than one unless OMP_WAIT_POLICY=PASSIVE
is set before torch is imported; --omp-passive re-executes this script with it
set so a caller can measure both. The value in effect is always reported.

Exit codes: 0 ok, 1 model/argument error, 2 torch cannot be imported.
"""

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time

EXPECTED_ENCODER_PARAMS = 105_220
EXPECTED_DECODER_PARAMS = 102_017
LATENT_DIM = 2
LEAKY_ALPHA = 0.3  # Keras LeakyReLU default


def parse_int_list(text):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def parse_args(argv):
    p = argparse.ArgumentParser(description="PyTorch CPU reference benchmark for the project's VAE.")
    p.add_argument("--batch-sizes", type=parse_int_list, default=[32, 128],
                   help="comma-separated training batch sizes (default 32,128)")
    p.add_argument("--threads", type=parse_int_list, default=[1, 2],
                   help="comma-separated torch.set_num_threads values (default 1,2)")
    p.add_argument("--seconds", type=float, default=5.0,
                   help="timed seconds per training configuration (default 5)")
    p.add_argument("--warmup", type=int, default=5,
                   help="untimed warm-up steps per training configuration (default 5)")
    p.add_argument("--encode-n", type=int, default=10_000,
                   help="images to encode in the inference benchmark (default 10000)")
    p.add_argument("--mnist-dir", default=None,
                   help="directory with MNIST IDX files (train-images-idx3-ubyte[.gz]); "
                        "random data in [0,1] otherwise")
    p.add_argument("--omp-passive", action="store_true",
                   help="re-execute with OMP_WAIT_POLICY=PASSIVE if it is not already set to that")
    p.add_argument("--deconv", choices=("native", "conv"), default="native",
                   help="decoder transposed convolutions: 'native' nn.ConvTranspose2d (default) or "
                        "'conv', the same maths computed with F.conv2d (see module docstring)")
    p.add_argument("--json", action="store_true",
                   help="print exactly one JSON object to stdout instead of a table")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = p.parse_args(argv)
    if args.seconds <= 0:
        p.error("--seconds must be > 0")
    if args.warmup < 0:
        p.error("--warmup must be >= 0")
    if args.encode_n <= 0:
        p.error("--encode-n must be > 0")
    return args


def maybe_reexec_passive(args):
    """Must run before torch is imported: OpenMP reads the variable at start-up."""
    if not args.omp_passive:
        return
    if os.environ.get("OMP_WAIT_POLICY", "").upper() == "PASSIVE":
        return
    env = dict(os.environ)
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)


def import_torch():
    try:
        import torch  # noqa: F401
        import torch.nn  # noqa: F401
        import torch.nn.functional  # noqa: F401
    except Exception as exc:  # ImportError, or a broken install raising something else
        sys.stderr.write(
            f"error: cannot import torch with {sys.executable} ({type(exc).__name__}: {exc}).\n"
            "Run this benchmark with an interpreter that has PyTorch, e.g. Debian's "
            "/usr/bin/python3 with the python3-torch package.\n")
        sys.exit(2)
    return sys.modules["torch"]


def build_model(torch, deconv="native"):
    nn = torch.nn
    F = torch.nn.functional

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, stride=1, padding=1)
            self.conv2 = nn.Conv2d(32, 64, 3, stride=2, padding=0)  # TF 'same': pad (0,1,0,1)
            self.conv3 = nn.Conv2d(64, 64, 3, stride=2, padding=0)  # TF 'same': pad (0,1,0,1)
            self.conv4 = nn.Conv2d(64, 64, 3, stride=1, padding=1)
            self.mu = nn.Linear(64 * 7 * 7, LATENT_DIM)
            self.log_var = nn.Linear(64 * 7 * 7, LATENT_DIM)

        def features(self, x):
            x = F.leaky_relu(self.conv1(x), LEAKY_ALPHA)
            x = F.leaky_relu(self.conv2(F.pad(x, (0, 1, 0, 1))), LEAKY_ALPHA)
            x = F.leaky_relu(self.conv3(F.pad(x, (0, 1, 0, 1))), LEAKY_ALPHA)
            x = F.leaky_relu(self.conv4(x), LEAKY_ALPHA)
            # Flatten order differs from Keras' NHWC flatten, but it is only a fixed
            # permutation of the Dense weights: same shapes, same cost.
            return torch.flatten(x, 1)

        def encode_mu(self, x):
            return self.mu(self.features(x))

        def forward(self, x):
            h = self.features(x)
            mu = self.mu(h)
            log_var = self.log_var(h)
            eps = torch.randn_like(mu)
            z = mu + torch.exp(log_var / 2) * eps
            return mu, log_var, z

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(LATENT_DIM, 64 * 7 * 7)
            self.deconv1 = nn.ConvTranspose2d(64, 64, 3, stride=1, padding=1)
            self.deconv2 = nn.ConvTranspose2d(64, 64, 3, stride=2, padding=0)  # crop 15 -> 14
            self.deconv3 = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=0)  # crop 29 -> 28
            self.deconv4 = nn.ConvTranspose2d(32, 1, 3, stride=1, padding=1)

        @staticmethod
        def _same(m, x):
            """TF 'same' transposed conv (k3; stride 1 or 2, output = stride * input)."""
            stride = m.stride[0]
            if deconv == "native":
                y = m(x)
                return y if stride == 1 else y[:, :, :stride * x.shape[2], :stride * x.shape[3]]
            w = m.weight.flip(2, 3).transpose(0, 1)  # [in,out,k,k] -> [out,in,k,k], flipped
            if stride == 1:
                return F.conv2d(x, w, m.bias, padding=1)
            b, c, h, wd = x.shape
            up = x.new_zeros(b, c, 2 * h - 1, 2 * wd - 1)
            up[:, :, ::2, ::2] = x
            return F.conv2d(F.pad(up, (2, 1, 2, 1)), w, m.bias)

        def forward(self, z):
            x = self.fc(z).view(-1, 64, 7, 7)
            x = F.leaky_relu(self._same(self.deconv1, x), LEAKY_ALPHA)
            x = F.leaky_relu(self._same(self.deconv2, x), LEAKY_ALPHA)   # 7 -> 14
            x = F.leaky_relu(self._same(self.deconv3, x), LEAKY_ALPHA)   # 14 -> 28
            return torch.sigmoid(self._same(self.deconv4, x))

    return Encoder(), Decoder()


def count_params(module):
    return sum(p.numel() for p in module.parameters())


def vae_loss(torch, x, x_hat, mu, log_var):
    r_loss = 1000.0 * torch.mean((x - x_hat) ** 2, dim=(1, 2, 3))
    kl = -0.5 * torch.sum(1 + log_var - mu ** 2 - torch.exp(log_var), dim=1)
    return torch.mean(r_loss + kl)


def find_mnist_images(directory):
    for name in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte",
                 "train-images.idx3-ubyte.gz", "train-images.idx3-ubyte"):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def load_mnist(torch, directory):
    path = find_mnist_images(directory)
    if path is None:
        sys.stderr.write(f"error: no train-images-idx3-ubyte[.gz] in {directory!r}\n")
        sys.exit(1)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic != 2051:
        sys.stderr.write(f"error: {path} is not an IDX3 image file (magic {magic})\n")
        sys.exit(1)
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    if (rows, cols) != (28, 28) or len(raw) < 16 + n * rows * cols:
        sys.stderr.write(f"error: unexpected MNIST layout in {path}\n")
        sys.exit(1)
    data = torch.frombuffer(bytearray(raw[16:16 + n * rows * cols]), dtype=torch.uint8)
    return data.view(n, 1, 28, 28).to(torch.float32).div_(255.0), path


def make_batches(torch, pool, batch, generator):
    """Cycle through a shuffled copy of the pool in contiguous (view) batches."""
    n = pool.shape[0]
    shuffled = pool[torch.randperm(n, generator=generator)].contiguous()
    starts = list(range(0, n - batch + 1, batch)) or [0]
    i = 0
    while True:
        s = starts[i % len(starts)]
        yield shuffled[s:s + batch]
        i += 1


def bench_train(torch, pool, batch, threads, seconds, warmup, seed, deconv):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)  # same initial weights for every configuration
    encoder, decoder = build_model(torch, deconv)
    encoder.train()
    decoder.train()
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, lr=0.0005, betas=(0.9, 0.999), eps=1e-7)
    gen = torch.Generator().manual_seed(seed)
    batches = make_batches(torch, pool, batch, gen)

    def step(x):
        opt.zero_grad()
        mu, log_var, z = encoder(x)
        x_hat = decoder(z)
        loss = vae_loss(torch, x, x_hat, mu, log_var)
        loss.backward()
        opt.step()
        return loss

    for _ in range(warmup):
        step(next(batches))

    steps = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        loss = step(next(batches))
        steps += 1
        now = time.perf_counter()
        if now >= deadline:
            break
    elapsed = now - t0
    last_loss = float(loss.detach())
    return {
        "batch": batch,
        "threads": threads,
        "images_per_second": steps * batch / elapsed,
        "steps": steps,
        "seconds": elapsed,
        "final_loss": last_loss,
        "actual_threads": torch.get_num_threads(),
    }


def bench_inference(torch, pool, encode_n, threads, seed, deconv):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    encoder, decoder = build_model(torch, deconv)
    encoder.eval()
    decoder.eval()
    reps = (encode_n + pool.shape[0] - 1) // pool.shape[0]
    data = pool.repeat(reps, 1, 1, 1)[:encode_n] if reps > 1 else pool[:encode_n]
    data = data.contiguous()
    enc_batch = 1000
    grid = torch.linspace(-2.0, 2.0, 20)
    zz = torch.stack(torch.meshgrid(grid, grid, indexing="ij"), dim=-1).reshape(400, LATENT_DIM)
    with torch.no_grad():
        encoder.encode_mu(data[:enc_batch])  # warm-up
        t0 = time.perf_counter()
        for s in range(0, encode_n, enc_batch):
            encoder.encode_mu(data[s:s + enc_batch])
        enc_elapsed = time.perf_counter() - t0

        decoder(zz)  # warm-up
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            decoder(zz)
            times.append(time.perf_counter() - t0)
    return encode_n / enc_elapsed, statistics.median(times) * 1000.0


def main(argv):
    args = parse_args(argv)
    maybe_reexec_passive(args)
    torch = import_torch()
    torch.set_num_interop_threads(1)

    torch.manual_seed(args.seed)
    enc, dec = build_model(torch, args.deconv)
    n_enc, n_dec = count_params(enc), count_params(dec)
    if (n_enc, n_dec) != (EXPECTED_ENCODER_PARAMS, EXPECTED_DECODER_PARAMS):
        sys.stderr.write(
            f"error: parameter count mismatch: encoder {n_enc} (expected {EXPECTED_ENCODER_PARAMS}), "
            f"decoder {n_dec} (expected {EXPECTED_DECODER_PARAMS})\n")
        sys.exit(1)
    # Shape sanity check: 28x28 -> 7x7 -> 28x28.
    with torch.no_grad():
        mu, log_var, z = enc(torch.zeros(2, 1, 28, 28))
        out = dec(z)
    if tuple(mu.shape) != (2, LATENT_DIM) or tuple(out.shape) != (2, 1, 28, 28):
        sys.stderr.write(f"error: unexpected shapes mu {tuple(mu.shape)} out {tuple(out.shape)}\n")
        sys.exit(1)
    if args.deconv == "conv":
        # The two decoder implementations must agree (same parameters, same maths).
        _, ref_dec = build_model(torch, "native")
        ref_dec.load_state_dict(dec.state_dict())
        with torch.no_grad():
            zt = torch.randn(4, LATENT_DIM)
            diff = float((dec(zt) - ref_dec(zt)).abs().max())
        if diff > 1e-5:
            sys.stderr.write(f"error: --deconv conv differs from nn.ConvTranspose2d by {diff}\n")
            sys.exit(1)
        del ref_dec
    del enc, dec

    if args.mnist_dir:
        pool, source = load_mnist(torch, args.mnist_dir)
        data_desc = f"mnist ({source}, {pool.shape[0]} images)"
        data_kind = "mnist"
    else:
        gen = torch.Generator().manual_seed(args.seed)
        pool = torch.rand(max(4096, max(args.batch_sizes)), 1, 28, 28, generator=gen)
        data_desc = f"random uniform [0,1] ({pool.shape[0]} images)"
        data_kind = "random"

    try:
        threads_available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        threads_available = os.cpu_count() or 1
    omp_policy = os.environ.get("OMP_WAIT_POLICY")
    m = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    blas_info = m.group(1) if m else None

    if not args.json:
        print(f"torch {torch.__version__} | python {sys.executable} | CPUs available {threads_available} "
              f"| OMP_WAIT_POLICY={omp_policy if omp_policy is not None else '(unset)'}")
        print(f"torch BLAS_INFO={blas_info} | decoder transposed convs: --deconv {args.deconv}")
        print(f"data: {data_desc} | warm-up {args.warmup} steps, {args.seconds:g} s per configuration")
        print(f"params: encoder {n_enc:,}, decoder {n_dec:,}")
        print()
        print(f"{'batch':>6} {'threads':>7} {'steps':>7} {'seconds':>8} {'images/s':>10} {'ms/step':>9}")
        sys.stdout.flush()

    train = []
    for batch in args.batch_sizes:
        for threads in args.threads:
            r = bench_train(torch, pool, batch, threads, args.seconds, args.warmup, args.seed,
                            args.deconv)
            if r["actual_threads"] != threads:
                sys.stderr.write(f"warning: asked for {threads} threads, torch reports {r['actual_threads']}\n")
            train.append(r)
            if not args.json:
                print(f"{batch:>6} {threads:>7} {r['steps']:>7} {r['seconds']:>8.2f} "
                      f"{r['images_per_second']:>10.1f} {1000.0 * r['seconds'] / r['steps']:>9.2f}")
                sys.stdout.flush()

    infer_threads = max(args.threads)
    enc_ips, dec_ms = bench_inference(torch, pool, args.encode_n, infer_threads, args.seed,
                                      args.deconv)

    if args.json:
        result = {
            "torch": torch.__version__,
            "threads_available": threads_available,
            "omp_wait_policy": omp_policy,
            "train": [{"batch": r["batch"], "threads": r["threads"],
                       "images_per_second": r["images_per_second"], "steps": r["steps"]} for r in train],
            "encode_images_per_second": enc_ips,
            "decode_grid_ms": dec_ms,
            "params": {"encoder": n_enc, "decoder": n_dec},
            "inference_threads": infer_threads,
            "deconv": args.deconv,
            "blas_info": blas_info,
            "data": data_kind,
            "seconds_per_config": args.seconds,
            "warmup_steps": args.warmup,
        }
        print(json.dumps(result))
    else:
        print()
        print(f"inference ({infer_threads} thread(s), no_grad):")
        print(f"  encode {args.encode_n} images (mu, batch 1000): {enc_ips:,.1f} images/s")
        print(f"  decode 20x20 grid (400 z), median of 5: {dec_ms:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
