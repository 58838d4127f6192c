#!/usr/bin/python3
"""Model FLOPs of one train-generator step of the ResNet GAN (configs/gan-resnet.yaml), for estimating its
speed on a GPU (tools/gpu/README.md). Counts multiply-adds as 2 FLOPs in every convolution and linear layer of
src/gen/resnet_net.cpp (GBlock: conv3x3, conv3x3, conv1x1 shortcut, all at the upsampled side) and
src/gan/resnet_discriminator.cpp (optimized first block, downsampling blocks to 8x8, two blocks at 8x8);
norms, activations, pooling, spectral norm's power iteration and Adam are left out (a few percent of the FLOPs,
but most of the kernel launches). Per step: n_dis D updates (G forward without grad on b fakes, D forward and
backward on b real + b fake) and one G update (G and D forward on b, backward through both; D's weight
gradients are not computed). Backward = 2x forward, except D in the G update (input gradients only: 1x).
  gan_flops.py --width 64 --d-width 64 --resolution 32 --latent 128 --batch 64 --n-dis 2
"""
import argparse
import json


def conv(cin, cout, k, side):
    return 2 * cin * cout * k * k * side * side


def generator(width, resolution, latent, channels):
    flops, side = 2 * latent * width * 16, 4
    while side < resolution:
        side *= 2
        flops += 2 * conv(width, width, 3, side) + conv(width, width, 1, side)
    return flops + conv(width, channels, 3, resolution)


def discriminator(width, resolution, channels):
    side = resolution // 2  # block0: convs at full size, then pooled; shortcut on the pooled input
    flops = conv(channels, width, 3, resolution) + conv(width, width, 3, resolution) + conv(channels, width, 1, side)
    while side > 8:  # downsampling blocks: convs at `side`, 1x1 shortcut at `side`, then pooled
        flops += 2 * conv(width, width, 3, side) + conv(width, width, 1, side)
        side //= 2
    return flops + 2 * 2 * conv(width, width, 3, 8)  # two blocks at 8x8, identity shortcuts


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--d-width", type=int, default=64)
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--latent", type=int, default=128)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--n-dis", type=int, default=2)
    a = p.parse_args()
    g = generator(a.width, a.resolution, a.latent, a.channels)
    d = discriminator(a.d_width, a.resolution, a.channels)
    d_update = a.batch * g + 2 * a.batch * d * 3
    g_update = a.batch * (g * 3 + d * 2)
    step = a.n_dis * d_update + g_update
    print(json.dumps({"g_forward_per_image": g, "d_forward_per_image": d, "d_update": d_update,
                      "g_update": g_update, "step": step}))


if __name__ == "__main__":
    main()
