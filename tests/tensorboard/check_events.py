"""Reads a run folder's event files with TensorBoard's own reader (PyPI tensorboard's EventAccumulator)
and checks them against what synthview wrote beside them. Exits 1 with a message on the first mismatch.

  check_events.py train RUN_DIR [--images-every N --samples DIR] [--eval JSON --eval-step N] [--rewritten]
  check_events.py gan RUN_DIR LOG        (RUN_DIR/generator; LOG: train-generator's stdout)
  check_events.py none RUN_DIR           (no event file at all)
"""
import argparse
import glob
import io
import json
import math
import os
import re
import sys

import numpy as np
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def load(folder):
    if not glob.glob(os.path.join(folder, "events.out.tfevents.*")):
        fail(f"no event file in {folder}")
    keep_all = {kind: 0 for kind in (event_accumulator.SCALARS, event_accumulator.IMAGES, event_accumulator.TENSORS)}
    accumulator = event_accumulator.EventAccumulator(folder, size_guidance=keep_all)
    accumulator.Reload()
    return accumulator


def tag_of(group, field):
    return "time/" + field[len("time_"):] if field.startswith("time_") else f"{group}/{field}"


def same_float32(expected, actual):
    """metrics.jsonl has 8 significant digits of a double, the event a float32 of the same double:
    equal when within one float32 step of the jsonl value (NaN for JSON null)."""
    if expected is None:
        return math.isnan(actual)
    expected32 = np.float32(expected)
    return abs(np.float32(actual) - expected32) <= np.spacing(abs(expected32))


def scalars_by_step(accumulator, tag):
    if tag not in accumulator.Tags()["scalars"]:
        fail(f"no scalar '{tag}' (tags: {sorted(accumulator.Tags()['scalars'])})")
    events = accumulator.Scalars(tag)
    steps = [event.step for event in events]
    duplicates = sorted({step for step in steps if steps.count(step) > 1})
    if duplicates:
        fail(f"'{tag}' has steps {duplicates} more than once")
    return {event.step: event.value for event in events}


def check_scalars(accumulator, metrics_path, rewritten):
    lines = [json.loads(line) for line in open(metrics_path)]
    last = {}  # field -> step -> value of the last line for that step (a resumed run rewrites steps)
    first = {}
    for line in lines:
        for field, value in line.items():
            if field != "step":
                last.setdefault(field, {})[line["step"]] = value
                first.setdefault(field, {}).setdefault(line["step"], value)
    compared = 0
    for field, expected in last.items():
        actual = scalars_by_step(accumulator, tag_of("train", field))
        if sorted(actual) != sorted(expected):
            fail(f"'{field}': event steps {sorted(actual)} != metrics.jsonl steps {sorted(expected)}")
        for step, value in expected.items():
            if not same_float32(value, actual[step]):
                fail(f"'{field}' at step {step}: event {actual[step]!r} != metrics.jsonl {value!r}")
            compared += 1
    if rewritten and all(first["lr"][step] == last["lr"][step] for step in last["lr"]):
        fail("no step of metrics.jsonl was rewritten with another lr: the resume check would prove nothing")
    print(f"scalars: {compared} values of {len(last)} metrics equal metrics.jsonl, each step once")
    return max(last["loss"])


def check_config(accumulator, run_dir):
    events = accumulator.Tensors("config")
    text = events[-1].tensor_proto.string_val[0].decode()
    expected = open(os.path.join(run_dir, "config.yaml")).read()
    if text != "```\n" + expected + "```\n":
        fail(f"config text differs from config.yaml:\n{text}")
    print(f"config: text at step(s) {[event.step for event in events]} equals config.yaml")


def decode(png_bytes):
    return np.asarray(Image.open(io.BytesIO(png_bytes)))


def check_images(accumulator, images_every, last_step, samples):
    events = accumulator.Images("views")
    steps = [event.step for event in events]
    expected_steps = list(range(images_every, last_step + 1, images_every))
    if sorted(steps) != expected_steps:
        fail(f"views images at steps {sorted(steps)}, expected {expected_steps}")
    for event in events:
        grid = decode(event.encoded_image_string)
        with open(os.path.join(samples, f"sample-{event.step}.png"), "rb") as file:
            sample = decode(file.read())
        if grid.shape != sample.shape or not np.array_equal(grid, sample):
            fail(f"views image at step {event.step} ({grid.shape}) differs from synthview sample ({sample.shape})")
    print(f"images: steps {steps} decode to exactly the grids synthview sample writes")


def check_eval(accumulator, report_path, step):
    report = json.load(open(report_path))
    expected = {}
    if "linear" in report:
        expected["eval/linear_top1"] = report["linear"]["top1"]
        expected["eval/linear_top5"] = report["linear"]["top5"]
    for name, score in report.get("knn", {}).items():
        if isinstance(score, dict):
            expected[f"eval/knn_{name}_top1"] = score["top1"]
            expected[f"eval/knn_{name}_top5"] = score["top5"]
    if not expected:
        fail(f"{report_path} holds no accuracies")
    for tag, value in expected.items():
        actual = scalars_by_step(accumulator, tag)
        if list(actual) != [step] or not same_float32(value, actual[step]):
            fail(f"'{tag}': {actual} != {{{step}: {value}}} from eval --json")
    print(f"eval: {sorted(expected)} at step {step} equal eval --json")


def check_gan(run_dir, log_path):
    accumulator = load(os.path.join(run_dir, "generator"))
    printed = re.findall(r"^step (\d+)/\d+  d_loss (\S+)  g_loss (\S+)", open(log_path).read(), re.M)
    if not printed:
        fail(f"no progress lines in {log_path}")
    for name, column in (("d_loss", 1), ("g_loss", 2)):
        actual = scalars_by_step(accumulator, f"gan/{name}")
        expected = {int(line[0]): float(line[column]) for line in printed}
        if sorted(actual) != sorted(expected):
            fail(f"gan/{name} steps {sorted(actual)} != printed steps {sorted(expected)}")
        for step, value in expected.items():
            if abs(actual[step] - value) > 0.5e-4 + 1e-7:  # printed with 4 decimals
                fail(f"gan/{name} at step {step}: event {actual[step]} != printed {value}")
    config = accumulator.Tensors("config")[-1].tensor_proto.string_val[0].decode()
    if "\ngan:\n" not in config:
        fail(f"train-generator's config text holds no gan section:\n{config}")
    print(f"gan: d_loss and g_loss at steps {sorted(expected)} equal the printed progress")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["train", "gan", "none"])
    parser.add_argument("run_dir")
    parser.add_argument("log", nargs="?")
    parser.add_argument("--images-every", type=int, default=0)
    parser.add_argument("--samples")
    parser.add_argument("--eval")
    parser.add_argument("--eval-step", type=int)
    parser.add_argument("--rewritten", action="store_true")
    args = parser.parse_args()
    if args.mode == "none":
        found = glob.glob(os.path.join(args.run_dir, "**", "*tfevents*"), recursive=True)
        if found:
            fail(f"log.tensorboard=false but event files exist: {found}")
        print("none: no event file")
        return
    if args.mode == "gan":
        check_gan(args.run_dir, args.log)
        return
    accumulator = load(args.run_dir)
    last_step = check_scalars(accumulator, os.path.join(args.run_dir, "metrics.jsonl"), args.rewritten)
    check_config(accumulator, args.run_dir)
    if args.images_every:
        check_images(accumulator, args.images_every, last_step, args.samples)
    if args.eval:
        check_eval(accumulator, args.eval, args.eval_step)


if __name__ == "__main__":
    main()
