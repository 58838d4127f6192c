#!/usr/bin/python3
"""tools/comparison_report.py on made-up evaluations whose means, standard deviations and paired
differences are worked out by hand, and the rows tools/comparison.py plans (with the real synthview binary,
which it asks for the batch size). Usage: test_comparison_report.py TOOLS_DIR SYNTHVIEW"""
import contextlib
import io
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

TOOLS = pathlib.Path(sys.argv.pop(1) if len(sys.argv) > 1 else "tools")
SYNTHVIEW = pathlib.Path(sys.argv.pop(1) if len(sys.argv) > 1 else "build/synthview")
sys.path.insert(0, str(TOOLS))
import comparison  # noqa: E402


def evaluation(linear, k20, k200, subject="checkpoint", machine=None):
    entry = {"subject": subject, "linear": {"top1": linear}, "knn": {"k20": {"top1": k20}, "k200": {"top1": k200}}}
    if machine:
        entry["machine"] = {"cpu": machine, "cores": 2, "avx512": machine.endswith("512"), "finished": "now"}
    return json.dumps(entry)


class ComparisonReport(unittest.TestCase):
    def report(self, files, tune=None, recipes=None, reruns=None):
        with tempfile.TemporaryDirectory() as folder:
            out = pathlib.Path(folder)
            for name, lines in (reruns or {}).items():
                path = out / "crosscheck" / "test" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("\n".join(lines) + "\n")
            for name, lines in (tune or {}).items():
                path = out / "tune" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("\n".join(lines) + "\n")
            if recipes:
                (out / "recipes.json").write_text(json.dumps(recipes))
            for name, lines in files.items():
                path = out / "test" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("\n".join(lines) + "\n")
            subprocess.run([sys.executable, str(TOOLS / "comparison_report.py"), str(out)], check=True,
                           stdout=subprocess.DEVNULL)
            return (out / "results.md").read_text()

    def test_mean_sd_and_paired_differences(self):
        # real: linear 80, 82, 84 -> 82.00 +- 2.00; gen: 81, 85, 83 -> per-seed differences +1, +3, -1
        # -> +1.00 +- 2.00 (unpaired the means differ by 1.00 as well, but the sd of a difference of
        # independent rows would be sqrt(2^2 + 2^2) = 2.83: pairing is what makes it 2.00).
        # kNN k=20: real 70, 71, 75; gen 70, 72, 77 -> differences 0, +1, +2 -> +1.00 +- 1.00.
        real = [(0.80, 0.70, 0.60), (0.82, 0.71, 0.60), (0.84, 0.75, 0.60)]
        gen = [(0.81, 0.70, 0.50), (0.85, 0.72, 0.50), (0.83, 0.77, 0.50)]
        files = {f"real-simclr/seed-{s}.json": [evaluation(*real[s])] for s in range(3)}
        files.update({f"gen-simclr/seed-{s}.json": [evaluation(*gen[s])] for s in range(3)})
        text = self.report(files)
        real_line = next(line for line in text.splitlines() if line.startswith("| real Fashion-MNIST, SimCLR |"))
        self.assertIn("| 3 | 82.00 ± 2.00 | 72.00 ± 2.65 | 60.00 ± 0.00 | - |", real_line)
        gen_line = next(line for line in text.splitlines() if line.startswith("| generated, SimCLR,"))
        self.assertIn("| 3 | 83.00 ± 2.00 | 73.00 ± 3.61 | 50.00 ± 0.00 | +1.00 ± 2.00 / +1.00 ± 1.00 |", gen_line)

    def test_pairs_only_common_seeds_and_splits_baselines(self):
        # gen has seeds 0 and 1, real only seed 1: one pair, 90 - 80 = +10.
        files = {"real-simclr/seed-1.json": [evaluation(0.80, 0.80, 0.80)],
                 "gen-supcon/seed-0.json": [evaluation(0.50, 0.50, 0.50)],
                 "gen-supcon/seed-1.json": [evaluation(0.90, 0.90, 0.90)],
                 "baselines/seed-0.json": [evaluation(0.70, 0.60, 0.50, "random-init"),
                                           evaluation(0.85, 0.84, 0.83, "pixels")]}
        text = self.report(files)
        self.assertIn("| generated, SupCon on generator classes | 2 | 70.00 ± 28.28 |", text)
        self.assertIn("+10.00 (n=1) / +10.00 (n=1) |", text)
        self.assertIn("| raw pixels (no encoder) | 1 | 85.00 (n=1) | 84.00 (n=1) | 83.00 (n=1) |", text)
        self.assertIn("| random-init encoder | 1 | 70.00 (n=1) | 60.00 (n=1) | 50.00 (n=1) |", text)

    def test_sweeps_in_numeric_order(self):
        files = {f"sigma-{s}/seed-0.json": [evaluation(0.5, 0.5, 0.5)] for s in ("4", "0.25", "1", "0.1")}
        files.update({f"unique-{p}/seed-0.json": [evaluation(0.5, 0.5, 0.5)] for p in ("10000", "1000", "3000")})
        files.update({f"truncation-{t}/seed-0.json": [evaluation(0.5, 0.5, 0.5)] for t in ("1.5", "0.5")})
        files["gen-simclr/seed-0.json"] = [evaluation(0.6, 0.6, 0.6)]
        text = self.report(files)
        truncation = text.split("## Truncation")[1].split("##")[0]
        self.assertEqual([line.split("|")[1].strip() for line in truncation.splitlines() if line.startswith("| ")][1:],
                         ["0.5", "1.5", "2"])  # 2: gen-simclr, the default truncation
        self.assertIn("| 2 | 1 | 60.00 (n=1) |", truncation)
        sigma_section = text.split("## Sigma")[1].split("##")[0]
        sigma = [line.split("|")[1].strip() for line in sigma_section.splitlines() if line.startswith("| ")][1:]
        self.assertEqual(sigma, ["0.1", "0.25", "1", "4"])
        pools = [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| 1000") or
                 line.startswith("| 3000") or line.startswith("| 10000")]
        self.assertEqual(pools, ["1000", "3000", "10000"])

    def test_pairs_on_the_same_machine_with_reruns_as_partners(self):
        # gen seeds 0, 1 ran on cpu-a, seed 2 on cpu-512. real-simclr's own results are all on cpu-a; its
        # rerun on cpu-512 (crosscheck) is seed 2's partner, not the cpu-a result of the same seed.
        # Pairs: 85-80, 86-82, 90-87 -> +5, +4, +3 -> +4.00 +- 1.00 (against cpu-a's 84 seed 2 would be +6).
        # gen-supcon seed 1 on cpu-512 has no cpu-512 partner at seed 1: one pair only, 90-80 = +10.
        files = {f"real-simclr/seed-{s}.json": [evaluation(v, v, v, machine="cpu-a")]
                 for s, v in ((0, 0.80), (1, 0.82), (2, 0.84))}
        files.update({"gen-simclr/seed-0.json": [evaluation(0.85, 0.85, 0.85, machine="cpu-a")],
                      "gen-simclr/seed-1.json": [evaluation(0.86, 0.86, 0.86, machine="cpu-a")],
                      "gen-simclr/seed-2.json": [evaluation(0.90, 0.90, 0.90, machine="cpu-512")],
                      "gen-supcon/seed-0.json": [evaluation(0.90, 0.90, 0.90, machine="cpu-a")],
                      "gen-supcon/seed-1.json": [evaluation(0.70, 0.70, 0.70, machine="cpu-512")]})
        reruns = {"real-simclr/seed-2.json": [evaluation(0.87, 0.87, 0.87, machine="cpu-512")]}
        text = self.report(files, reruns=reruns)
        gen_line = next(line for line in text.splitlines() if line.startswith("| generated, SimCLR,"))
        self.assertIn("| +4.00 ± 1.00 / +4.00 ± 1.00 |", gen_line)
        supcon_line = next(line for line in text.splitlines() if line.startswith("| generated, SupCon"))
        self.assertIn("| +10.00 (n=1) / +10.00 (n=1) |", supcon_line)
        real_line = next(line for line in text.splitlines() if line.startswith("| real Fashion-MNIST, SimCLR |"))
        self.assertIn("| 82.00 ± 2.00 |", real_line)  # a rerun is a partner, never a row's own result
        self.assertIn("- cpu-512, 2 cores, with AVX-512: 3 result files", text)
        self.assertIn("| real-simclr | cpu-512, 2 cores, with AVX-512 | 1 | 87.00 (n=1) |", text)

    def test_a_generated_pool_pairs_with_the_real_subset_of_its_size(self):
        # unique-1000 - real-unique-1000: 70-60, 74-62 -> +10, +12 -> +11.00 +- 1.41.
        files = {f"unique-1000/seed-{s}.json": [evaluation(v, v, v)] for s, v in ((0, 0.70), (1, 0.74))}
        files.update({f"real-unique-1000/seed-{s}.json": [evaluation(v, v, v)] for s, v in ((0, 0.60), (1, 0.62))})
        text = self.report(files)
        line = next(line for line in text.splitlines() if line.startswith("| 1000 | 2 | 72.00"))
        self.assertTrue(line.endswith("| - | +11.00 ± 1.41 / +11.00 ± 1.41 |"), line)

    def test_tuning_table_in_numeric_order_with_the_chosen_recipe_in_bold(self):
        tune = {"gen-simclr/loss.temperature=1.0.json": [evaluation(0.70, 0.60, 0.5)],
                "gen-simclr/loss.temperature=0.05.json": [evaluation(0.80, 0.70, 0.5)],
                "real-simclr/loss.temperature=0.5.json": [evaluation(0.81, 0.71, 0.5)]}
        text = self.report({}, tune, {"gen-simclr": {"recipe": "loss.temperature=0.05"}})
        self.assertIn("| arm | loss.temperature=0.05 | loss.temperature=0.5 | loss.temperature=1.0 |", text)
        self.assertIn("| real-simclr | - | 81.00 / 71.00 | - |", text)
        self.assertIn("| gen-simclr | **80.00 / 70.00** | - | 70.00 / 60.00 |", text)

    def test_results_record_their_machine_and_the_report_counts_them(self):
        flags = next((line.split() for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("flags")), [])  # x86 only; elsewhere no AVX-512
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "r.json"
            with contextlib.redirect_stdout(io.StringIO()):
                comparison.write_result(path, evaluation(0.5, 0.4, 0.3) + "\n" + evaluation(0.2, 0.1, 0.0, "pixels"))
            written = [json.loads(line) for line in path.read_text().splitlines()]
        self.assertEqual([{k: v for k, v in entry.items() if k != "machine"} for entry in written],
                         [json.loads(evaluation(0.5, 0.4, 0.3)), json.loads(evaluation(0.2, 0.1, 0.0, "pixels"))])
        host = written[0]["machine"]
        self.assertEqual(host["avx512"], "avx512f" in flags)
        self.assertEqual(host["cores"], os.cpu_count())
        text = self.report({"gen-simclr/seed-0.json": [json.dumps(written[0])],
                            "gen-simclr/seed-1.json": [json.dumps(written[0])],
                            "real-simclr/seed-0.json": [evaluation(0.5, 0.5, 0.5)]})
        avx = "with" if host["avx512"] else "without"
        self.assertIn(f"- {host['cpu']}, {os.cpu_count()} cores, {avx} AVX-512: 2 result files", text)
        self.assertIn("- not recorded (results from before 2026-12-03 21:45 UTC): 1 result files", text)


class ComparisonRows(unittest.TestCase):
    """comparison.py's plan: which rows, with which recipe arm and overrides."""
    def rows(self, *options):
        args = comparison.parse_args(["run", "--build", str(SYNTHVIEW.parent),
                                      "--config", str(TOOLS.resolve().parent / "configs" / "demo.yaml"), *options])
        return comparison.rows(comparison.Runner(args))

    def test_arms_restrict_the_main_rows_and_no_real_subset_is_as_large_as_the_real_set(self):
        # demo.yaml's batch is 64: 3125 steps draw 200000 anchors, twice a pool of 100000.
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            planned = self.rows("--groups", "main unique", "--arms", "gen-simclr real-simclr", "--steps", "3125",
                                "--pools", "1000 100000", "--real-images", "60000")
        self.assertEqual([(row, arm) for row, arm, _ in planned],
                         [("real-simclr", "real-simclr"), ("gen-simclr", "gen-simclr"),
                          ("unique-1000", "gen-simclr"), ("real-unique-1000", "real-simclr"),
                          ("unique-100000", "gen-simclr")])
        self.assertEqual(planned[3][2], ["data.source=real", "data.unique_samples=1000",
                                         "data.real_train_images=60000"])
        self.assertIn("no real subset of 100000 images", stderr.getvalue())

    def test_the_truncation_sweep_keeps_the_view_noise_of_gen_simclr(self):
        planned = self.rows("--groups", "truncation", "--truncations", "0.5 1")
        self.assertEqual(planned, [("truncation-0.5", "gen-simclr", ["views.truncation=0.5", "views.delta_truncation=2"]),
                                   ("truncation-1", "gen-simclr", ["views.truncation=1", "views.delta_truncation=2"])])

    def test_a_pool_not_drawn_twice_is_refused(self):
        # 600 x 64 = 38400 anchors < 2 x 20000.
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit) as refused:
            self.rows("--groups", "unique", "--steps", "600", "--pools", "20000")
        self.assertIn("fewer than twice the pool of 20000", str(refused.exception.code))

    def test_an_unknown_arm_is_named(self):
        with self.assertRaises(SystemExit) as refused:
            self.rows("--groups", "main", "--arms", "gen-simclr real-moco")
        self.assertIn("--arms real-moco: not an arm", str(refused.exception.code))


if __name__ == "__main__":
    unittest.main()
