#!/usr/bin/python3
"""Plot the metric history of checkpoints and/or runs to one PNG.

    /usr/bin/python3 tools/plot_metrics.py SOURCE [SOURCE ...] --out metrics.png [--metrics loss,top1]

A SOURCE is a checkpoint (.h5: datasets /train/history/step and /train/history/<metric>), a run
folder (its metrics.jsonl) or a metrics.jsonl file (one JSON object per line with "step" and
numeric fields). One panel per metric, one line per source.
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def from_checkpoint(path):
    import h5py
    import numpy as np

    with h5py.File(path, "r") as f:
        history = f["train/history"]
        steps = np.asarray(history["step"][()]).reshape(-1)
        return {name: (steps, np.asarray(history[name][()]).reshape(-1)) for name in history if name != "step"}


def from_jsonl(path):
    columns = {}
    with open(path) as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"error: {path}:{number}: not JSON ({e})")
            if "step" not in row:
                continue
            for name, value in row.items():
                if name != "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    steps, values = columns.setdefault(name, ([], []))
                    steps.append(row["step"])
                    values.append(value)
    return columns


def load(source):
    if os.path.isdir(source):
        source = os.path.join(source, "metrics.jsonl")
    if not os.path.exists(source):
        sys.exit(f"error: {source} does not exist (expected a checkpoint .h5, a run folder or metrics.jsonl)")
    return from_checkpoint(source) if source.endswith(".h5") else from_jsonl(source)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sources", nargs="+", help="checkpoint .h5, run folder, or metrics.jsonl")
    parser.add_argument("--out", required=True, help="output PNG")
    parser.add_argument("--metrics", help="comma-separated metric names (default: all found)")
    args = parser.parse_args()

    histories = {source: load(source) for source in args.sources}
    names = sorted({name for history in histories.values() for name in history})
    if args.metrics:
        wanted = args.metrics.split(",")
        unknown = [name for name in wanted if name not in names]
        if unknown:
            sys.exit(f"error: no metric {', '.join(unknown)} in the sources (found: {', '.join(names)})")
        names = wanted
    if not names:
        sys.exit("error: the sources hold no metric history")

    figure, axes = plt.subplots(len(names), 1, figsize=(8, 2.6 * len(names)), sharex=True, squeeze=False)
    for axis, name in zip(axes[:, 0], names):
        for source, history in histories.items():
            if name in history:
                steps, values = history[name]
                axis.plot(steps, values, label=source)
        axis.set_ylabel(name)
        axis.grid(alpha=0.3)
    axes[0, 0].legend(fontsize="small")
    axes[-1, 0].set_xlabel("step")
    figure.tight_layout()
    figure.savefig(args.out, dpi=100)
    print(f"wrote {args.out}: {len(names)} metric(s) from {len(histories)} source(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
