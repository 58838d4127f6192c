#!/usr/bin/python3
"""Load a `synthview ckpt export` file into torchvision's ResNet; optionally check it reproduces
the C++ encoder's output.

    /usr/bin/python3 tools/ckpt_to_torchvision.py ENCODER.h5 [--reference REF.h5] [--save STATE.pt]

ENCODER.h5 holds one dataset per torchvision state_dict key plus root attributes arch, stem,
in_channels (docs/checkpoint-format.md, "Torchvision export"). The model is torchvision's
`arch` with fc = Identity (the encoder outputs pooled features); stem "small" replaces conv1 by a
3x3 stride-1 convolution and maxpool by Identity; in_channels != 3 replaces conv1's input width.

--reference REF.h5 (datasets /input [N,C,H,W] and /output [N,F]) runs the model in eval mode on
/input and compares with /output (exit 1 if not allclose with --rtol/--atol).
Exit 77 when h5py, numpy, torch or torchvision is missing (CTest treats that as skipped).
"""
import argparse
import sys

SKIP = 77

try:
    import h5py
    import numpy as np
    import torch
    import torchvision
except ImportError as missing:  # CTest skips on 77; the message says what to install
    print(f"skipped: {missing} (install python3-h5py python3-torch python3-torchvision)")
    sys.exit(SKIP)


def read_tensor(dataset):
    """A dataset written by synthview's h5 layer -> torch tensor (see torch_dtype / torch_scalar)."""
    array = np.asarray(dataset[()])
    tag = dataset.attrs.get("torch_dtype")
    if isinstance(tag, bytes):
        tag = tag.decode()
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tag == "bool":
        tensor = tensor.to(torch.bool)
    elif tag in ("bfloat16", "float16"):
        tensor = tensor.view(torch.int16).view(torch.bfloat16 if tag == "bfloat16" else torch.float16)
    if dataset.attrs.get("torch_scalar", 0) == 1:
        tensor = tensor.reshape(())
    return tensor


def attr_text(attrs, name):
    value = attrs[name]
    return value.decode() if isinstance(value, bytes) else str(value)


def build_model(arch, stem, in_channels):
    constructor = getattr(torchvision.models, arch)
    try:
        model = constructor(weights=None)
    except TypeError:  # torchvision < 0.13
        model = constructor(pretrained=False)
    if stem == "small":
        model.conv1 = torch.nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
        model.maxpool = torch.nn.Identity()
    elif in_channels != 3:
        model.conv1 = torch.nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    model.fc = torch.nn.Identity()
    return model


def load_export(path):
    with h5py.File(path, "r") as f:
        if attr_text(f.attrs, "format") != "synthview-torchvision-export":
            sys.exit(f"error: {path} is not a synthview torchvision export (run `synthview ckpt export`)")
        arch, stem = attr_text(f.attrs, "arch"), attr_text(f.attrs, "stem")
        in_channels = int(f.attrs["in_channels"])
        state = {}
        f.visititems(lambda name, obj: state.__setitem__(name, read_tensor(obj))
                     if isinstance(obj, h5py.Dataset) else None)
    model = build_model(arch, stem, in_channels)
    model.load_state_dict(state, strict=True)
    print(f"loaded {path}: torchvision {arch}, stem {stem}, in_channels {in_channels}, {len(state)} tensors")
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export", help="file written by `synthview ckpt export PATH --out FILE`")
    parser.add_argument("--reference", help="HDF5 with /input and /output of the C++ encoder")
    parser.add_argument("--rtol", type=float, default=1e-4)
    # Absolute tolerance in units of the largest |output|: an untrained ResNet-50 in eval mode reaches
    # 1e4, where float32's spacing alone is 1e-3 and two LibTorch versions sum in different orders.
    parser.add_argument("--atol", type=float, default=1e-5, help="times max |expected output|")
    parser.add_argument("--save", help="also save the torchvision state_dict with torch.save")
    args = parser.parse_args()

    model = load_export(args.export).eval()
    if args.save:
        torch.save(model.state_dict(), args.save)
        print(f"saved state_dict to {args.save}")
    if args.reference:
        with h5py.File(args.reference, "r") as f:
            x, expected = read_tensor(f["input"]), read_tensor(f["output"])
        with torch.no_grad():
            found = model(x)
        max_abs = (found - expected).abs().max().item()
        atol = args.atol * max(1.0, expected.abs().max().item())
        ok = found.shape == expected.shape and torch.allclose(found, expected, rtol=args.rtol, atol=atol)
        print(f"torchvision output {tuple(found.shape)} (max |value| {expected.abs().max().item():.3g}) vs C++ "
              f"{tuple(expected.shape)}: max abs difference {max_abs:.3g} "
              f"({'ok' if ok else 'MISMATCH'}, rtol {args.rtol}, atol {atol:.3g})")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
