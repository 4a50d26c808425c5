"""Per-job overhead of a workflow run: demo wall time and the share lost to start-up and model loads.

Every Snakemake job runs its script in a fresh Python process. Before any
useful work, each job pays interpreter start-up, Snakemake's script preamble
and its imports (torch, transformers and peft for the model rules), and a model
rule also pays a model load. This script reads a run directory and reports, per rule:

- jobs, total and mean job seconds, from Snakemake's metadata records
  (.snakemake/metadata/*: `starttime` is when the job's incomplete marker was
  written, `endtime` the modification time of each output; a job spans the
  earliest start to the latest end of its outputs' records);
- an estimated overhead: jobs x (start-up + imports of the rule's script,
  measured here in a fresh interpreter, + one model load for the rules in
  MODEL_LOADS, measured here on the run's own CPT model);
- where the jobs record their own timings, the measured time outside the work:
  finetune and cpt manifests (`wall_seconds` of the fine-tuning or CPT call,
  which includes the model load) and predict_stats.json (`load_seconds` and
  the decoding `wall_seconds`).

Use --run-dir on a finished or partial run, or --run-demo DIR to copy the
checkout to DIR, run `snakemake --cores N` there and time it first.

Usage:
  .venv/bin/python benchmarks/job_overhead.py --run-dir /path/to/run
  .venv/bin/python benchmarks/job_overhead.py --run-demo /tmp/demo-run --cores 2 [-- SNAKEMAKE_ARG ...]
"""

from __future__ import annotations

import argparse
import ast
import base64
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# Imports of the preamble that Snakemake 9.27 puts before a `script:` job's own
# lines (snakemake/script/__init__.py, PythonScript.generate_preamble).
PREAMBLE = "import sys, pickle\nfrom snakemake.logging import logger\nfrom snakemake.iocontainers import Snakemake\n"
# Libraries the model rules import inside package functions, where the script's
# top-level imports do not show them.
MODEL_LIBRARIES = ("torch", "transformers", "peft")
# Rules that load the merged CPT model (or the base, for cpt) once per job. The
# score and baselines jobs load it as the BERTScore encoder only when
# evaluation.bertscore.model is null and a task of the job is scored with BERTScore,
# so counting one load per job for them is an upper bound.
MODEL_LOADS = {
    "pretrain_tiny": None,
    "cpt": "results/models/tiny_base",
    "finetune": "results/models/cpt",
    "predict": "results/models/cpt",
    "score": "results/models/cpt",
    "baselines": "results/models/cpt",
}
TARGET_RULE = "all"


@dataclass
class Job:
    """One finished job, from its outputs' metadata records."""

    rule: str
    start: float
    end: float
    outputs: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.end - self.start


def decode_metadata_name(relative: str) -> str:
    """Return the output path that a record's path under .snakemake/metadata encodes.

    Snakemake 9.27 names a record by the URL-safe base64 of the output path and
    splits a name longer than the file system allows into directories whose
    names start with "@" (snakemake/persistence/file.py, `_record_path`).
    """
    encoded = "".join(part.removeprefix("@") for part in Path(relative).parts)
    return base64.urlsafe_b64decode(encoded.encode("ascii")).decode("utf-8")


def group_records(records: list[tuple[str, dict]]) -> list[Job]:
    """Group (output path, metadata record) pairs into jobs.

    The records of one job share the rule and the job hash. Records marked
    incomplete, or without times, are skipped (the job did not finish).
    """
    jobs: dict[tuple, Job] = {}
    for output, record in records:
        if record.get("incomplete") or record.get("starttime") is None or record.get("endtime") is None:
            continue
        key = (record["rule"], record.get("job_hash"), record.get("external_jobid"))
        job = jobs.get(key)
        if job is None:
            jobs[key] = Job(record["rule"], record["starttime"], record["endtime"], [output])
            continue
        job.start = min(job.start, record["starttime"])
        job.end = max(job.end, record["endtime"])
        job.outputs.append(output)
    return sorted(jobs.values(), key=lambda job: job.start)


def load_jobs(run_dir: Path) -> list[Job]:
    """Read every metadata record of `run_dir`/.snakemake/metadata and group them into jobs."""
    metadata_dir = run_dir / ".snakemake" / "metadata"
    if not metadata_dir.is_dir():
        raise FileNotFoundError(f"{metadata_dir}: no Snakemake metadata; is {run_dir} a directory where the workflow ran?")
    records = []
    for path in sorted(metadata_dir.rglob("*")):
        if not path.is_file():
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: invalid metadata record: {error}") from error
        records.append((decode_metadata_name(str(path.relative_to(metadata_dir))), record))
    return group_records(records)


def summarize_jobs(jobs: list[Job]) -> dict[str, dict]:
    """Return {rule: {jobs, total_s, mean_s}} in order of each rule's first job."""
    summary: dict[str, dict] = {}
    for job in jobs:
        entry = summary.setdefault(job.rule, {"jobs": 0, "total_s": 0.0})
        entry["jobs"] += 1
        entry["total_s"] += job.seconds
    for entry in summary.values():
        entry["mean_s"] = entry["total_s"] / entry["jobs"]
    return summary


def script_imports(script: Path) -> list[str]:
    """Return the modules a script imports at top level, as `import` statements, in order."""
    tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
    statements = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            statements += [f"import {alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            statements.append(f"import {node.module}")
    return statements


def rule_scripts(workflow_dir: Path) -> dict[str, Path]:
    """Map each rule of workflow/rules/*.smk with a `script:` directive to its script file."""
    scripts = {}
    for smk in sorted((workflow_dir / "rules").glob("*.smk")):
        rule = None
        lines = smk.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith(("rule ", "localrule ")) and stripped.endswith(":"):
                rule = stripped.split()[1].rstrip(":")
            elif stripped == "script:" and rule and index + 1 < len(lines):
                relative = lines[index + 1].strip().strip("\"'")
                scripts[rule] = (smk.parent / relative).resolve()
    return scripts


def time_python(code: str, repeats: int, env: dict[str, str]) -> float:
    """Return the best wall time of a fresh `python -c code` over `repeats` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"python -c failed with status {result.returncode}: {result.stderr[-2000:]}\ncode:\n{code}")
        best = min(best, elapsed)
    return best


def startup_code(rule: str, scripts: dict[str, Path]) -> str:
    lines = [PREAMBLE]
    if rule in scripts and scripts[rule].exists():
        lines += script_imports(scripts[rule])
    if rule in MODEL_LOADS:
        lines += [f"import {name}" for name in MODEL_LIBRARIES]
    return "\n".join(lines)


MODEL_LOAD_CODE = """
import sys, time
from transformers import AutoModelForCausalLM, AutoTokenizer
started = time.perf_counter()
AutoTokenizer.from_pretrained(sys.argv[1])
AutoModelForCausalLM.from_pretrained(sys.argv[1])
print(time.perf_counter() - started)
"""


def time_model_load(model_dir: Path, repeats: int, env: dict[str, str]) -> float:
    """Return the best in-process time to load a tokenizer and a causal LM from `model_dir` (imports excluded)."""
    best = float("inf")
    for _ in range(repeats):
        result = subprocess.run(
            [sys.executable, "-c", MODEL_LOAD_CODE, str(model_dir)], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"loading {model_dir} failed: {result.stderr[-2000:]}")
        best = min(best, float(result.stdout.strip().splitlines()[-1]))
    return best


def recorded_timings(run_dir: Path, jobs: list[Job]) -> dict[str, dict]:
    """Return, per rule, the work seconds that the jobs record themselves and the job seconds they belong to.

    finetune and cpt: `wall_seconds` of the manifest (the training call,
    model load included); predict: the decoding `wall_seconds` and
    `load_seconds` of predict_stats.json.
    """
    timings: dict[str, dict] = {}
    for job in jobs:
        recorded = None
        if job.rule in ("finetune", "cpt"):
            manifest = next((output for output in job.outputs if output.endswith("manifest.json")), None)
            if manifest and (run_dir / manifest).is_file():
                recorded = {"work_s": json.loads((run_dir / manifest).read_text(encoding="utf-8"))["wall_seconds"]}
        elif job.rule == "predict":
            stats = next((output for output in job.outputs if output.endswith("predict_stats.json")), None)
            if stats and (run_dir / stats).is_file():
                data = json.loads((run_dir / stats).read_text(encoding="utf-8"))
                recorded = {"work_s": data["wall_seconds"], "load_s": data["load_seconds"]}
        if recorded is None:
            continue
        entry = timings.setdefault(job.rule, {"jobs": 0, "job_s": 0.0, "work_s": 0.0, "load_s": 0.0})
        entry["jobs"] += 1
        entry["job_s"] += job.seconds
        entry["work_s"] += recorded["work_s"]
        entry["load_s"] += recorded.get("load_s", 0.0)
    for entry in timings.values():
        entry["outside_work_s"] = entry["job_s"] - entry["work_s"]
    return timings


def estimate_overhead(summary: dict[str, dict], startup: dict[str, float], load: dict[str, float]) -> None:
    """Add `startup_s`, `load_s`, `overhead_s` and `share` to each rule of `summary`, in place."""
    for rule, entry in summary.items():
        entry["startup_s"] = startup.get(rule, 0.0)
        entry["load_s"] = load.get(rule, 0.0)
        entry["overhead_s"] = entry["jobs"] * (entry["startup_s"] + entry["load_s"])
        entry["share"] = entry["overhead_s"] / entry["total_s"] if entry["total_s"] > 0 else 0.0


def copy_checkout(destination: Path) -> Path:
    """Copy the checkout's tracked and untracked-but-not-ignored files to `destination`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def job_env(run_dir: Path) -> dict[str, str]:
    """Return the environment of the jobs: the run directory's package first, if it has one."""
    env = dict(os.environ)
    if (run_dir / "src" / "wenyan_mtl").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(run_dir / "src"), env.get("PYTHONPATH")]))
    return env


def run_demo(destination: Path, cores: int, snakemake_args: list[str]) -> float:
    """Copy the checkout to `destination`, run the workflow there and return its wall time in seconds."""
    if destination.exists() and any(destination.iterdir()):
        raise FileExistsError(f"{destination} is not empty; pass a new directory to --run-demo")
    copy_checkout(destination)
    command = [str(BIN / "snakemake"), "--cores", str(cores), *snakemake_args]
    start = time.perf_counter()
    with open(destination / "snakemake.out", "w", encoding="utf-8") as log:
        result = subprocess.run(command, cwd=destination, env=job_env(destination), stdout=log, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        print(f"warning: snakemake exited with status {result.returncode}; see {destination / 'snakemake.out'}",
              file=sys.stderr)
    return elapsed


def format_table(summary: dict[str, dict]) -> str:
    header = f"{'rule':<16} {'jobs':>5} {'total s':>9} {'mean s':>8} {'start-up s':>10} {'load s':>7} {'overhead s':>10} {'share':>6}"
    lines = [header, "-" * len(header)]
    totals = {"jobs": 0, "total_s": 0.0, "overhead_s": 0.0}
    for rule, entry in summary.items():
        lines.append(
            f"{rule:<16} {entry['jobs']:>5} {entry['total_s']:>9.1f} {entry['mean_s']:>8.2f} "
            f"{entry['startup_s']:>10.2f} {entry['load_s']:>7.2f} {entry['overhead_s']:>10.1f} {entry['share']:>6.1%}"
        )
        for key in totals:
            totals[key] += entry[key]
    share = totals["overhead_s"] / totals["total_s"] if totals["total_s"] else 0.0
    over = [rule for rule, entry in summary.items() if entry["share"] > 1]
    lines.append(f"{'total':<16} {totals['jobs']:>5} {totals['total_s']:>9.1f} {'':>8} {'':>10} {'':>7} "
                 f"{totals['overhead_s']:>10.1f} {share:>6.1%}")
    if over:
        lines.append(f"estimate above the job time for {', '.join(over)}: these jobs skip imports or the model "
                     "load that the estimate counts (see MODEL_LOADS)")
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run-dir", type=Path, help="directory where the workflow ran (has .snakemake/ and results/)")
    source.add_argument("--run-demo", type=Path, help="copy the checkout to this new directory and run the workflow there first")
    parser.add_argument("--cores", type=int, default=2, help="--cores of the demo run (default 2, as `make demo`)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each start-up and load measurement; the best is used (default 3)")
    parser.add_argument("--json", type=Path, help="write the measurements to this JSON file")
    parser.add_argument("snakemake_args", nargs="*", metavar="ARG",
                        help="extra arguments of the demo run after --, e.g. targets or --config (default: none)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    demo_wall = None
    if args.run_demo:
        run_dir = args.run_demo.resolve()
        demo_wall = run_demo(run_dir, args.cores, args.snakemake_args)
    else:
        run_dir = args.run_dir.resolve()

    jobs = [job for job in load_jobs(run_dir) if job.rule != TARGET_RULE]
    # Snakemake 9.27 also writes records for a failed job, whose outputs it then deletes.
    missing_outputs = [job for job in jobs if not any((run_dir / output).exists() for output in job.outputs)]
    jobs = [job for job in jobs if job not in missing_outputs]
    if not jobs:
        raise SystemExit(f"{run_dir}: no finished jobs in .snakemake/metadata")
    summary = summarize_jobs(jobs)
    env = job_env(run_dir)

    scripts = rule_scripts(run_dir / "workflow")
    startup = {rule: time_python(startup_code(rule, scripts), args.repeats, env) for rule in summary}
    interpreter = time_python("pass", args.repeats, env)
    load = {}
    for rule, model in MODEL_LOADS.items():
        if rule in summary and model and (run_dir / model / "config.json").is_file():
            load[rule] = time_model_load(run_dir / model, args.repeats, env)
    estimate_overhead(summary, startup, load)
    recorded = recorded_timings(run_dir, jobs)

    span = max(job.end for job in jobs) - min(job.start for job in jobs)
    job_seconds = sum(job.seconds for job in jobs)
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, load {load_avg:.2f} now")
    print(f"run directory: {run_dir}")
    if missing_outputs:
        print(f"left out {len(missing_outputs)} jobs whose outputs are missing (failed or deleted): "
              f"{', '.join(sorted({job.rule for job in missing_outputs}))}")
    if demo_wall is not None:
        print(f"demo wall time (snakemake --cores {args.cores}): {demo_wall:.1f} s")
    print(f"first job start to last job end: {span:.1f} s; {len(jobs)} jobs, {job_seconds:.1f} job-seconds "
          f"(mean parallelism {job_seconds / span:.2f})")
    print(f"python -c pass: {interpreter:.2f} s; start-up = preamble + script imports"
          f" (+ {', '.join(MODEL_LIBRARIES)} for model rules), best of {args.repeats}")
    print()
    print(format_table(summary))
    if recorded:
        print("\nmeasured by the jobs themselves (manifest wall_seconds, predict_stats.json):")
        for rule, entry in recorded.items():
            print(f"  {rule:<10} {entry['jobs']:>4} jobs: {entry['job_s']:8.1f} job s, {entry['work_s']:8.1f} s in the "
                  f"recorded call, {entry['outside_work_s']:7.1f} s outside it "
                  f"({entry['outside_work_s'] / entry['job_s']:.1%})"
                  + (f", model loads {entry['load_s']:.1f} s" if entry["load_s"] else ""))

    if args.json:
        args.json.write_text(json.dumps({
            "run_dir": str(run_dir), "demo_wall_s": demo_wall, "span_s": span, "job_seconds": job_seconds,
            "interpreter_s": interpreter, "rules": summary, "recorded": recorded,
        }, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
