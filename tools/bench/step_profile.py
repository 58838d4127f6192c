#!/usr/bin/python3
"""Where the CPU training step of issue 16 spends its time, by operator (torch.autograd.profiler).

The step of tools/bench/torch_reference.py without data or communication: ResNet-18 (3x3 stem, no
max-pool, width 64) + head 512 -> 128 on a batch of 32 px, 1-channel images, forward and backward,
1 torch thread. synthview and the reference run the same LibTorch operators for it (both call
mkldnn_convolution / convolution_backward), so the convolution share bounds what any change outside
the convolution kernels can gain: removing every other operator entirely would speed the step up by at
most 1 / (convolution share).

  /usr/bin/python3 tools/bench/step_profile.py [--batch 128] [--steps 2] [--channels-last]

Run it with glibc's allocator told to keep memory (as vs_torch.sh runs the reference):
  MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_reference  # noqa: E402  (the model definition shared with the reference)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=128, help="images per step (anchors + views; 128 = 64 anchors)")
    parser.add_argument("--steps", type=int, default=2, help="profiled steps, after one warm-up step")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--channels-last", action="store_true", help="model and input in channels-last format")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = torch_reference.ContrastiveModel(1, args.width, 512, 128).to(memory_format=fmt)
    images = torch.randn(args.batch, 1, 32, 32).contiguous(memory_format=fmt)

    def step():
        model.zero_grad(set_to_none=True)
        model(images).pow(2).sum().backward()

    step()
    start = time.perf_counter()
    with torch.autograd.profiler.profile() as prof:
        for _ in range(args.steps):
            step()
    wall = (time.perf_counter() - start) / args.steps
    rows = {event.key: event.self_cpu_time_total / 1e6 / args.steps for event in prof.key_averages()}
    total = sum(rows.values())
    groups = {
        "convolution forward": ["aten::mkldnn_convolution", "aten::thnn_conv2d", "aten::_slow_conv2d_forward"],
        "convolution backward": ["aten::convolution_backward", "aten::mkldnn_convolution_backward",
                                 "aten::_slow_conv2d_backward"],
        "batch norm (forward + backward)": ["aten::native_batch_norm", "aten::native_batch_norm_backward"],
    }
    print(f"torch {torch.__version__}, batch {args.batch}, {'channels-last' if args.channels_last else 'NCHW'}, "
          f"1 thread: {wall:.3f} s per step ({total:.3f} s in operators)")
    conv = 0.0
    for name, keys in groups.items():
        seconds = sum(rows.get(key, 0.0) for key in keys)
        if name.startswith("convolution"):
            conv += seconds
        print(f"  {name:34s} {seconds:7.3f} s  {100 * seconds / total:5.1f} %")
    rest = total - conv - sum(rows.get(k, 0.0) for k in groups["batch norm (forward + backward)"])
    print(f"  {'everything else':34s} {rest:7.3f} s  {100 * rest / total:5.1f} %")
    print(f"ceiling without faster convolutions: {total / conv:.2f}x (every other operator taking no time)")


if __name__ == "__main__":
    main()
