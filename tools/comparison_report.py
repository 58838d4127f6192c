#!/usr/bin/python3
"""Tables and plots of tools/comparison.py: reads OUT/test/<row>/seed-S.json (and OUT/recipes.json),
writes OUT/results.md and, when matplotlib is there, OUT/sigma.png, OUT/truncation.png and OUT/unique.png.

Every figure is mean +- sample standard deviation over the seeds a row has; a difference against
real-data SimCLR (or, for a generated pool, the real subset of its size) is paired: computed per seed
(the same seed draws the same data order and encoder initialisation), then averaged, so seed-to-seed
variation that both rows share cancels. A pair is made on one machine only, because LibTorch picks its
kernels by CPU and the same seed trains differently on another one: a partner rerun on the machine of
the row's result goes in OUT/crosscheck/test/<row>/seed-S.json (`comparison.py run --out OUT/crosscheck`
after copying OUT/recipes.json there).
Usage: tools/comparison_report.py OUT
"""
import collections
import json
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from comparison import ABLATIONS, ARMS, scores  # noqa: E402

METRICS = ["linear", "kNN k=20", "kNN k=200"]
REFERENCE = "real-simclr"
RERUNS = "crosscheck"


class Results:
    """Every result of OUT/test (the tables) and OUT/crosscheck/test (rows rerun on another machine, used only
    as same-machine partners of a paired difference)."""
    def __init__(self, out):
        self.table = {}  # row -> seed -> [linear, k20, k200], from OUT/test
        self.machine_of = {}  # (row, seed) -> machine of the OUT/test result
        self.by_machine = {}  # (row, machine) -> seed -> scores, from both folders
        self.machines = collections.Counter()  # result files per machine
        self.reruns = {}  # (row, machine) -> seed -> scores, from OUT/crosscheck only
        for folder in (out, out / RERUNS):
            for path in sorted((folder / "test").glob("*/seed-*.json")):
                self.read(path, primary=folder == out)

    def read(self, path, primary):
        seed = path.stem.removeprefix("seed-")
        evaluations = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        machine = machine_name(evaluations[0].get("machine"))
        self.machines[machine] += 1
        for evaluation in evaluations:
            row = path.parent.name
            if row == "baselines":  # the baselines file gives the rows random-init and pixels
                row = "pixels" if evaluation["subject"] == "pixels" else "random-init"
            self.by_machine.setdefault((row, machine), {})[seed] = scores(evaluation)
            if primary:
                self.table.setdefault(row, {})[seed] = scores(evaluation)
                self.machine_of[(row, seed)] = machine
            else:
                self.reruns.setdefault((row, machine), {})[seed] = scores(evaluation)

    def paired(self, row, partner, metric):
        """Per seed of row: its score minus partner's at the same seed on the same machine (the same seed on
        another CPU is paired in data and initialisation only, and trains about a seed's spread apart).
        Seeds without such a partner are left out."""
        differences = []
        for seed, score in sorted(self.table[row].items()):
            other = self.by_machine.get((partner, self.machine_of[(row, seed)]), {}).get(seed)
            if other is not None:
                differences.append(score[metric] - other[metric])
        return differences

    def gap(self, row, partner):
        """'linear / kNN k=20' paired differences of row against partner."""
        linear, knn = self.paired(row, partner, 0), self.paired(row, partner, 1)
        if row == partner or not linear:
            return "-"
        seeds = len(self.table[row])
        return f"{signed(linear, seeds)} / {signed(knn, seeds)}"


def machine_name(host):
    if host is None:
        return "not recorded (results from before 2026-12-03 21:45 UTC)"
    return f"{host['cpu']}, {host['cores']} cores, {'with' if host['avx512'] else 'without'} AVX-512"


def mean_sd(values):
    """'m +- s (n)' over the values; one value has no spread."""
    if len(values) == 1:
        return f"{values[0]:.2f} (n=1)"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def column(per_seed, metric):
    return [per_seed[seed][metric] for seed in sorted(per_seed)]


def signed(values, seeds):
    """Mean +- sd of paired differences; (n=k) when fewer than the row's seeds found a partner."""
    count = f" (n={len(values)})" if len(values) < seeds or len(values) == 1 else ""
    if len(values) == 1:
        return f"{values[0]:+.2f}{count}"
    return f"{statistics.mean(values):+.2f} ± {statistics.stdev(values):.2f}{count}"


PAIRED = f"vs {REFERENCE}, paired on seed and machine (linear / kNN k=20)"


def row_table(results, rows, title):
    lines = [f"| {title} | seeds | " + " | ".join(f"{m} %" for m in METRICS) + f" | {PAIRED} |",
             "|---|---|---|---|---|---|"]
    for name, label in rows:
        if name not in results.table:
            continue
        per_seed = results.table[name]
        cells = [mean_sd(column(per_seed, m)) for m in range(3)]
        lines.append(f"| {label} | {len(per_seed)} | " + " | ".join(cells) + f" | {results.gap(name, REFERENCE)} |")
    return lines


def sweep_table(results, points, key_label, partner=None):
    """One line per (value, row) point, with its paired difference against real-data SimCLR and, where
    partner names one (partner(row) -> row), against that row."""
    extra = f" vs {partner[1]}, paired |" if partner else ""
    lines = [f"| {key_label} | seeds | linear % | kNN k=20 % | kNN k=200 % | {PAIRED} |{extra}",
             "|---|---|---|---|---|---|" + ("---|" if partner else "")]
    for value, name in points:
        if name in results.table:
            per_seed = results.table[name]
            shown = (f"{int(value)}" if value.is_integer() else f"{value:g}") if isinstance(value, float) else value
            line = f"| {shown} | {len(per_seed)} | " + " | ".join(mean_sd(column(per_seed, m)) for m in range(3)) + \
                f" | {results.gap(name, REFERENCE)} |"
            if partner:
                line += f" {results.gap(name, partner[0](name))} |"
            lines.append(line)
    return lines


def tuning_table(out):
    """Every tuning run found under OUT/tune: validation linear / kNN k=20 top-1 per arm and recipe; the
    recipe chosen (OUT/recipes.json) in bold."""
    runs = {}
    for path in sorted((out / "tune").glob("*/*.json")):
        runs.setdefault(path.parent.name, {})[path.stem] = scores(json.loads(path.read_text().splitlines()[0]))
    if not runs:
        return []
    chosen_path = out / "recipes.json"
    chosen = json.loads(chosen_path.read_text()) if chosen_path.exists() else {}

    def value(recipe):
        try:
            return float(recipe.split("=", 1)[1])
        except (IndexError, ValueError):
            return recipe
    tried = sorted({recipe for arm in runs.values() for recipe in arm}, key=value)
    lines = ["| arm | " + " | ".join(tried) + " |", "|---|" + "---|" * len(tried)]
    for arm in [a for a in ARMS if a in runs] + [a for a in runs if a not in ARMS]:
        cells = []
        for recipe in tried:
            if recipe not in runs[arm]:
                cells.append("-")
                continue
            cell = "{:.2f} / {:.2f}".format(*runs[arm][recipe][:2])
            cells.append(f"**{cell}**" if chosen.get(arm, {}).get("recipe") == recipe else cell)
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    return lines


def plot(table, out, points, xlabel, filename, extra=None):
    if not any(name in table for _, name in points + (extra[1] if extra else [])):
        return  # nothing measured yet
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"comparison_report: no {filename}: this Python ({sys.executable}) has no matplotlib "
              "(Debian: apt-get install python3-matplotlib, or run with /usr/bin/python3)", file=sys.stderr)
        return
    figure, axes = plt.subplots(figsize=(6, 4))
    series = [("generated: " if extra else "", points)] + ([extra] if extra else [])
    for prefix, series_points in series:
        for metric, marker in ((0, "o"), (1, "s")):
            xs, means, sds = [], [], []
            for x, name in series_points:
                if name in table and len(table[name]) > 0:
                    values = column(table[name], metric)
                    xs.append(x)
                    means.append(statistics.mean(values))
                    sds.append(statistics.stdev(values) if len(values) > 1 else 0.0)
            if xs:
                axes.errorbar(xs, means, yerr=sds, marker=marker, capsize=3,
                              label=f"{prefix}{METRICS[metric]}")
    axes.set_xscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("real test top-1 % (mean ± sd over seeds)")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(out / filename, dpi=120)


def swept(table, prefix):
    """(value, row) of every row named prefix + number, in increasing value."""
    values = []
    for name in table:
        if name.startswith(prefix):
            try:
                values.append((float(name[len(prefix):]), name))
            except ValueError:
                pass
    return sorted(values)


def real_subset(row):
    """The real-data partner of a generated unique-sample row: a real subset of the same size."""
    return "real-simclr" if row == "gen-simclr" else "real-" + row


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "results/comparison")
    results = Results(out)
    table = results.table
    main_rows = [("pixels", "raw pixels (no encoder)"), ("random-init", "random-init encoder")]
    main_rows += [(name, label) for name, (label, _) in ARMS.items()]
    lines = ["## Rows", ""] + row_table(results, main_rows, "row")
    lines += ["", "## Ablations of generated SimCLR", ""]
    lines += row_table(results, [("gen-simclr", ARMS["gen-simclr"][0])] +
                       [(name, label) for name, (label, _) in ABLATIONS.items()], "row")
    sigma_points = swept(table, "sigma-")
    lines += ["", "## Sigma (renormalised latent views)", ""] + sweep_table(results, sigma_points, "views.sigma")
    truncation_points = swept(table, "truncation-") + [(2.0, "gen-simclr")]
    lines += ["", "## Truncation of the anchor latents (view noise fixed at [-2, 2]; 2 is generated SimCLR)", ""]
    lines += sweep_table(results, truncation_points, "views.truncation")
    unique_gen = swept(table, "unique-")
    unique_real = swept(table, "real-unique-")
    lines += ["", "## Unique samples: generated pools and real subsets of the same size", ""]
    lines += sweep_table(results, unique_gen + [("unbounded", "gen-simclr")], "generated, data.unique_samples",
                         (real_subset, "the real subset of the same size (unbounded: all real images)"))
    lines += [""] + sweep_table(results, unique_real + [("all", "real-simclr")], "real, images")
    tuning = tuning_table(out)
    if tuning:
        lines += ["", "## Tuning on the validation split (linear / kNN k=20 top-1 %; chosen in bold)", ""] + tuning
    lines += ["", "## Machines", "",
              f"Paired differences pair a seed with the partner's same seed on the same machine, found in {out}/test "
              f"or in rows rerun there ({out}/{RERUNS}/test); results without a machine record count as one "
              "machine.", ""]
    lines += [f"- {name}: {count} result files" for name, count in sorted(results.machines.items())]
    if results.reruns:
        lines += ["", f"Rows rerun as partners ({out}/{RERUNS}/test):", "",
                  "| row | machine | seeds | linear % | kNN k=20 % | kNN k=200 % |", "|---|---|---|---|---|---|"]
        for (row, machine), per_seed in sorted(results.reruns.items()):
            lines.append(f"| {row} | {machine} | {len(per_seed)} | " +
                         " | ".join(mean_sd(column(per_seed, m)) for m in range(3)) + " |")
    (out / "results.md").write_text("\n".join(lines) + "\n")
    plot(table, out, sigma_points, "views.sigma (renormalised)", "sigma.png")
    if len(truncation_points) > 1:
        plot(table, out, truncation_points, "views.truncation (anchor latents)", "truncation.png")
    plot(table, out, unique_gen, "unique samples", "unique.png", ("real subset: ", unique_real))
    print(f"wrote {out / 'results.md'}")


if __name__ == "__main__":
    main()
