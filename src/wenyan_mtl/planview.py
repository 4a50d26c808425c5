"""The `wenyan-mtl plan` subcommand: the fine-tuning runs as a table, with sizes, cost and status.

Train records come from results/data/{task}/split_stats.json (or a line count
of train.jsonl). Token counts come from finished runs' manifests (tokens per
record and task) or, before any run has finished, from the characters of the
train records, about one token per character of Classical Chinese. GPU-hours
divide those tokens by the throughput measured in finished fine-tuning runs or,
failing that, in CPT. Every such number is an estimate and is labelled so.

The status of each run comes from a Snakemake dry run of the same
configuration, so it shows exactly what `snakemake` would do and why.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .plan import Run, plan_runs
from .tasks import canonical_order, display_name

log = logging.getLogger("wenyan_mtl.plan")

RUN_RULES = ("finetune", "predict", "score")
SCHEMA = Path("workflow/schemas/config.schema.yaml")
DEFAULT_CONFIGFILE = "config/config.yaml"


# -- configuration -------------------------------------------------------------


def merge_config(base: dict, update: dict) -> dict:
    """Merge `update` into `base` recursively, as Snakemake merges --config into the config file."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_config_items(items: list[str]) -> dict:
    """Parse KEY=VALUE items with YAML values, as `snakemake --config` does."""
    parsed = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--config item {item!r} is not KEY=VALUE")
        parsed[key] = yaml.safe_load(value) if value else None
    return parsed


def load_config(workdir: Path, configfiles: list[str], config_items: list[str]) -> dict:
    """Load the config files and overrides, with the schema's defaults filled in."""
    from snakemake.utils import validate

    config: dict = {}
    for name in configfiles:
        path = workdir / name
        if not path.is_file():
            raise FileNotFoundError(f"config file {path} not found")
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"config file {path} must contain a mapping, got {type(loaded).__name__}")
        config = merge_config(config, loaded)
    config = merge_config(config, parse_config_items(config_items))
    validate(config, str(workdir / SCHEMA), set_default=True)
    return config


# -- sizes and cost --------------------------------------------------------------


def count_train_records(results: Path, task: str) -> int | None:
    """Return the task's train records from split_stats.json or train.jsonl, or None before the split."""
    stats_path = results / "data" / task / "split_stats.json"
    if stats_path.is_file():
        return int(json.loads(stats_path.read_text(encoding="utf-8"))["counts"]["train"])
    train_path = results / "data" / task / "train.jsonl"
    if train_path.is_file():
        with open(train_path, encoding="utf-8") as handle:
            return sum(1 for line in handle if line.strip())
    return None


def read_manifests(results: Path) -> list[dict]:
    manifests = []
    for path in sorted(results.glob("runs/*/seed*/manifest.json")):
        try:
            manifests.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as error:
            log.warning("skipping unreadable run manifest %s: %s", path, error)
    return manifests


def measured_tokens_per_record(manifests: list[dict]) -> dict[str, float]:
    """Mean tokens per train record of each task, over the finished runs that trained on it."""
    per_task: dict[str, list[float]] = {}
    for manifest in manifests:
        tokens = manifest.get("total_tokens") or {}
        records = manifest.get("records_selected") or {}
        for task, count in records.items():
            if count and task in tokens:
                per_task.setdefault(task, []).append(tokens[task] / count)
    return {task: statistics.fmean(values) for task, values in per_task.items()}


def character_tokens(results: Path, task: str, cutoff_len: int) -> int | None:
    """Estimate a task's train tokens as characters of instruction, input and output, capped at cutoff_len."""
    train_path = results / "data" / task / "train.jsonl"
    if not train_path.is_file():
        return None
    total = 0
    with open(train_path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            length = sum(len(record.get(key) or "") for key in ("instruction", "input", "output"))
            total += min(length, cutoff_len)
    return total


@dataclass
class Throughput:
    """Training tokens per second per process, and where the number was measured."""

    tokens_per_second: float
    source: str
    device: str


def measured_throughput(results: Path, manifests: list[dict]) -> Throughput | None:
    """Median tokens/s per process of the finished runs, else of CPT, else None."""
    rates, devices = [], set()
    for manifest in manifests:
        wall, tokens = manifest.get("wall_seconds"), manifest.get("tokens_seen")
        if wall and tokens:
            rates.append(tokens / wall / max(int(manifest.get("world_size") or 1), 1))
            devices.add((manifest.get("device") or {}).get("type", "?"))
    if rates:
        return Throughput(statistics.median(rates), f"{len(rates)} finished run(s)", "/".join(sorted(devices)))
    cpt_path = results / "models" / "cpt_manifest.json"
    if cpt_path.is_file():
        cpt = json.loads(cpt_path.read_text(encoding="utf-8"))
        wall, tokens = cpt.get("wall_seconds"), cpt.get("tokens_seen")
        if wall and tokens:
            rate = tokens / wall / max(int(cpt.get("world_size") or 1), 1)
            return Throughput(rate, "CPT", (cpt.get("device") or {}).get("type", "?"))
    return None


# -- status from a Snakemake dry run ------------------------------------------------

_REASONS = (
    ("Missing output files", "missing output"),
    ("Incomplete output files", "incomplete output"),
    ("Updated input files", "input changed"),
    ("Input files updated by another job", "input changed"),
    ("Set of input files has changed", "input changed"),
    ("Params have changed", "params changed"),
    ("Code has changed", "code changed"),
    ("Software environment definition has changed", "software changed"),
    ("Forced execution", "forced"),
)


@dataclass
class PlannedJob:
    rule: str
    wildcards: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def classify_reason(text: str) -> list[str]:
    """Map Snakemake's reason line to short labels, in Snakemake's order."""
    labels = [label for prefix, label in _REASONS if prefix.lower() in text.lower()]
    return list(dict.fromkeys(labels)) or [text.strip()]


def parse_dry_run(output: str) -> list[PlannedJob]:
    """Parse the job blocks (`rule NAME:` ... `wildcards:` ... `reason:`) of `snakemake -n` output."""
    jobs: list[PlannedJob] = []
    for line in output.splitlines():
        header = re.match(r"^(?:local)?rule (\w+):$", line.strip())
        if header and not line.startswith(" "):
            jobs.append(PlannedJob(header.group(1)))
            continue
        if not jobs:
            continue
        stripped = line.strip()
        if stripped.startswith("wildcards:"):
            for item in stripped[len("wildcards:"):].split(","):
                name, _, value = item.strip().partition("=")
                jobs[-1].wildcards[name] = value
        elif stripped.startswith("reason:"):
            jobs[-1].reasons = classify_reason(stripped[len("reason:"):])
    return jobs


def snakemake_dry_run(workdir: Path, configfiles: list[str], config_items: list[str]) -> str:
    """Run `snakemake -n` with the same configuration and return its output; raise on failure."""
    command = [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--directory", str(workdir)]
    if configfiles:
        command += ["--configfile", *configfiles]
    if config_items:
        command += ["--config", *config_items]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"snakemake dry run failed with status {result.returncode}:\n{tail}")
    return result.stdout + result.stderr


def run_status(run: Run, seeds: list[str], jobs: list[PlannedJob]) -> str:
    """Summarize the planned jobs of one run (all seeds) as `done` or `to run: reason (rule)`."""
    own = [
        job for job in jobs
        if job.rule in RUN_RULES and job.wildcards.get("run") == run.id and job.wildcards.get("seed") in seeds
    ]
    if not own:
        return "done"
    own.sort(key=lambda job: RUN_RULES.index(job.rule))
    first = own[0]
    return f"to run: {', '.join(first.reasons) or 'planned'} ({first.rule})"


# -- the table -------------------------------------------------------------------------


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def render_table(header: list[str], rows: list[list[str]]) -> str:
    """Render rows as aligned columns, counting CJK characters as two columns wide."""
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(cell + " " * (width - display_width(cell)) for cell, width in zip(cells, widths)).rstrip()

    return "\n".join([line(header), line(["-" * width for width in widths]), *(line(row) for row in rows)])


def format_count(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}"


def run_label(run: Run) -> str:
    names = [display_name(task) for task in run.tasks]
    if run.kind == "all":
        return f"全部 {len(names)} 项"
    return "+".join(names)


def build_rows(config: dict, results: Path, jobs: list[PlannedJob] | None) -> tuple[list[list[str]], list[str]]:
    """Return the table rows and the footnotes that name the source of each estimate."""
    tasks = canonical_order(config["tasks"])
    finetune = config["finetune"]
    epochs = float(finetune["num_train_epochs"])
    seeds = [str(seed) for seed in finetune["seeds"]]
    manifests = read_manifests(results)
    per_record = measured_tokens_per_record(manifests)
    throughput = measured_throughput(results, manifests)

    records = {task: count_train_records(results, task) for task in tasks}
    task_tokens: dict[str, float | None] = {}
    for task in tasks:
        if task in per_record and records[task] is not None:
            task_tokens[task] = per_record[task] * records[task]
        else:
            task_tokens[task] = character_tokens(results, task, int(finetune["cutoff_len"]))

    rows, total_hours = [], 0.0
    for run in plan_runs(tasks):
        run_records = [records[task] for task in run.tasks]
        n_records = None if None in run_records else sum(run_records)
        run_token_parts = [task_tokens[task] for task in run.tasks]
        tokens = None if None in run_token_parts else sum(run_token_parts) * epochs * len(seeds)
        hours = None
        if tokens is not None and throughput is not None:
            hours = tokens / throughput.tokens_per_second / 3600
            total_hours += hours
        status = "?" if jobs is None else run_status(run, seeds, jobs)
        rows.append([
            run.id, run_label(run), format_count(n_records), format_count(tokens),
            "?" if hours is None else f"{hours:.2f}", status,
        ])

    notes = [
        f"{len(rows)} runs x {len(seeds)} seed(s); tokens = train tokens x {epochs:g} epoch(s) x seeds (estimate).",
        "Tokens per record: measured in finished runs for "
        + (", ".join(sorted(per_record)) or "no task")
        + "; other tasks: characters per record (estimate, about one token per character).",
    ]
    if throughput is None:
        notes.append("GPU-hours: ? until a fine-tuning run or CPT has finished and recorded its throughput.")
    else:
        notes.append(
            f"GPU-hours (estimate): {throughput.tokens_per_second:,.0f} tokens/s per process measured in "
            f"{throughput.source} on {throughput.device}; total {total_hours:.2f} h for the runs with known size."
        )
    return rows, notes


# -- command line ------------------------------------------------------------------------


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the `plan` subcommand to the `wenyan-mtl` parser."""
    parser = subparsers.add_parser(
        "plan",
        help="list the fine-tuning runs with train records, estimated tokens and GPU-hours, and status",
        description=(
            "List every planned fine-tuning run of the configuration: its tasks, train records, estimated "
            "tokens and GPU-hours, and whether Snakemake would run it and why (from `snakemake -n`)."
        ),
    )
    parser.add_argument(
        "--configfile", action="extend", nargs="+", dest="configfiles", metavar="FILE",
        help=(
            f"workflow config files, merged in order as `snakemake --configfile` merges them, relative to "
            f"--directory (default: {DEFAULT_CONFIGFILE}); several may follow one flag, and the flag may repeat"
        ),
    )
    parser.add_argument(
        "--config", nargs="*", default=[], dest="config_items", metavar="KEY=VALUE",
        help="config overrides with YAML values, as for `snakemake --config`",
    )
    parser.add_argument("--directory", default=".", help="workflow directory with Snakefile and results/ (default: .)")
    parser.add_argument("--no-status", action="store_true", help="skip the Snakemake dry run; status shows ?")
    parser.set_defaults(func=run_plan)
    return parser


def run_plan(args: argparse.Namespace) -> int:
    """Print the run table of the configuration in `args`."""
    workdir = Path(args.directory).resolve()
    configfiles = args.configfiles or [DEFAULT_CONFIGFILE]
    config = load_config(workdir, configfiles, args.config_items)

    jobs = None
    if not args.no_status:
        try:
            jobs = parse_dry_run(snakemake_dry_run(workdir, configfiles, args.config_items))
        except RuntimeError as error:
            log.warning("run status unknown (shown as ?): %s", error)

    rows, notes = build_rows(config, workdir / "results", jobs)
    header = ["run", "tasks", "train records", "tokens (est.)", "GPU-h (est.)", "status"]
    print(render_table(header, rows))
    print()
    for note in notes:
        print(note)
    return 0
