#!/usr/bin/env python3
"""permanency-report benchmark: national-scale extracts, medians of several runs, peak memory.

    python3 bench/bench.py                # 1M children, 3 runs each (about 5 minutes once the
    python3 bench/bench.py --runs 5       # extracts and the release build exist; generating
                                          # takes about 2 more, a clean fat-LTO build 2.5)

Generates extracts with `permanency-report generate` (1,000,000 children: about 1.1M removals,
1.3M notices, 8M meetings, 600 MB of CSV; plus 100k and 300k), then times with
/usr/bin/time -v (wall time, CPU time and peak memory):
  - `run --no-email` (all measures, trend, case lists, equity, all workbooks and pages);
  - the floor: polars reading the same three files and nothing else;
  - `backfill` of 120 monthly as-of dates;
  - `run` at 100k and 300k children, for the cost per input row;
  - DuckDB computing only the eight headline measures from the same CSVs
    (bench/duckdb_headline.py);
  - with --parquet: the run also writing every table as Parquet (output.formats), beside the
    run, and once the sizes of episodes.parquet and of the nightly archive at that scale;
  - with --snapshots: `backfill --snapshots` over 24 nightly snapshots of 100k children.
Floor, runs and DuckDB are timed in interleaved rounds (see measure_interleaved), so the ratios
compare runs made under the same conditions. Prints one table. Timings are never asserted in
the test suite.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "permanency-report")
DATA = os.path.join(ROOT, "bench", "data")
AS_OF = "2026-10-31"


def sh(arguments, **kwargs):
    return subprocess.run(arguments, check=True, **kwargs)


def timed(arguments):
    """(seconds, peak resident MB, CPU seconds: user + system) of one run, through
    /usr/bin/time -v."""
    result = subprocess.run(["/usr/bin/time", "-v", *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(arguments)}\n{result.stderr[-2000:]}")
    elapsed = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    hours, minutes, seconds = elapsed.groups()
    wall = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", result.stderr).group(1)) for kind in ("User", "System"))
    return wall, peak_kb / 1024, cpu


def settle():
    """Flush what earlier steps wrote, so its write-back does not run during the next timing."""
    os.sync()


def summary(name, samples):
    seconds = statistics.median(sample[0] for sample in samples)
    peak = max(sample[1] for sample in samples)
    cpu = statistics.median(sample[2] for sample in samples)
    print(f"  {name}: median {seconds:.2f} s of {[round(sample[0], 2) for sample in samples]}, peak {peak:.0f} MB, "
          f"CPU {cpu:.2f} s", file=sys.stderr)
    return {"name": name, "seconds": seconds, "peak_mb": peak, "cpu_seconds": cpu, "samples": [sample[0] for sample in samples],
            "cpu_samples": [sample[2] for sample in samples]}


def paired_ratio(new, baseline, kind="samples"):
    """The median of the round-by-round ratios new / baseline: steadier than the ratio of the
    medians on this machine, whose speed drifts between rounds (the same build's times vary by
    up to 15 % within one benchmark)."""
    return statistics.median(a / b for a, b in zip(new[kind], baseline[kind]))


def fresh_output(arguments, output_directory, label):
    """`arguments` writing into a new directory of `output_directory` (named by `label`) instead
    of into `output_directory` itself: every timed run writes a new run directory, as the
    nightly run does."""
    if output_directory is None:
        return arguments
    new_directory = os.path.join(output_directory, label)
    return [new_directory if argument == output_directory else argument for argument in arguments]


def timed_in_fresh_output(arguments, output_directory, label):
    """`timed` in a new run directory (`fresh_output`), deleted once timed. Kept, a benchmark's
    runs filled the disk (15 runs of 560 MB at 1M children): the disk was 87 % full and one
    build's times ranged over 20 %, against about 5 % with each run's outputs deleted
    (2026-12-05). They are deleted before the sync that precedes the next timing (`settle`),
    and a run writes about 50 files: when a run wrote 20,000 outbox messages, creating them
    just after the previous run's were deleted cost 2-7 s of kernel time on this machine's
    ext4 (it skips inodes freed in the last minutes)."""
    sample = timed(fresh_output(arguments, output_directory, label))
    if output_directory is not None:
        shutil.rmtree(os.path.join(output_directory, label), ignore_errors=True)
    return sample


def measure_interleaved(commands, runs):
    """Each command timed `runs` times, in rounds (one run of each per round, after a sync, the
    order reversed every other round), so
    that this shared machine's speed, which drifts by 20-30 % over minutes, weighs on every
    command alike; the figures compared with each other (run vs floor, vs DuckDB, cost per row
    by size) come from the same rounds. One untimed warm-up round first (as hyperfine's
    --warmup). `commands` are (key, name, arguments, output directory or None).
    Returns {key: summary}."""
    for _, _, arguments, output_directory in commands:
        timed_in_fresh_output(arguments, output_directory, "warm-up")
        settle()
    samples = {key: [] for key, _, _, _ in commands}
    for round_number in range(runs):
        # The order is reversed every other round: in a fixed order the command that runs
        # after another measured a few per cent slower (two builds: 1.072 x in a fixed order,
        # 1.022 x alternating, 11 rounds each, 2026-12-05).
        ordered = commands if round_number % 2 == 0 else commands[::-1]
        for key, _, arguments, output_directory in ordered:
            settle()
            samples[key].append(timed_in_fresh_output(arguments, output_directory, f"round-{round_number}"))
    return {key: summary(name, samples[key]) for key, name, _, _ in commands}


def measure(name, arguments, output_directory, runs):
    samples = []
    for round_number in range(runs):
        settle()
        samples.append(timed_in_fresh_output(arguments, output_directory, f"round-{round_number}"))
    return summary(name, samples)


def extracts_directory(children, binary=BINARY):
    """bench/data/<children>/, with the extracts `binary` generates (seed 11) when missing."""
    directory = os.path.join(DATA, f"{children}")
    if not os.path.exists(os.path.join(directory, "meetings.csv")):
        sh([binary, "generate", "--children", str(children), "--seed", "11", "--out", directory])
    return directory


def dataset(children):
    """The extracts' directory, their number of rows and their size in bytes."""
    directory = extracts_directory(children)
    rows = 0
    for name in ("removals", "notifications", "meetings"):
        with open(os.path.join(directory, f"{name}.csv"), "rb") as file:
            rows += sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 24), b"")) - 1
    size = sum(os.path.getsize(os.path.join(directory, f"{name}.csv")) for name in ("removals", "notifications", "meetings"))
    return directory, rows, size


def parquet_sizes(big, out, config):
    """One run at national scale writing Parquet and archiving its extracts: the sizes of
    episodes.csv, episodes.parquet, verdicts.parquet, the extracts and their archive, and the
    archive's time (from the manifest)."""
    archive = os.path.join(out, "archive")
    sizes_config = os.path.join(out, "sizes.toml")
    with open(config) as shipped, open(sizes_config, "w") as edited:
        edited.write(shipped.read().replace('formats = ["csv"]', 'formats = ["csv", "parquet"]', 1)
                     + f'\n[archive]\ndir = "{archive}"\n')
    target = os.path.join(out, "sizes")
    settle()
    sh([BINARY, "run", "--config", sizes_config, "--input-dir", big, "--as-of", AS_OF, "--out", target, "--no-email"],
       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    night = os.path.join(target, AS_OF)
    import json
    with open(os.path.join(night, "manifest.json")) as manifest:
        timings = json.load(manifest)["timings_ms"]
    archived = os.path.join(archive, AS_OF)
    sizes = {
        "episodes_csv": os.path.getsize(os.path.join(night, "episodes.csv")),
        "episodes_parquet": os.path.getsize(os.path.join(night, "episodes.parquet")),
        "verdicts_parquet": os.path.getsize(os.path.join(night, "verdicts.parquet")),
        "extracts_csv": sum(os.path.getsize(os.path.join(big, name)) for name in os.listdir(big) if name.endswith(".csv")),
        "archive": sum(os.path.getsize(os.path.join(archived, name)) for name in os.listdir(archived)),
        "archive_seconds": timings.get("archive", 0) / 1000,
    }
    shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(archive, ignore_errors=True)
    return sizes


def snapshots_directory(children, nights):
    """bench/data/snapshots-<children>/<date>/: `nights` nightly snapshots (one a day up to
    AS_OF), each what `generate --until <date>` makes with the same seed: the same children,
    the later nights knowing more."""
    import datetime
    directory = os.path.join(DATA, f"snapshots-{children}")
    last = datetime.date.fromisoformat(AS_OF)
    for back in range(nights):
        night = (last - datetime.timedelta(days=back)).isoformat()
        target = os.path.join(directory, night)
        if not os.path.exists(os.path.join(target, "meetings.csv")):
            sh([BINARY, "generate", "--children", str(children), "--seed", "11", "--until", night, "--out", target],
               stdout=subprocess.DEVNULL)
    return directory


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--backfill-dates", type=int, default=120)
    parser.add_argument("--baseline", help="another build (e.g. the binary before a change): its run and backfill are "
                        "timed in the same interleaved rounds, and the table gives new / baseline")
    parser.add_argument("--baseline-config", help="the configuration the baseline reads (default: the shipped one), for a "
                        "baseline older than a configuration key")
    parser.add_argument("--with-mail", action="store_true", help="also time the run with its mail written to the outbox "
                        "(offices, units and every worker with an open item), beside the baseline's when given")
    parser.add_argument("--parquet", action="store_true", help="also time the run writing every table as Parquet, and "
                        "measure episodes.parquet and the nightly archive")
    parser.add_argument("--snapshots", action="store_true", help="also time backfill --snapshots over 24 nightly "
                        "snapshots of 100k children (generated once into bench/data/snapshots-100000)")
    options = parser.parse_args()

    for module in ("polars", "duckdb"):
        try:
            __import__(module)
        except ImportError:
            sh([sys.executable, "-m", "pip", "install", "--quiet", module])
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    os.makedirs(DATA, exist_ok=True)
    out = tempfile.mkdtemp(prefix="permanency-bench-")
    config = os.path.join(ROOT, "config", "permanency.toml")

    def run_output(key):
        return os.path.join(out, f"run-{key}")

    baseline_config = options.baseline_config or config

    def run_arguments(directory, key, binary=BINARY, configuration=config):
        return [binary, "run", "--config", configuration, "--input-dir", directory, "--as-of", AS_OF, "--out", run_output(key), "--no-email"]

    big, big_rows, big_size = dataset(options.children)
    print(f"{options.children} children: {big_rows:,} rows, {big_size / 1e6:.0f} MB", file=sys.stderr)
    smaller = {children: dataset(children) for children in (100_000, 300_000)}
    commands = [
        ("floor", "floor (polars reads the 3 files)", [sys.executable, os.path.join(ROOT, "bench", "floor.py"), big], None),
        ("run", f"run --no-email, {options.children} children", run_arguments(big, "run"), run_output("run")),
        ("duckdb", "duckdb, headline measures only",
         [sys.executable, os.path.join(ROOT, "bench", "duckdb_headline.py"), big, AS_OF, config], None),
        *((children, f"run --no-email, {children} children", run_arguments(directory, children), run_output(children))
          for children, (directory, _, _) in smaller.items()),
    ]
    if options.baseline:
        commands.append(("run-baseline", f"baseline run --no-email, {options.children} children",
                         run_arguments(big, "run-baseline", options.baseline, baseline_config), run_output("run-baseline")))
    if options.with_mail:
        commands.append(("mail", f"run with mail to the outbox, {options.children} children",
                         run_arguments(big, "mail")[:-1], run_output("mail")))
        if options.baseline:
            commands.append(("mail-baseline", "baseline run with mail to the outbox",
                             run_arguments(big, "mail-baseline", options.baseline, baseline_config)[:-1], run_output("mail-baseline")))
    if options.parquet:
        parquet_config = os.path.join(out, "parquet.toml")
        with open(config) as shipped, open(parquet_config, "w") as edited:
            edited.write(shipped.read().replace('formats = ["csv"]', 'formats = ["csv", "parquet"]', 1))
        commands.append(("parquet", f"run --no-email writing Parquet too, {options.children} children",
                         run_arguments(big, "parquet", configuration=parquet_config), run_output("parquet")))
    results = measure_interleaved(commands, options.runs)
    if options.parquet:
        results["parquet-sizes"] = parquet_sizes(big, out, config)
    if options.snapshots:
        snapshots = snapshots_directory(100_000, 24)
        settle()
        results["snapshots"] = measure("backfill --snapshots, 24 nights of 100k children",
                                       [BINARY, "backfill", "--config", config, "--snapshots", snapshots, "--out",
                                        os.path.join(out, "snapshots")], os.path.join(out, "snapshots"), options.runs)
    scaling = [(children, rows, results[children]) for children, (_, rows, _) in smaller.items()]
    scaling.append((options.children, big_rows, results["run"]))
    # Last: it writes more than a gigabyte, whose write-back would disturb the runs above.
    first_month_end = {"from": "2016-11-30", "to": AS_OF} if options.backfill_dates == 120 else None
    def backfill_arguments(binary, key, configuration=config):
        return [binary, "backfill", "--config", configuration, "--input-dir", big, "--from", first_month_end["from"] if first_month_end else AS_OF,
                "--to", AS_OF, "--every", "month", "--out", os.path.join(out, key)]
    backfills = [("backfill", f"backfill, {options.backfill_dates} monthly dates", backfill_arguments(BINARY, "backfill"), os.path.join(out, "backfill"))]
    if options.baseline:
        backfills.append(("backfill-baseline", "baseline backfill", backfill_arguments(options.baseline, "backfill-baseline", baseline_config),
                          os.path.join(out, "backfill-baseline")))
    if len(backfills) == 1:
        # No warm-up run: the runs above just read the same extracts.
        results["backfill"] = measure(backfills[0][1], backfills[0][2], backfills[0][3], options.runs)
    else:
        results.update(measure_interleaved(backfills, options.runs))
    shutil.rmtree(out, ignore_errors=True)

    floor = results["floor"]["seconds"]
    run = results["run"]["seconds"]
    per_row = [(children, measured["seconds"] / rows * 1e6) for children, rows, measured in scaling]
    flatness = max(cost for _, cost in per_row) / min(cost for _, cost in per_row) - 1
    def cpu(key):
        return f"{results[key]['cpu_seconds']:.2f} s"

    # CPU is user + system seconds over all threads: on 2 cores a run can take no less wall time
    # than half its CPU, which is what bounds the run against the floor (README, Performance).
    rows_table = [
        ("floor: polars reads the 3 files", f"{floor:.2f} s", cpu("floor"), f"{results['floor']['peak_mb']:.0f} MB", "", ""),
        (f"run --no-email ({options.children:,} children)", f"{run:.2f} s", cpu("run"), f"{results['run']['peak_mb']:.0f} MB",
         f"<= 1.5 x floor = {1.5 * floor:.2f} s", "met" if run <= 1.5 * floor else f"NOT met ({run / floor:.1f} x floor)"),
        ("duckdb: headline measures only", f"{results['duckdb']['seconds']:.2f} s", cpu("duckdb"), f"{results['duckdb']['peak_mb']:.0f} MB", "", ""),
        ("run vs duckdb", "", "", "", f"run < duckdb = {results['duckdb']['seconds']:.2f} s",
         "met" if run < results["duckdb"]["seconds"] else f"NOT met ({run / results['duckdb']['seconds']:.2f} x duckdb)"),
        ("run peak memory", "", "", f"{results['run']['peak_mb']:.0f} MB", "<= 1500 MB",
         "met" if results["run"]["peak_mb"] <= 1500 else "NOT met"),
        (f"backfill, {options.backfill_dates} monthly dates", f"{results['backfill']['seconds']:.2f} s", cpu("backfill"),
         f"{results['backfill']['peak_mb']:.0f} MB",
         f"<= 5 x run = {5 * run:.1f} s", "met" if results["backfill"]["seconds"] <= 5 * run else f"NOT met ({results['backfill']['seconds'] / run:.1f} x run)"),
    ]
    if options.with_mail:
        rows_table.append(("run with mail to the outbox", f"{results['mail']['seconds']:.2f} s", cpu("mail"),
                           f"{results['mail']['peak_mb']:.0f} MB", "", ""))
    if options.baseline:
        pairs = [("run", "run"), ("backfill", "backfill")] + ([("mail", "run with mail")] if options.with_mail else [])
        for key, what in pairs:
            new, baseline = results[key], results[f"{key}-baseline"]
            ratio = new["seconds"] / baseline["seconds"]
            paired = f"paired {paired_ratio(new, baseline):.3f} x, CPU {paired_ratio(new, baseline, 'cpu_samples'):.3f} x"
            rows_table.append((f"{what} vs baseline ({options.baseline})", f"{baseline['seconds']:.2f} s",
                               cpu(f"{key}-baseline"), f"{baseline['peak_mb']:.0f} MB",
                               "new / baseline", f"{ratio:.3f} x ({paired})"))
    if options.parquet:
        ratio = results["parquet"]["seconds"] / run
        rows_table.append(("run writing Parquet too", f"{results['parquet']['seconds']:.2f} s", cpu("parquet"),
                           f"{results['parquet']['peak_mb']:.0f} MB", "<= 1.10 x run", "met" if ratio <= 1.10 else f"NOT met ({ratio:.3f} x run)"))
        sizes = results["parquet-sizes"]
        episodes_ratio = sizes["episodes_csv"] / sizes["episodes_parquet"]
        rows_table.append(("episodes.parquet vs episodes.csv", f"{sizes['episodes_parquet'] / 1e6:.0f} MB", "", "",
                           f"csv {sizes['episodes_csv'] / 1e6:.0f} MB / 5", "met" if episodes_ratio >= 5 else "NOT met" + f" ({episodes_ratio:.1f} x)"))
        rows_table.append(("verdicts.parquet (long format)", f"{sizes['verdicts_parquet'] / 1e6:.0f} MB", "", "", "", ""))
        archive_ratio = sizes["extracts_csv"] / sizes["archive"]
        rows_table.append(("nightly archive vs the CSV it keeps", f"{sizes['archive'] / 1e6:.0f} MB", f"{sizes['archive_seconds']:.2f} s", "",
                           f"csv {sizes['extracts_csv'] / 1e6:.0f} MB / 5", "met" if archive_ratio >= 5 else "NOT met" + f" ({archive_ratio:.1f} x)"))
    if options.snapshots:
        rows_table.append(("backfill --snapshots, 24 x 100k", f"{results['snapshots']['seconds']:.2f} s", cpu("snapshots"),
                           f"{results['snapshots']['peak_mb']:.0f} MB", "", ""))
    for children, cost in per_row:
        rows_table.append((f"cost per input row, {children:,} children", f"{cost:.2f} us/row", "", "", "", ""))
    rows_table.append(("cost per row, largest vs smallest", f"+{flatness * 100:.0f}%", "", "", "<= 20%", "met" if flatness <= 0.20 else "NOT met"))
    header = ("what", "time", "cpu", "peak", "target", "result")
    widths = [max(len(row[column]) for row in [header, *rows_table]) for column in range(len(header))]
    print(f"\npermanency-report benchmark ({options.runs} runs, medians; {os.cpu_count()} cores)")
    for row in [header, *rows_table]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))


if __name__ == "__main__":
    main()
