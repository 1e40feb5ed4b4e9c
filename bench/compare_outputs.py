#!/usr/bin/env python3
"""Checks that an optimisation changed no result: runs two builds on the same extracts and
compares everything they wrote.

    python3 bench/compare_outputs.py BEFORE AFTER                 # run, 100k children
    python3 bench/compare_outputs.py BEFORE AFTER --children 1000000 --backfill

BEFORE and AFTER are permanency-report binaries (e.g. a copy of target/release/permanency-report
saved before the change, and the new one). The extracts are bench/data/<children>/, generated
with AFTER's `generate` when missing (bench.py's `extracts_directory`). Each binary runs
`run --no-email` as of 2026-10-31 and, with --backfill, a monthly `backfill` of the ten years
to that date; then every file must be byte for byte the same, except that workbooks are
compared member by member (the bytes inside the zip, not its compression) and
manifest.json without its timings. Prints IDENTICAL and exits 0, or names each difference
and exits 1.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile

from bench import AS_OF, ROOT, extracts_directory  # the benchmark's date and extracts

CONFIG = os.path.join(ROOT, "config", "permanency.toml")


def run(binary, arguments):
    result = subprocess.run([binary, *arguments], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"{binary} {' '.join(arguments)} failed ({result.returncode}):\n{result.stderr[-2000:]}")


def files_under(directory):
    found = set()
    for parent, _, names in os.walk(directory):
        for name in names:
            found.add(os.path.relpath(os.path.join(parent, name), directory))
    return found


def same_file(before, after):
    """None when equal, else what differs."""
    if before.endswith(".xlsx"):
        with zipfile.ZipFile(before) as left, zipfile.ZipFile(after) as right:
            if sorted(left.namelist()) != sorted(right.namelist()):
                return "different members"
            for member in left.namelist():
                if left.read(member) != right.read(member):
                    return f"member {member} differs"
        return None
    if os.path.basename(before) == "manifest.json":
        def without_timings(path):
            with open(path, encoding="utf-8") as file:
                manifest = json.load(file)
            manifest.pop("timings_ms", None)
            return manifest
        return None if without_timings(before) == without_timings(after) else "differs (timings aside)"
    with open(before, "rb") as left, open(after, "rb") as right:
        while True:
            left_chunk, right_chunk = left.read(1 << 20), right.read(1 << 20)
            if left_chunk != right_chunk:
                return "bytes differ"
            if not left_chunk:
                return None


def compare(before_directory, after_directory):
    """The differences between two output trees, as lines."""
    before_files, after_files = files_under(before_directory), files_under(after_directory)
    problems = [f"only in BEFORE's output: {name}" for name in sorted(before_files - after_files)]
    problems += [f"only in AFTER's output: {name}" for name in sorted(after_files - before_files)]
    for name in sorted(before_files & after_files):
        difference = same_file(os.path.join(before_directory, name), os.path.join(after_directory, name))
        if difference:
            problems.append(f"{name}: {difference}")
    return problems, len(before_files)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", help="the binary built before the change")
    parser.add_argument("after", help="the binary built after it")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--backfill", action="store_true", help="also compare a 120-date monthly backfill")
    options = parser.parse_args()
    binaries = {"before": os.path.abspath(options.before), "after": os.path.abspath(options.after)}
    input_directory = extracts_directory(options.children, binaries["after"])

    commands = [("run", ["run", "--config", CONFIG, "--input-dir", input_directory, "--as-of", AS_OF, "--no-email"])]
    if options.backfill:
        commands.append(("backfill", ["backfill", "--config", CONFIG, "--input-dir", input_directory,
                                      "--from", "2016-11-30", "--to", AS_OF, "--every", "month"]))
    all_problems = []
    with tempfile.TemporaryDirectory(prefix="compare-outputs-") as scratch:
        for name, arguments in commands:
            outputs = {}
            for which, binary in binaries.items():
                outputs[which] = os.path.join(scratch, f"{name}-{which}")
                run(binary, [*arguments, "--out", outputs[which]])
            problems, count = compare(outputs["before"], outputs["after"])
            print(f"{name}: {'IDENTICAL' if not problems else 'DIFFERENT'} ({count} files)")
            all_problems += [f"{name}: {problem}" for problem in problems]
    for problem in all_problems:
        print(f"  {problem}")
    sys.exit(1 if all_problems else 0)


if __name__ == "__main__":
    main()
