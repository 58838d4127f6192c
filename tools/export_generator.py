#!/usr/bin/python3
"""Export an image generator to TorchScript for synthview (generator.kind=torchscript).

The contract synthview checks on load (docs/generators.md):
  forward(z) or forward(z, y); z float32 [B, latent_dim], y int64 [B] class indices;
  returns float32 [B, C, H, H] in [-1, 1] with C in {1, 3};
  int attributes `latent_dim` and `num_classes` (0 = unconditional).

Run with Debian's interpreter (python3-torch):
  /usr/bin/python3 tools/export_generator.py --out gen.pt                  # small demo generator
  /usr/bin/python3 tools/export_generator.py --out gen.pt --num-classes 0 --channels 3 --resolution 64

To export your own generator, import this file and call export(): see docs/generators.md for
BigGAN-deep and StyleGAN2 wrappers (one-hot classes, truncation, output range).
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallGenerator(nn.Module):
    """A DCGAN with the class embedding concatenated to z (like synthview's builtin generator)."""

    def __init__(self, latent_dim, num_classes, channels, resolution, width):
        super().__init__()
        steps = (resolution // 4).bit_length() - 1
        if steps < 1 or resolution != 4 * 2 ** steps:
            raise SystemExit(f"--resolution {resolution}: expected 4 * 2^k (8, 16, 32, ...)")
        self.start = width * 2 ** (steps - 1)
        self.embed = nn.Embedding(max(num_classes, 1), latent_dim)
        self.project = nn.Linear(2 * latent_dim, self.start * 16, bias=False)
        layers = [nn.BatchNorm2d(self.start), nn.ReLU()]
        c = self.start
        for _ in range(steps - 1):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU()]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z, y):
        x = self.project(torch.cat([z, self.embed(y)], 1))
        return self.body(x.view(z.shape[0], self.start, 4, 4))


class Conditional(nn.Module):
    """forward(z, y) around a traced generator g(z, y)."""

    latent_dim: int
    num_classes: int

    def __init__(self, inner, latent_dim, num_classes):
        super().__init__()
        self.inner = inner
        self.latent_dim = latent_dim
        self.num_classes = num_classes

    def forward(self, z, y):
        return torch.clamp(self.inner(z, y), -1.0, 1.0)


class Unconditional(nn.Module):
    """forward(z) around a traced generator g(z)."""

    latent_dim: int
    num_classes: int

    def __init__(self, inner, latent_dim):
        super().__init__()
        self.inner = inner
        self.latent_dim = latent_dim
        self.num_classes = 0

    def forward(self, z):
        return torch.clamp(self.inner(z), -1.0, 1.0)


def export(generator, latent_dim, num_classes, out, batch=2):
    """Traces `generator` (called as generator(z, y) if num_classes > 0, else generator(z)), which
    must already map synthview's z and class indices to images in [-1, 1], and saves it with the
    contract's attributes. Returns the saved module's output on a probe batch."""
    generator.eval()
    z = torch.randn(batch, latent_dim).clamp(-2, 2)
    y = torch.arange(batch) % max(num_classes, 1)
    with torch.no_grad():
        if num_classes > 0:
            traced = torch.jit.trace(generator, (z, y), check_trace=False)
            module = torch.jit.script(Conditional(traced, latent_dim, num_classes))
            images = module(z, y)
        else:
            traced = torch.jit.trace(generator, (z,), check_trace=False)
            module = torch.jit.script(Unconditional(traced, latent_dim))
            images = module(z)
    if images.dim() != 4 or images.shape[1] not in (1, 3) or images.shape[2] != images.shape[3]:
        raise SystemExit(f"generator returned shape {tuple(images.shape)}; expected [B, 1|3, H, H]")
    module.save(out)
    return images


class _DropClass(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, z):
        return self.net(z, torch.zeros(z.shape[0], dtype=torch.long))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="output TorchScript file (.pt)")
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--num-classes", type=int, default=10, help="0 exports an unconditional forward(z)")
    parser.add_argument("--channels", type=int, default=1, choices=[1, 3])
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    net = SmallGenerator(args.latent_dim, args.num_classes, args.channels, args.resolution, args.width)
    # Random weights: calibrate BN statistics on one batch so the images use the [-1, 1] range.
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = 1.0
        net.train()
        z = torch.randn(512, args.latent_dim).clamp(-2, 2)
        net(z, torch.arange(512) % max(args.num_classes, 1))
    net.eval()
    generator = net if args.num_classes > 0 else _DropClass(net)
    images = export(generator, args.latent_dim, args.num_classes, args.out)
    print(f"wrote {args.out}: forward({'z, y' if args.num_classes > 0 else 'z'}) -> "
          f"{list(images.shape[1:])} images, latent_dim={args.latent_dim}, num_classes={args.num_classes}")


if __name__ == "__main__":
    main()
