#!/usr/bin/python3
"""Model FLOPs per anchor of a synthview training step, for MFU (tools/bench/gpu_throughput.sh).

Counts multiply-adds as 2 FLOPs in every convolution, transposed convolution and linear layer (the
rest is a few percent) with forward hooks on twins of synthview's modules: the DCGAN generator of
tools/export_generator.py (the builtin generator has the same layers) and torchvision's ResNet with
synthview's stem. Per anchor: generator forward for the anchor and its views, encoder and head
forward for each image, and backward counted as twice the forward.
Works with torch 1.13 (Debian) and 2.x.
  model_flops.py --encoder resnet18 --width 64 --size 32 --channels 1 --stem small --views 1 \
                 --gen-resolution 32 --gen-width 64 --gen-channels 1
"""
import argparse
import importlib.util
import json
import os

import torch
import torch.nn as nn
import torchvision


def count_flops(module, *inputs):
    total = [0]

    def hook(layer, args, output):
        out = output
        if isinstance(layer, nn.Conv2d):
            per_output = layer.in_channels // layer.groups * layer.kernel_size[0] * layer.kernel_size[1]
            total[0] += 2 * out.numel() * per_output
        elif isinstance(layer, nn.ConvTranspose2d):
            per_input = layer.out_channels // layer.groups * layer.kernel_size[0] * layer.kernel_size[1]
            total[0] += 2 * args[0].numel() * per_input
        elif isinstance(layer, nn.Linear):
            total[0] += 2 * out.numel() * layer.in_features

    handles = [m.register_forward_hook(hook) for m in module.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    with torch.no_grad():
        module(*inputs)
    for handle in handles:
        handle.remove()
    return total[0] / inputs[0].shape[0]


def encoder(args):
    make = getattr(torchvision.models, args.encoder)
    net = make(num_classes=10)
    if args.width != 64:
        raise SystemExit("--width: torchvision twins exist for width 64 only")
    net.conv1 = (nn.Conv2d(args.channels, 64, 3, 1, 1, bias=False) if args.stem == "small"
                 else nn.Conv2d(args.channels, 64, 7, 2, 3, bias=False))
    if args.stem == "small":
        net.maxpool = nn.Identity()
    features = net.fc.in_features
    net.fc = nn.Sequential(nn.Linear(features, args.proj_hidden), nn.ReLU(), nn.Linear(args.proj_hidden, args.proj_dim))
    return net.eval()


def generator(args):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "export_generator.py")
    spec = importlib.util.spec_from_file_location("export_generator", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SmallGenerator(args.gen_latent, max(args.gen_classes, 1), args.gen_channels, args.gen_resolution,
                                 args.gen_width).eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default="resnet18", choices=["resnet18", "resnet50"])
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--size", type=int, default=32, help="encoder input side (augment.out_size)")
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--stem", default="small", choices=["small", "imagenet"])
    parser.add_argument("--proj-hidden", type=int, default=512)
    parser.add_argument("--proj-dim", type=int, default=128)
    parser.add_argument("--views", type=int, default=1)
    parser.add_argument("--gen-latent", type=int, default=64)
    parser.add_argument("--gen-classes", type=int, default=10)
    parser.add_argument("--gen-channels", type=int, default=1)
    parser.add_argument("--gen-resolution", type=int, default=32)
    parser.add_argument("--gen-width", type=int, default=64)
    args = parser.parse_args()
    images = 1 + args.views
    enc = count_flops(encoder(args), torch.zeros(2, args.channels, args.size, args.size))
    gen = count_flops(generator(args), torch.zeros(2, args.gen_latent), torch.zeros(2, dtype=torch.long))
    per_anchor = images * (gen + 3 * enc)
    print(json.dumps({"encoder_forward_flops_per_image": enc, "generator_flops_per_image": gen,
                      "images_per_anchor": images, "flops_per_anchor": per_anchor}))


if __name__ == "__main__":
    main()
