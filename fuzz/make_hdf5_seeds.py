#!/usr/bin/python3
# Writes the HDF5 seeds of the ckpt and genweights harnesses: the smallest files the readers accept
# (a few tensors each), so libFuzzer's mutations stay within -max_len. Run from fuzz/:
#   /usr/bin/python3 make_hdf5_seeds.py
import h5py
import numpy as np


def scalar(group, name, value):
    group[name] = np.array([value], dtype=np.int64)
    group[name].attrs["torch_scalar"] = np.int64(1)


def checkpoint(path, checksummed):
    with h5py.File(path, "w", libver="latest") as f:
        meta = f.create_group("meta")
        for key, value in dict(format_version=1, world_size=1).items():
            meta.attrs[key] = np.int64(value)
        for key in ("created", "synthview_version", "git_sha", "device", "command_line"):
            meta.attrs[key] = "x"
        f.create_group("config").attrs["yaml"] = "train:\n  steps: 2\nmodel:\n  width: 8\n"
        train = f.create_group("train")
        for key, value in dict(step=1, samples_drawn=8).items():
            train.attrs[key] = np.int64(value)
        for key in ("epoch_equivalents", "lr"):
            train.attrs[key] = np.float64(0.5)
        train["history/step"] = np.array([1], dtype=np.int64)
        train["history/loss"] = np.array([2.5])
        options = dict(chunks=True, fletcher32=True) if checksummed else {}
        f.create_dataset("model/encoder/conv1.weight", data=np.ones((2, 1, 1, 1), np.float32), **options)
        f["model/head/0.bias"] = np.zeros(2, np.float32)
        f["model/buffers/encoder/bn1.running_mean"] = np.zeros(2, np.float32)
        f.create_group("model/buffers/head")
        f.create_group("optim").attrs["name"] = "sgd"
        f["optim/encoder.conv1.weight/momentum_buffer"] = np.zeros((2, 1, 1, 1), np.float32)
        f.create_group("rng").attrs["seed"] = np.int64(7)


def generator(path):
    # The dcgan architecture at its smallest: resolution 8 (one up-convolution), width 8, latent 4.
    with h5py.File(path, "w", libver="latest") as f:
        g = f.create_group("generator")
        g.attrs["kind"] = "builtin"
        for key, value in dict(format_version=1, latent_dim=4, num_classes=0, channels=1, resolution=8,
                               width=8).items():
            g.attrs[key] = np.int64(value)
        g["project.weight"] = np.full((128, 4), 0.1, np.float32)
        for name, value in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
            g["project_norm." + name] = np.full(8, value, np.float32)
        scalar(g, "project_norm.num_batches_tracked", 1)
        g["blocks.0.weight"] = np.full((8, 1, 4, 4), 0.05, np.float32)
        g["blocks.0.bias"] = np.zeros(1, np.float32)


checkpoint("ckpt/corpus/minimal.h5", checksummed=False)
checkpoint("ckpt/corpus/checksummed.h5", checksummed=True)
generator("genweights/corpus/dcgan-8px.h5")
