#!/usr/bin/python3
"""How far float32 training steps are from the float64 step, gradient by gradient (docs/distributed.md).

    /usr/bin/python3 tools/step_precision.py REF.h5 A.h5 [B.h5 ...] [--top 8] [--threshold 1e-4]

Every checkpoint is taken after ONE step from the same start (same config and seed) with SGD,
optim.momentum > 0 and optim.weight_decay=0, so that /optim/<param>/momentum_buffer is that step's
gradient; REF is the train.precision=fp64 run. For each other checkpoint it prints the parameters whose
gradients are furthest from REF's (norm-relative: ||g - g_ref|| / ||g_ref||) and the deepest parameter
(last in forward order) whose error exceeds --threshold: an error made there reaches every earlier layer
through the backward pass, so that is where it started; for a norm bias, also the channel. Last, the
smallest batch variance of any norm channel in REF (from running_var after one step with norm momentum
0.1: var = (running_var - 0.9) / 0.1), to compare with the norm's eps.
"""
import argparse
import re
import sys

import h5py
import numpy as np


def forward_order(name):
    """Sort key, forward order: conv1 < bn1 < layer1.0.conv1 < layer1.0.bn1 < ... < layer4.1.bn2 < head."""
    key = []
    for part in name.split("."):
        layer = re.fullmatch(r"(conv|fc|bn)(\d+)", part)
        if layer:  # a layer: convK / fcK before its bnK, both before the next K
            key.append((0, int(layer.group(2)), layer.group(1) == "bn"))
        elif part.isdigit():
            key.append((1, int(part), False))
        else:  # layerN, downsample (after the block's branch), encoder < head, weight/bias
            word = re.fullmatch(r"(\D*)(\d*)", part)
            key.append((2, word.group(1), int(word.group(2) or -1)))
    return [(k[0], str(k[1]), k[2]) if k[0] == 2 else (k[0], f"{k[1]:06d}", k[2]) for k in key]


def gradients(path):
    with h5py.File(path, "r") as f:
        optim = f["optim"]
        return {name: np.asarray(optim[name]["momentum_buffer"][()], dtype=np.float64)
                for name in optim if "momentum_buffer" in optim[name]}


def smallest_batch_variance(path):
    smallest = (np.inf, None)
    with h5py.File(path, "r") as f:
        def visit(name, item):
            nonlocal smallest
            if isinstance(item, h5py.Dataset) and name.endswith("running_var"):
                var = (np.asarray(item[()], dtype=np.float64) - 0.9) / 0.1
                smallest = min(smallest, (var.min(), f"{name} channel {int(var.argmin())}"))
        f["model/buffers"].visititems(visit)
    return smallest


def norm_rel(g, ref):
    scale = np.linalg.norm(ref)
    return np.linalg.norm(g - ref) / scale if scale > 0 else float(np.linalg.norm(g) > 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref")
    parser.add_argument("others", nargs="+")
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--threshold", type=float, default=1e-4)
    args = parser.parse_args()
    ref = gradients(args.ref)
    if not ref:
        sys.exit(f"{args.ref}: no momentum buffers (train with optim.momentum > 0)")
    for path in args.others:
        grads = gradients(path)
        errors = {name: norm_rel(grads[name], g) for name, g in ref.items()}
        print(f"{path}: gradient error vs {args.ref}")
        for name in sorted(errors, key=lambda n: -errors[n])[: args.top]:
            print(f"  {name:48s}{errors[name]:12.3g}")
        over = sorted((n for n in errors if errors[n] > args.threshold), key=forward_order)
        if not over:
            print(f"  every gradient within {args.threshold:g}")
            continue
        deepest = over[-1]
        where = ""
        if deepest.endswith(".bias"):
            c = int(np.argmax(np.abs(grads[deepest] - ref[deepest])))
            where = f", worst channel {c}: {grads[deepest][c]:.6g} vs {ref[deepest][c]:.6g}"
        print(f"  deepest gradient off by more than {args.threshold:g}: {deepest} ({errors[deepest]:.3g}){where}")
    var, where = smallest_batch_variance(args.ref)
    print(f"smallest batch variance of a norm channel in {args.ref}: {var:.3g} ({where})")


if __name__ == "__main__":
    main()
