#!/usr/bin/python3
"""The training step synthview runs, written the usual PyTorch way (issue 16: the baseline for
"faster than a PyTorch DDP script"). Not a test; run with Debian's interpreter (python3-torch 1.13 CPU):

  /usr/bin/python3 tools/bench/torch_reference.py --steps 12 --json                # 1 rank, no launcher
  mpirun --oversubscribe --bind-to none -np 2 /usr/bin/python3 tools/bench/torch_reference.py --json
  RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29511 /usr/bin/python3 ... &  (and RANK=1)
  /usr/bin/python3 tools/bench/torch_reference.py --check                          # NT-Xent self-check

One step per rank, as in src/train/trainer.cpp with views.count=1, model.norm=bn:
  latents: anchors z ~ N(0,1) truncated to [-2, 2], classes uniform; view z + sigma * delta (delta truncated)
  generator (eval, no grad): [z ; embed(y)] -> linear -> 4x4 -> BN, ReLU -> ConvT 4/2/1 blocks -> tanh,
      one call for anchors and views; weights from models/fmnist-generator.h5 when its layout allows
  augment (anchor and view separately): random resized crop (affine_grid + grid_sample), flip, colour jitter
  encoder: ResNet-18, 3x3 stem, no max-pool, plain BatchNorm; head fc1 (no bias) -> BN -> ReLU -> fc2;
      L2-normalised embeddings; DistributedDataParallel (gloo)
  all-gather with gradient (backward: all-reduce sum, return this rank's slice), NT-Xent at T = 0.1
      over the global batch, mean over this rank's anchor and view rows
  backward, SGD (momentum 0.9, weight decay 1e-4) at lr = 0.3 * B / 256 with linear warmup + cosine.

--steps counts every step; the first --warmup-steps are not timed. A step is timed on rank 0 from
the start of latent drawing to the end of optimizer.step(), like synthview's samples_per_s.
"""
import argparse
import json
import math
import os
import queue
import socket
import sys
import threading
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ----------------------------------------------------------------------------- distributed setup

def init_distributed():
    """(rank, world) from RANK/WORLD_SIZE (torchrun style) or OMPI_COMM_WORLD_* (mpirun); world 1 alone."""
    env = os.environ
    if "RANK" in env and "WORLD_SIZE" in env:
        rank, world = int(env["RANK"]), int(env["WORLD_SIZE"])
    elif "OMPI_COMM_WORLD_RANK" in env:
        rank, world = int(env["OMPI_COMM_WORLD_RANK"]), int(env["OMPI_COMM_WORLD_SIZE"])
        env["RANK"], env["WORLD_SIZE"] = str(rank), str(world)
        env.setdefault("LOCAL_RANK", env.get("OMPI_COMM_WORLD_LOCAL_RANK", "0"))
    else:
        rank, world = 0, 1
        env["RANK"], env["WORLD_SIZE"] = "0", "1"
    env.setdefault("MASTER_ADDR", "127.0.0.1")
    if "MASTER_PORT" not in env:
        if world == 1:
            with socket.socket() as s:  # any free port: nobody else has to agree on it
                s.bind(("127.0.0.1", 0))
                env["MASTER_PORT"] = str(s.getsockname()[1])
        else:
            env["MASTER_PORT"] = "29511"
    if env["MASTER_ADDR"] in ("127.0.0.1", "localhost"):
        env.setdefault("GLOO_SOCKET_IFNAME", "lo")  # all ranks on this host
    dist.init_process_group("gloo", init_method="env://")
    return rank, world


class AllGatherWithGrad(torch.autograd.Function):
    """[b, ...] per rank -> [W*b, ...]; backward sums the gradient over ranks and returns this rank's rows."""

    @staticmethod
    def forward(ctx, local):
        local = local.contiguous()
        parts = [torch.empty_like(local) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, local)
        ctx.rows = local.size(0)
        return torch.cat(parts, 0)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad.narrow(0, dist.get_rank() * ctx.rows, ctx.rows)


def all_gather_with_grad(local):
    if not dist.is_initialized() or dist.get_world_size() == 1:
        return local
    return AllGatherWithGrad.apply(local)


# ----------------------------------------------------------------------------- generator

class Generator(nn.Module):
    """src/gen/builtin_generator.cpp; parameter names match the HDF5 weight layout."""

    def __init__(self, latent_dim=64, num_classes=10, channels=1, resolution=32, width=64):
        super().__init__()
        k = int(round(math.log2(resolution / 4)))
        assert k >= 1 and 4 << k == resolution, f"resolution {resolution} is not 4 * 2^k"
        self.latent_dim, self.num_classes, self.channels, self.resolution = latent_dim, num_classes, channels, resolution
        self.start_channels = width * (1 << (k - 1))
        inputs = latent_dim
        if num_classes > 0:
            self.embed = nn.Embedding(num_classes, latent_dim)
            inputs += latent_dim
        self.project = nn.Linear(inputs, self.start_channels * 16, bias=False)
        self.project_norm = nn.BatchNorm2d(self.start_channels)
        blocks, c = [], self.start_channels
        for _ in range(1, k):
            blocks += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU()]
            c //= 2
        blocks += [nn.ConvTranspose2d(c, channels, 4, 2, 1, bias=True), nn.Tanh()]
        self.blocks = nn.Sequential(*blocks)

    def forward(self, z, y):
        x = torch.cat([z, self.embed(y)], 1) if self.num_classes > 0 else z
        x = self.project(x).view(z.size(0), self.start_channels, 4, 4)
        return self.blocks(F.relu(self.project_norm(x)))


def load_generator(path, fallback_width=64):
    """Weights from synthview's generator HDF5 (docs/checkpoint-format.md); random init if that fails."""
    try:
        import h5py
        with h5py.File(path, "r") as f:
            g = f["generator"]
            a = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items()}
            if a.get("kind") != "builtin" or int(a.get("format_version", 0)) != 1:
                raise ValueError(f"kind {a.get('kind')!r}, format_version {a.get('format_version')}")
            net = Generator(int(a["latent_dim"]), int(a["num_classes"]), int(a["channels"]),
                            int(a["resolution"]), int(a["width"]))
            state = net.state_dict()
            stored = set(g.keys())
            if stored != set(state):
                raise ValueError(f"tensors differ: {sorted(stored ^ set(state))}")
            loaded = {}
            for name, target in state.items():
                value = torch.from_numpy(g[name][()]).to(target.dtype)
                if value.numel() != target.numel():
                    raise ValueError(f"{name} has shape {tuple(value.shape)}, expected {tuple(target.shape)}")
                loaded[name] = value.reshape(target.shape)  # num_batches_tracked is stored as [1]
            net.load_state_dict(loaded)
            return net.eval(), f"{path} (width {a['width']})"
    except Exception as error:  # noqa: BLE001 -- any reason: same shapes, random weights
        net = Generator(width=fallback_width)
        with torch.no_grad():
            for name, p in net.named_parameters():
                if p.dim() == 4:
                    p.normal_(0, math.sqrt(2.0 / (p.size(0) * p.size(2) * p.size(3) / 4.0)))
                elif p.dim() == 2:
                    p.normal_(0, 1.0 if "embed" in name else math.sqrt(2.0 / p.size(1)))
        return net.eval(), f"random init ({type(error).__name__}: {error})"


def truncated_normal(rows, cols, bound, generator):
    """Inverse-CDF truncated normal in float64, as synthview's counter RNG draws them."""
    lo = 0.5 * (1 + math.erf(-bound / math.sqrt(2)))
    u = lo + (1 - 2 * lo) * torch.rand(rows, cols, dtype=torch.float64, generator=generator)
    return math.sqrt(2) * torch.erfinv(2 * u - 1)


# ----------------------------------------------------------------------------- augmentation

def augment(images, generator, out_size, scale=(0.2, 1.0), flip_prob=0.5, jitter_prob=0.8,
            brightness=0.4, contrast=0.4):
    """src/augment/pipeline.cpp for 1-channel images: resized crop, flip, brightness/contrast jitter
    (saturation, hue and grayscale are identities on one channel)."""
    b, c, h, w = images.shape
    u = torch.rand(b, 7, dtype=torch.float64, generator=generator)
    s = scale[0] + u[:, 0] * (scale[1] - scale[0])
    log_lo = torch.clamp_min(torch.log(s * w / h), math.log(3 / 4))
    log_hi = torch.maximum(torch.clamp_max(torch.log(w / (s * h)), math.log(4 / 3)), log_lo)
    ratio = torch.exp(log_lo + u[:, 1] * (log_hi - log_lo))
    box_w = torch.sqrt(s * h * w * ratio).clamp(1, w)
    box_h = torch.sqrt(s * h * w / ratio).clamp(1, h)
    top, left = u[:, 2] * (h - box_h), u[:, 3] * (w - box_w)
    zero = torch.zeros_like(top)
    theta = torch.stack([torch.stack([box_w / w, zero, (2 * left + box_w) / w - 1], 1),
                         torch.stack([zero, box_h / h, (2 * top + box_h) / h - 1], 1)], 1).to(images.dtype)
    grid = F.affine_grid(theta, [b, c, out_size, out_size], align_corners=False)
    out = F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)
    out = torch.where((u[:, 4] < flip_prob).view(-1, 1, 1, 1), out.flip(3), out)
    x = (out + 1) * 0.5
    fb = (max(0.0, 1 - brightness) + u[:, 5] * (1 + brightness - max(0.0, 1 - brightness))).to(x.dtype).view(-1, 1, 1, 1)
    fc = (max(0.0, 1 - contrast) + u[:, 6] * (1 + contrast - max(0.0, 1 - contrast))).to(x.dtype).view(-1, 1, 1, 1)
    j = (fb * x).clamp(0, 1)
    j = (fc * j + (1 - fc) * j.mean((1, 2, 3), keepdim=True)).clamp(0, 1)
    jitter = (torch.rand(b, generator=generator) < jitter_prob).view(-1, 1, 1, 1)
    return torch.where(jitter, j, x) * 2 - 1


class ViewMaker:
    """Anchors + views.count=1 latent views -> images [b, 2, C, S, S] (anchor is view 0)."""

    def __init__(self, gen, local_batch, seed, sigma=0.2, truncation=2.0, out_size=32, do_augment=True):
        self.gen, self.b, self.sigma, self.t = gen, local_batch, sigma, truncation
        self.out_size, self.do_augment = out_size, do_augment
        self.rng = torch.Generator().manual_seed(seed)

    @torch.no_grad()
    def make(self):
        b, d = self.b, self.gen.latent_dim
        z = truncated_normal(b, d, self.t, self.rng)
        y = torch.randint(0, max(1, self.gen.num_classes), (b,), generator=self.rng)
        view_z = z + self.sigma * truncated_normal(b, d, self.t, self.rng)
        images = self.gen(torch.cat([z, view_z]).float(), torch.cat([y, y]))
        anchors, views = images[:b], images[b:]
        if self.do_augment or self.out_size != images.size(-1):
            anchors = augment(anchors, self.rng, self.out_size)
            views = augment(views, self.rng, self.out_size)
        return torch.stack([anchors, views], 1)


class Prefetcher:
    """--prefetch N: a background thread renders up to N batches ahead (synthview's data.prefetch)."""

    def __init__(self, maker, depth):
        self.maker, self.queue, self.stopping = maker, queue.Queue(maxsize=depth), threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        torch.set_num_threads(1)
        while not self.stopping.is_set():
            batch = self.maker.make()
            while not self.stopping.is_set():
                try:
                    self.queue.put(batch, timeout=0.05)
                    break
                except queue.Full:
                    pass

    def make(self):
        return self.queue.get()

    def close(self):  # a thread still inside a torch op at interpreter exit aborts the process
        self.stopping.set()
        self.thread.join()


class PngPool:
    """The paper's offline way (issue 16, tools/bench/offline_vs_online.sh): a pool of N anchors and their
    latent views rendered once to PNG files, then read back by a DataLoader each step and augmented.
    Files: DIR/<index>-a.png and DIR/<index>-v.png, 8-bit grey (what the paper's scripts save)."""

    def __init__(self, maker, directory, pool, local_batch, seed, workers):
        import torchvision.io as io
        self.io, self.directory, self.pool = io, directory, pool
        self.generate_s = 0.0
        if not all(os.path.exists(self.path(i, "v")) for i in (0, pool - 1)):
            self.generate_s = self.render(maker)
        self.rng = torch.Generator().manual_seed(seed)
        self.out_size = maker.out_size
        loader_rng = torch.Generator().manual_seed(seed)
        self.loader = torch.utils.data.DataLoader(range(pool), batch_size=local_batch, shuffle=True, drop_last=True,
                                                  num_workers=workers, generator=loader_rng,
                                                  collate_fn=self.load, persistent_workers=workers > 0)
        self.batches = iter(self.loader)

    def path(self, index, kind):
        return os.path.join(self.directory, f"{index:08d}-{kind}.png")

    def render(self, maker):
        os.makedirs(self.directory, exist_ok=True)
        unaugmented = ViewMaker(maker.gen, maker.b, seed=12345, sigma=maker.sigma, truncation=maker.t,
                                out_size=maker.gen.resolution, do_augment=False)
        start, done = time.perf_counter(), 0
        while done < self.pool:
            pairs = unaugmented.make()  # [b, 2, C, S, S] in [-1, 1]
            pixels = ((pairs + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
            for row in range(min(pairs.size(0), self.pool - done)):
                self.io.write_png(pixels[row, 0], self.path(done + row, "a"))
                self.io.write_png(pixels[row, 1], self.path(done + row, "v"))
            done += pairs.size(0)
        return time.perf_counter() - start

    def load(self, indices):
        def read(kind):
            return torch.stack([self.io.read_image(self.path(i, kind)) for i in indices]).float() / 127.5 - 1
        return read("a"), read("v")

    def make(self):
        try:
            anchors, views = next(self.batches)
        except StopIteration:  # next epoch over the pool
            self.batches = iter(self.loader)
            anchors, views = next(self.batches)
        return torch.stack([augment(anchors, self.rng, self.out_size), augment(views, self.rng, self.out_size)], 1)

    def close(self):
        self.batches = None
        self.loader = None


# ----------------------------------------------------------------------------- encoder + head

class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18Small(nn.Module):
    """src/model/resnet.cpp: ResNet-18, 3x3 stride-1 stem, no max-pool, torchvision init."""

    def __init__(self, in_channels=1, width=64):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        layers, c = [], width
        for stage in range(4):
            planes = width << stage
            blocks = []
            for i in range(2):
                blocks.append(BasicBlock(c, planes, 2 if stage > 0 and i == 0 else 1))
                c = planes
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.out_features = c
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


class ContrastiveModel(nn.Module):
    """Encoder + src/model/projection_head.cpp (fc1 no bias -> BN -> ReLU -> fc2), L2-normalised."""

    def __init__(self, in_channels, width, hidden, dim):
        super().__init__()
        self.encoder = ResNet18Small(in_channels, width)
        f = self.encoder.out_features
        self.head = nn.Sequential(nn.Linear(f, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
                                  nn.Linear(hidden, dim))

    def forward(self, x):
        return F.normalize(self.head(self.encoder(x)), dim=1)


# ----------------------------------------------------------------------------- loss

def nt_xent(local, global_, offset, temperature):
    """src/loss/contrastive_loss.cpp with 2 views: local [b, 2, d], global [W*b, 2, d], this rank's rows
    at offset. Each local view row i is scored against every global row but itself; its positive is
    the other view of its anchor; the loss is the mean over the 2b local rows."""
    b, v, d = local.shape
    assert v == 2, "this reference runs views.count=1 (2 views per anchor)"
    rows = b * v
    logits = local.reshape(rows, d) @ global_.reshape(-1, d).t() / temperature
    self_cols = torch.arange(rows) + offset * v
    logits = logits.masked_fill(F.one_hot(self_cols, logits.size(1)).bool(), float("-inf"))
    positives = self_cols ^ 1  # view 0 <-> view 1 of the same anchor (rows are anchor-major)
    return F.cross_entropy(logits, positives)


def run_check():
    """NT-Xent of nt_xent() vs the formula written out in float64, on random unit embeddings."""
    import numpy as np
    g = torch.Generator().manual_seed(1)
    worst = 0.0
    for world, b, d, temperature in [(1, 1, 3, 0.1), (1, 5, 8, 0.1), (2, 4, 16, 0.5), (4, 3, 128, 0.1), (3, 6, 7, 1.0)]:
        emb = F.normalize(torch.randn(world * b, 2, d, generator=g), dim=2)
        e = emb.double().numpy()
        flat = e.reshape(-1, d)
        per_rank, whole = [], []
        for r in range(world):
            losses = []
            for a in range(r * b, (r + 1) * b):
                for view in range(2):
                    i = 2 * a + view
                    p = 2 * a + (1 - view)
                    s = flat @ flat[i] / temperature
                    denominator = sum(math.exp(s[k]) for k in range(len(flat)) if k != i)
                    losses.append(-math.log(math.exp(s[p]) / denominator))
            exact = float(np.mean(losses))
            whole += losses
            ours = float(nt_xent(emb[r * b:(r + 1) * b].float(), emb.float(), r * b, temperature))
            ours64 = float(nt_xent(emb[r * b:(r + 1) * b].double(), emb.double(), r * b, temperature))
            per_rank.append(ours64)
            worst = max(worst, abs(ours - exact) / max(1.0, abs(exact)))
            print(f"world {world} rank {r} b {b} d {d} T {temperature}: float64 formula {exact:.10f}  "
                  f"nt_xent float32 {ours:.10f}  float64 {ours64:.12f}  |diff64| {abs(ours64 - exact):.2e}")
            if abs(ours64 - exact) > 1e-9 * max(1.0, abs(exact)):
                sys.exit(f"check FAILED: float64 nt_xent differs from the formula by {abs(ours64 - exact):.3e}")
        # Mean over ranks of the per-rank losses == the loss of one process over the whole batch.
        single = float(nt_xent(emb.double(), emb.double(), 0, temperature))
        if abs(float(np.mean(per_rank)) - single) > 1e-10 or abs(float(np.mean(whole)) - single) > 1e-9:
            sys.exit(f"check FAILED: mean of per-rank losses {np.mean(per_rank)} != single-process {single}")
    if worst > 1e-5:
        sys.exit(f"check FAILED: float32 nt_xent relative error {worst:.3e} > 1e-5")
    print(f"check OK: float64 within 1e-9, float32 within {worst:.1e} (relative), rank mean == single process")


# ----------------------------------------------------------------------------- training

def lr_at(step, peak, warmup, total):
    """src/optim/lr_schedule.cpp"""
    if step < warmup:
        return peak * (step + 1) / warmup
    if total - warmup <= 0:
        return peak
    return peak * 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / (total - warmup))))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch-size", type=int, default=0, help="GLOBAL anchors per step (default 64 * world)")
    p.add_argument("--steps", type=int, default=12, help="steps in total, warm-up included")
    p.add_argument("--warmup-steps", type=int, default=2, help="first steps left out of the timing")
    p.add_argument("--width", type=int, default=64, help="encoder base width (torchvision: 64)")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads per rank")
    p.add_argument("--json", action="store_true", help="rank 0 prints one JSON line with the result")
    p.add_argument("--check", action="store_true", help="NT-Xent self-check (1 process) and exit")
    p.add_argument("--verify", action="store_true",
                   help="every step: check the loss and the parameters agree across ranks (slower)")
    p.add_argument("--proj-hidden", type=int, default=512)
    p.add_argument("--proj-dim", type=int, default=128)
    p.add_argument("--temperature", type=float, default=0.1)
    p.add_argument("--sigma", type=float, default=0.2)
    p.add_argument("--out-size", type=int, default=32)
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--prefetch", type=int, default=0, help="batches rendered ahead in a thread (0: inline)")
    p.add_argument("--lr", type=float, default=0.3, help="base lr for a global batch of 256 (linear scaling)")
    p.add_argument("--lr-warmup", type=int, default=5, help="linear lr warmup steps (configs/demo.yaml)")
    p.add_argument("--generator", default=os.path.join(REPO, "models", "fmnist-generator.h5"))
    p.add_argument("--png-pool", type=int, default=0,
                   help="train offline from a pool of this many anchors (+ views) rendered to PNG in --png-dir")
    p.add_argument("--png-dir", default="", help="folder of the PNG pool (rendered first if it lacks one)")
    p.add_argument("--loader-workers", type=int, default=1, help="DataLoader worker processes for --png-pool")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.check:
        run_check()
        return

    if args.steps <= args.warmup_steps:
        sys.exit(f"torch_reference: --steps {args.steps} leaves no step after {args.warmup_steps} warm-up steps")
    torch.set_num_threads(args.threads)
    rank, world = init_distributed()
    batch = args.batch_size or 64 * world
    if batch % world != 0:
        sys.exit(f"torch_reference: --batch-size {batch} does not divide by the world size {world}")
    local = batch // world

    gen, gen_source = load_generator(args.generator)
    for prm in gen.parameters():
        prm.requires_grad_(False)
    maker = ViewMaker(gen, local, seed=1000003 * (args.seed + 1) + rank, sigma=args.sigma,
                      out_size=args.out_size, do_augment=not args.no_augment)
    if args.png_pool > 0:
        if not args.png_dir:
            sys.exit("torch_reference: --png-pool needs --png-dir")
        if world > 1:
            sys.exit("torch_reference: --png-pool runs on 1 rank (a per-rank pool would need a sampler)")
        source = PngPool(maker, args.png_dir, args.png_pool, local, seed=args.seed, workers=args.loader_workers)
    else:
        source = Prefetcher(maker, args.prefetch) if args.prefetch > 0 else maker

    torch.manual_seed(args.seed)  # same init on every rank (DDP also broadcasts rank 0's)
    model = ContrastiveModel(gen.channels, args.width, args.proj_hidden, args.proj_dim)
    model = DDP(model)
    peak = args.lr * batch / 256
    optimizer = torch.optim.SGD(model.parameters(), lr=peak, momentum=0.9, weight_decay=1e-4)
    if rank == 0:
        params = sum(q.numel() for q in model.parameters())
        print(f"torch_reference: {world} rank(s), global batch {batch} ({local} per rank, 2 views), "
              f"width {args.width} ({params / 1e6:.2f} M params), {args.threads} thread(s)/rank, "
              f"torch {torch.__version__}, generator {gen_source}", file=sys.stderr)

    times, losses = [], []
    try:
        for step in range(args.steps):
            start = time.perf_counter()
            images = source.make()  # [b, 2, C, S, S]
            optimizer.zero_grad(set_to_none=True)
            emb = model(images.flatten(0, 1)).view(local, 2, -1)
            global_emb = all_gather_with_grad(emb.flatten(1)).view(-1, 2, emb.size(2))
            loss = nt_xent(emb, global_emb, rank * local, args.temperature)
            loss.backward()
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, peak, args.lr_warmup, args.steps)
            optimizer.step()
            stats = loss.detach().double().view(1)
            if world > 1:
                dist.all_reduce(stats)  # the logged loss: mean over ranks (synthview all-gathers it)
            mean_loss = stats.item() / world
            elapsed = time.perf_counter() - start
            times.append(elapsed)
            losses.append(mean_loss)
            if not math.isfinite(mean_loss):
                sys.exit(f"torch_reference: rank {rank}: non-finite loss {mean_loss} at step {step}")
            if args.verify:
                verify(model, emb, global_emb.detach(), loss.item(), mean_loss, args.temperature, rank, world, step)
            if rank == 0 and not args.json:
                print(f"step {step + 1}/{args.steps}  loss {mean_loss:.6f}  {elapsed:.3f} s  "
                      f"{batch / elapsed:.1f} anchors/s", file=sys.stderr)
    finally:
        if isinstance(source, (Prefetcher, PngPool)):
            source.close()
    steady = times[args.warmup_steps:]
    result = {"impl": "torch_reference", "ranks": world, "global_batch": batch, "width": args.width,
              "threads": args.threads, "steady_steps": len(steady),
              "anchors_per_s": sum(batch / t for t in steady) / len(steady),  # mean of per-step rates
              "anchors_per_s_total": batch * len(steady) / sum(steady),
              "s_per_step": sum(steady) / len(steady), "final_loss": losses[-1],
              "source": f"png pool {args.png_pool}" if args.png_pool > 0 else "on the fly",
              "render_s": source.generate_s if isinstance(source, PngPool) else 0.0}
    if rank == 0:
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            print(f"{world} rank(s): {result['anchors_per_s']:.2f} anchors/s, {result['s_per_step']:.3f} s/step "
                  f"over {len(steady)} steady steps", flush=True)
    dist.barrier()
    dist.destroy_process_group()


def verify(model, emb, global_emb, local_loss, mean_loss, temperature, rank, world, step):
    """The per-rank mean loss must equal the single-process loss over the gathered global batch; the
    gather's backward, averaged over ranks as DDP does, must give this rank's rows of the single-process
    gradient (float64); every rank must hold the same parameters."""
    b = emb.size(0)
    leaf = emb.detach().double().requires_grad_()
    gathered = all_gather_with_grad(leaf.flatten(1)).view(-1, 2, leaf.size(2))
    nt_xent(leaf, gathered, rank * b, temperature).backward()
    whole = global_emb.double().requires_grad_()
    nt_xent(whole, whole, 0, temperature).backward()
    grad_error = (leaf.grad / world - whole.grad[rank * b:(rank + 1) * b]).abs().max().item()
    with torch.no_grad():
        full = float(nt_xent(global_emb.double(), global_emb.double(), 0, temperature))
        own = float(nt_xent(emb.detach().double(), global_emb.double(), rank * emb.size(0), temperature))
        params = torch.cat([q.detach().reshape(-1) for q in model.parameters()]).double()
        summary = torch.tensor([mean_loss, full, params.sum().item(), (params * params).sum().item()],
                               dtype=torch.float64)
        rows = [torch.zeros_like(summary) for _ in range(world)]
        dist.all_gather(rows, summary)
        table = torch.stack(rows)
    print(f"verify rank {rank} step {step + 1}: local loss {local_loss:.8f} (recomputed {own:.8f}), "
          f"mean over ranks {mean_loss:.8f}, single-process loss of the gathered batch {full:.8f}, "
          f"param sum {summary[2].item():.10e}, max |gather grad - single-process grad| {grad_error:.1e}",
          file=sys.stderr, flush=True)
    problems = []
    if grad_error > 1e-12:
        problems.append(f"gather backward gradient differs from the single-process gradient by {grad_error}")
    if abs(own - local_loss) > 1e-4 * max(1, abs(own)):
        problems.append(f"local loss {local_loss} != recomputed {own}")
    if abs(mean_loss - full) > 1e-4 * max(1, abs(full)):
        problems.append(f"mean over ranks {mean_loss} != single-process loss {full}")
    if not torch.allclose(table, table[0].expand_as(table), rtol=1e-12, atol=0):
        problems.append(f"ranks disagree on (loss, full loss, param sum, param sq sum): {table.tolist()}")
    if problems:
        sys.exit(f"verify FAILED on rank {rank} step {step + 1}: " + "; ".join(problems))


if __name__ == "__main__":
    main()
