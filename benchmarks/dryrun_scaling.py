"""Wall time of `snakemake -n` (dry run) against the number of tasks in the plan.

The catalogue has ten tasks, so plans of 20 or 30 tasks need synthetic ones.
For each task count the script builds a sandbox in a temporary directory: a
copy of the Snakefile, workflow/, config/, profiles/, resources/demo/ and the
package (src/wenyan_mtl). The sandbox's catalogue gets tasks `synthetic_11`,
`synthetic_12`, ... cloned from the real entries, the copied config schema
accepts their ids, and each reads a small Alpaca JSON Lines source that the
script writes. The dry run uses the repository's Snakemake with the sandbox's
src/ first on PYTHONPATH, so the checkout is never modified. The sandbox has no
results/, so the whole plan is listed, and the script checks that the plan has
T + T(T-1)/2 + 1 finetune jobs per seed.

The command is timed as a whole (interpreter start-up, Snakefile parsing, DAG,
printing every job to a pipe), best of --repeats. With --profile the largest
plan is also run once under cProfile, and the script prints where the time
goes, including the workflow's own input functions (workflow/rules/*.smk).
With --compact-run-constraint each plan is timed a second time with the `run`
wildcard constraint built from task ids instead of run ids.

Usage: .venv/bin/python benchmarks/dryrun_scaling.py [--tasks 10 20 30] [--repeats 3] [--profile]
       [--compact-run-constraint] [--json FILE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import pstats
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

# Copied into every sandbox; resources/demo is the config's data_root.
WORKFLOW_PATHS = ("Snakefile", "workflow", "config", "profiles", "resources/demo")
PACKAGE = Path("src/wenyan_mtl")
CATALOG = PACKAGE / "resources/task_catalog.yaml"
SCHEMA = Path("workflow/schemas/config.schema.yaml")
CONFIG = Path("config/config.yaml")
SYNTHETIC_PREFIX = "synthetic_"
SYNTHETIC_SOURCE_DIR = "synthetic"
SYNTHETIC_RECORDS = 20
SNAKEFILE = Path("Snakefile")
RUN_CONSTRAINT = "run=alternation(RUNS),"
# The same runs matched by a pattern that grows with T instead of T^2: any task,
# optionally "+" another task, or the all-task run. It accepts pairs in either
# order, which the run plan never produces.
COMPACT_RUN_CONSTRAINT = (
    'run=f"(?:{alternation(TASKS)})(?:\\+(?:{alternation(TASKS)}))?|{alternation([ALL_TASKS_RUN])}",'
)


def planned_runs(task_count: int) -> int:
    """Return the number of fine-tuning runs per seed: T single, T(T-1)/2 pairs, one all-task run."""
    return task_count + task_count * (task_count - 1) // 2 + 1


def synthetic_task_ids(real_count: int, task_count: int) -> list[str]:
    """Return ids `synthetic_{real_count+1}` ... `synthetic_{task_count}`, numbered after the real tasks."""
    if task_count < real_count:
        raise ValueError(f"task count {task_count} is below the {real_count} tasks of the catalogue")
    return [f"{SYNTHETIC_PREFIX}{number}" for number in range(real_count + 1, task_count + 1)]


def extend_catalog(catalog: dict, extra_ids: list[str]) -> dict:
    """Return the catalogue with `extra_ids` appended, each a clone of a real entry.

    The real entries are cloned in turn, so the synthetic tasks spread over the
    three task types as the real ones do.
    """
    real = list(catalog.items())
    extended = copy.deepcopy(catalog)
    for index, task_id in enumerate(extra_ids):
        template_id, template = real[index % len(real)]
        entry = copy.deepcopy(template)
        entry["name_zh"] = f"合成任务{task_id.removeprefix(SYNTHETIC_PREFIX)}（{template['name_zh']}）"
        extended[task_id] = entry
    return extended


def extend_schema(schema: dict, task_ids: list[str]) -> dict:
    """Return the config schema with the enums of `tasks` and `task_sources` keys set to `task_ids`."""
    extended = copy.deepcopy(schema)
    try:
        extended["properties"]["tasks"]["items"]["enum"] = list(task_ids)
        extended["properties"]["task_sources"]["propertyNames"]["enum"] = list(task_ids)
    except KeyError as error:
        raise ValueError(
            f"{SCHEMA}: expected properties.tasks.items.enum and "
            f"properties.task_sources.propertyNames.enum, missing key {error}"
        ) from error
    return extended


def extend_config(config: dict, extra_ids: list[str]) -> dict:
    """Return the workflow config with `extra_ids` added to `tasks`, each reading its own Alpaca file."""
    extended = copy.deepcopy(config)
    extended["tasks"] = list(config["tasks"]) + list(extra_ids)
    for task_id in extra_ids:
        extended["task_sources"][task_id] = [
            {"format": "alpaca", "paths": [f"{SYNTHETIC_SOURCE_DIR}/{task_id}.jsonl"]}
        ]
    return extended


def synthetic_alpaca_lines(task_id: str, count: int) -> list[str]:
    """Return `count` JSON Lines of distinct Alpaca items for `task_id`."""
    lines = []
    for index in range(count):
        item = {"instruction": "", "input": f"{task_id}之文第{index}句。", "output": f"{task_id}的第{index}个答案。"}
        lines.append(json.dumps(item, ensure_ascii=False))
    return lines


_STATS_ROW = re.compile(r"^(\w+)\s+(\d+)$")


def parse_job_stats(output: str) -> dict[str, int]:
    """Parse the "Job stats:" table of `snakemake -n` output into {rule: count}, with "total"."""
    counts: dict[str, int] = {}
    lines = output.splitlines()
    try:
        start = lines.index("Job stats:")
    except ValueError:
        raise ValueError("no 'Job stats:' table in the snakemake output") from None
    for line in lines[start + 3:]:
        row = _STATS_ROW.match(line.strip())
        if not row:
            break
        counts[row.group(1)] = int(row.group(2))
    if "total" not in counts:
        raise ValueError("the 'Job stats:' table of the snakemake output has no 'total' row")
    return counts


def read_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_yaml(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def compact_run_constraint(snakefile: str) -> str:
    """Return the Snakefile with the `run` wildcard constraint replaced by COMPACT_RUN_CONSTRAINT."""
    if snakefile.count(RUN_CONSTRAINT) != 1:
        raise ValueError(f"{SNAKEFILE}: expected one line {RUN_CONSTRAINT!r} to replace")
    patched = snakefile.replace(RUN_CONSTRAINT, COMPACT_RUN_CONSTRAINT)
    return "from wenyan_mtl.plan import ALL_TASKS_RUN\n" + patched


def build_sandbox(destination: Path, task_count: int, compact: bool = False) -> Path:
    """Copy the workflow and package to `destination` and extend them to `task_count` tasks.

    With `compact`, the sandbox's Snakefile gets COMPACT_RUN_CONSTRAINT.
    """
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for relative in WORKFLOW_PATHS:
        source = ROOT / relative
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        else:
            shutil.copy2(source, target)
    shutil.copytree(ROOT / PACKAGE, destination / PACKAGE, ignore=ignore)

    catalog = read_yaml(ROOT / CATALOG)
    config = read_yaml(ROOT / CONFIG)
    extra_ids = synthetic_task_ids(len(catalog), task_count)
    missing = [task for task in catalog if task not in config["tasks"]]
    if missing:
        raise ValueError(f"{CONFIG}: tasks must list every catalogue task for this benchmark; missing {missing}")

    extended_catalog = extend_catalog(catalog, extra_ids)
    write_yaml(destination / CATALOG, extended_catalog)
    write_yaml(destination / SCHEMA, extend_schema(read_yaml(ROOT / SCHEMA), list(extended_catalog)))
    extended_config = extend_config(config, extra_ids)
    write_yaml(destination / CONFIG, extended_config)

    if compact:
        snakefile = destination / SNAKEFILE
        snakefile.write_text(compact_run_constraint(snakefile.read_text(encoding="utf-8")), encoding="utf-8")

    source_dir = destination / extended_config["data_root"] / SYNTHETIC_SOURCE_DIR
    source_dir.mkdir(parents=True, exist_ok=True)
    for task_id in extra_ids:
        lines = synthetic_alpaca_lines(task_id, SYNTHETIC_RECORDS)
        (source_dir / f"{task_id}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return destination


def sandbox_env(sandbox: Path) -> dict[str, str]:
    """Return an environment whose PYTHONPATH puts the sandbox's package before the editable install."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(sandbox / "src"), env.get("PYTHONPATH")]))
    return env


def dry_run_command() -> list[str]:
    return [str(SNAKEMAKE), "--cores", "1", "-n"]


def time_dry_run(sandbox: Path, repeats: int) -> tuple[list[float], str]:
    """Run the dry run `repeats` times; return the wall times and the last run's output."""
    if (sandbox / "results").exists():
        raise RuntimeError(f"{sandbox}/results exists, so the dry run would not list the whole plan")
    seconds = []
    output = ""
    for _ in range(repeats):
        start = time.perf_counter()
        result = subprocess.run(
            dry_run_command(), cwd=sandbox, env=sandbox_env(sandbox), capture_output=True, text=True, check=False
        )
        seconds.append(time.perf_counter() - start)
        output = result.stdout + result.stderr
        if result.returncode != 0:
            raise RuntimeError(f"dry run in {sandbox} failed with status {result.returncode}:\n{output[-4000:]}")
    return seconds, output


def time_startup(repeats: int) -> float:
    """Return the best wall time of `snakemake --version`: interpreter start-up and Snakemake's imports."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([str(SNAKEMAKE), "--version"], capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def profile_dry_run(sandbox: Path, profile_path: Path) -> float:
    """Run one dry run under cProfile, writing the statistics to `profile_path`; return its wall time."""
    command = [sys.executable, "-m", "cProfile", "-o", str(profile_path), str(SNAKEMAKE), *dry_run_command()[1:]]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=sandbox, env=sandbox_env(sandbox), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"profiled dry run failed with status {result.returncode}:\n{result.stderr[-4000:]}")
    return seconds


# Snakemake 9.27 functions whose cumulative time marks a part of a dry run. The
# parts overlap (imports happen inside parsing too), so they do not add up to
# the total. A function that is not found (another Snakemake version) is left out.
PHASES = (
    ("Python imports (all modules)", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("plugin discovery (executors, storage)", "plugin_registry/__init__.py", "collect_plugins"),
    ("parse Snakefile and rules", "snakemake/workflow.py", "include"),
    ("build DAG", "snakemake/workflow.py", "_build_dag"),
    ("schedule dry-run jobs", "snakemake/scheduling/job_scheduler.py", "schedule"),
    ("print jobs", "snakemake/executors/dryrun.py", "printjob"),
)


def summarize_profile(profile_path: Path, sandbox: Path) -> dict:
    """Return the profile's total time, the phases above and the time spent in workflow/rules/*.smk functions.

    The workflow's functions are counted only where Snakemake calls them, not
    where they call each other, so nested calls are not counted twice.
    """
    stats = pstats.Stats(str(profile_path))
    entries = stats.stats  # {(file, line, name): (primitive calls, calls, tottime, cumtime, callers)}
    total = stats.total_tt

    phases = {}
    for label, file_suffix, function in PHASES:
        matches = [value[3] for (file, _, name), value in entries.items() if file.endswith(file_suffix) and name == function]
        if matches:
            phases[label] = max(matches)

    rules_dir = str(sandbox / "workflow" / "rules")
    workflow_functions = {}
    entry_cumulative = 0.0
    for (file, line, name), (_, calls, _, cumulative, callers) in entries.items():
        if not file.startswith(rules_dir) or name == "<module>":
            continue
        label = f"{Path(file).name}:{name}"
        workflow_functions[label] = {"calls": calls, "cumulative_s": cumulative}
        if any(not caller[0].startswith(rules_dir) for caller in callers):
            entry_cumulative += cumulative
    return {
        "total_s": total,
        "phases_s": phases,
        "workflow_functions": dict(sorted(workflow_functions.items(), key=lambda item: -item[1]["cumulative_s"])),
        "workflow_functions_total_s": entry_cumulative,
    }


def machine_summary() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.node()}: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, load {load:.2f}"


def format_table(rows: list[dict]) -> str:
    header = f"{'tasks':>5} {'runs':>5} {'jobs':>6} {'finetune':>8} {'best s':>7} {'all s':>22} {'compact best s':>14}"
    lines = [header, "-" * len(header)]
    for row in rows:
        all_seconds = " ".join(f"{value:.2f}" for value in row["seconds"])
        compact = f"{min(row['compact_seconds']):.2f}" if row.get("compact_seconds") else "-"
        lines.append(
            f"{row['tasks']:>5} {row['runs']:>5} {row['jobs']:>6} {row['finetune_jobs']:>8} "
            f"{min(row['seconds']):>7.2f} {all_seconds:>22} {compact:>14}"
        )
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[10, 20, 30], help="task counts to plan (default 10 20 30)")
    parser.add_argument("--repeats", type=int, default=3, help="timed dry runs per task count; the best is reported (default 3)")
    parser.add_argument("--profile", action="store_true", help="also profile one dry run of the largest plan with cProfile")
    parser.add_argument("--compact-run-constraint", action="store_true",
                        help="also time each plan with the `run` wildcard constraint built from task ids, not run ids")
    parser.add_argument("--json", type=Path, help="write the measurements to this JSON file")
    parser.add_argument("--keep", type=Path, help="build the sandboxes under this directory and keep them")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not SNAKEMAKE.exists():
        raise SystemExit(f"snakemake not found next to {sys.executable}; run this script with the project's .venv/bin/python")

    parent = args.keep or Path(tempfile.mkdtemp(prefix="wenyan-dryrun-"))
    parent.mkdir(parents=True, exist_ok=True)
    seeds = len(read_yaml(ROOT / CONFIG)["finetune"].get("seeds", [42]))
    print(f"machine: {machine_summary()}")
    print(f"command: cd SANDBOX && PYTHONPATH=SANDBOX/src {shlex.join(dry_run_command())}")

    startup = time_startup(args.repeats)
    print(f"snakemake --version (start-up and imports): {startup:.2f} s, best of {args.repeats}")

    rows = []
    try:
        for task_count in args.tasks:
            sandbox = build_sandbox(parent / f"tasks{task_count}", task_count)
            seconds, output = time_dry_run(sandbox, args.repeats)
            compact_seconds = None
            if args.compact_run_constraint:
                compact_sandbox = build_sandbox(parent / f"tasks{task_count}-compact", task_count, compact=True)
                compact_seconds, compact_output = time_dry_run(compact_sandbox, args.repeats)
                if parse_job_stats(compact_output) != parse_job_stats(output):
                    raise RuntimeError(f"{task_count} tasks: the compact run constraint changes the plan")
            counts = parse_job_stats(output)
            expected = planned_runs(task_count) * seeds
            if counts.get("finetune") != expected:
                raise RuntimeError(
                    f"{task_count} tasks: the plan has {counts.get('finetune')} finetune jobs, expected {expected} "
                    f"({planned_runs(task_count)} runs x {seeds} seeds)"
                )
            rows.append({
                "tasks": task_count, "runs": planned_runs(task_count), "jobs": counts["total"],
                "finetune_jobs": counts["finetune"], "seconds": seconds, "job_counts": counts,
                "compact_seconds": compact_seconds,
            })
            print(f"{task_count} tasks: {counts['total']} jobs, best {min(seconds):.2f} s", flush=True)

        print()
        print(format_table(rows))

        profile = None
        if args.profile:
            largest = max(args.tasks)
            sandbox = parent / f"tasks{largest}"
            profile_path = parent / f"dryrun_tasks{largest}.prof"
            wall = profile_dry_run(sandbox, profile_path)
            profile = summarize_profile(profile_path, sandbox)
            profile["wall_s"] = wall
            print(f"\nprofile of the {largest}-task dry run (cProfile, {wall:.2f} s wall, {profile['total_s']:.2f} s profiled):")
            for label, seconds in profile["phases_s"].items():
                print(f"  {label:<36} {seconds:7.2f} s  {seconds / profile['total_s']:6.1%}")
            print(f"  {'workflow input functions (*.smk)':<36} {profile['workflow_functions_total_s']:7.2f} s  "
                  f"{profile['workflow_functions_total_s'] / profile['total_s']:6.1%}")
            for label, entry in list(profile["workflow_functions"].items())[:8]:
                print(f"    {label:<40} {entry['calls']:>6} calls {entry['cumulative_s']:7.3f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(parent, ignore_errors=True)

    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine_summary(), "command": shlex.join(dry_run_command()),
            "startup_s": startup, "rows": rows, "profile": profile,
        }, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
