#!/usr/bin/python3
"""Tables and plots for tools/comparison.sh: reads OUT/<row>.json, writes OUT/results.md, sigma.png, unique.png."""
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "runs/comparison")


def load(name):
    path = out / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def scores(result):
    knn = result.get("knn", {})
    return (100 * result["linear"]["top1"], 100 * knn.get("k20", {}).get("top1", float("nan")),
            100 * knn.get("k200", {}).get("top1", float("nan")))


rows = [("random-init encoder", "random-init"), ("real Fashion-MNIST, pixel augmentations", "real-pixel"),
        ("generated, pixel augmentations only", "gen-pixel-only"),
        ("generated, latent views only", "gen-latent-only"),
        ("generated, latent views + pixel augmentations", "gen-latent-pixel"),
        ("generated, independent same-class views", "gen-independent"),
        ("generated, SupCon with generator classes", "gen-supcon")]
floor = load("random-init")
lines = ["| row | linear top-1 % | kNN k=20 top-1 % | kNN k=200 top-1 % | vs random init (linear / k=20 / k=200) |",
         "|---|---|---|---|---|"]
for label, name in rows:
    result = load(name)
    if result:
        row_scores = scores(result)
        gap = "-"
        if floor and name != "random-init":
            gap = " / ".join(f"{a - b:+.2f}" for a, b in zip(row_scores, scores(floor)))
        lines.append("| {} | {:.2f} | {:.2f} | {:.2f} | {} |".format(label, *row_scores, gap))


def sweep(prefix, values, label, filename, xscale):
    xs, linear, knn = [], [], []
    table = [f"| {label} | linear top-1 % | kNN k=20 top-1 % |", "|---|---|---|"]
    for value, x in values:
        result = load(f"{prefix}-{value}")
        if not result:
            continue
        lin, k20, _ = scores(result)
        table.append(f"| {value} | {lin:.2f} | {k20:.2f} |")
        xs.append(x)
        linear.append(lin)
        knn.append(k20)
    if xs:
        plt.figure(figsize=(5.5, 3.8))
        plt.plot(xs, linear, "o-", label="linear probe")
        plt.plot(xs, knn, "s-", label="kNN k=20")
        if floor:
            floor_linear, floor_knn, _ = scores(floor)
            plt.axhline(floor_linear, color="C0", linestyle=":", label="random init, linear")
            plt.axhline(floor_knn, color="C1", linestyle=":", label="random init, kNN k=20")
        plt.xscale(xscale)
        plt.xlabel(label)
        plt.ylabel("real test top-1 %")
        plt.grid(alpha=0.3)
        plt.legend(fontsize=7)
        plt.tight_layout()
        plt.savefig(out / filename, dpi=120)
    return table


sigma = sweep("sigma", [(s, float(s)) for s in ["0.1", "0.2", "0.5", "1.0", "2.0"]], "views.sigma", "sigma.png",
              "log")
unique = sweep("unique", [(u, float(u) if u != "0" else 1e6) for u in ["1000", "10000", "100000", "0"]],
               "data.unique_samples (0 = unbounded, plotted at 1e6)", "unique.png", "log")
text = "\n".join(lines + [""] + sigma + [""] + unique) + "\n"
(out / "results.md").write_text(text)
print(text)
