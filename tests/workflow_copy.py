"""Run Snakemake on a scratch copy of the repository, and read its dry-run plans.

Tests that execute the workflow work on a copy, so that they never touch the
checkout's results/ and .snakemake/ and can edit sources and scripts freely.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# The reduced plan of the end-to-end tests: 3 single, 3 pair and 1 all-task run.
REDUCED_TASKS = ("punctuation", "pos", "ner")


def copy_repo(destination: Path) -> Path:
    """Copy the tracked and untracked-but-not-ignored files of the checkout to `destination`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source = REPO / relative
        if not source.is_file():
            continue  # listed by git but deleted in the working tree
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return destination


def snakemake_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def run_snakemake(workdir: Path, *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run `snakemake ARGS` in `workdir`; on a failure with `check`, raise with the output tail."""
    command = [str(BIN / "snakemake"), *args]
    result = subprocess.run(
        command, cwd=workdir, env=snakemake_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed with status {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result


def reduced_config_args(tasks=REDUCED_TASKS, **overrides: str) -> list[str]:
    """Return `--config` arguments for the reduced demo plan, with extra KEY=VALUE overrides."""
    items = [f"tasks=[{','.join(tasks)}]"] + [f"{key}={value}" for key, value in overrides.items()]
    return ["--config", *items]


_JOB_HEADER = re.compile(r"^(?:local)?rule (\w+):$")
_WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")


def planned_jobs(dry_run_output: str) -> dict[str, set[str]]:
    """Parse the job blocks of `snakemake -n` output into {rule: {wildcards}}.

    Wildcards are rendered as "name=value, ..." in Snakemake's order, and as ""
    for a rule without wildcards. The target rule `all` is left out.
    """
    jobs: dict[str, set[str]] = defaultdict(set)
    current = None
    for line in dry_run_output.splitlines():
        header = _JOB_HEADER.match(line.strip()) if not line.startswith(" ") else None
        if header:
            if current is not None:
                jobs[current[0]].add(current[1])
            current = [header.group(1), ""]
            continue
        wildcards = _WILDCARDS.match(line)
        if wildcards and current is not None:
            current[1] = wildcards.group(1).strip()
    if current is not None:
        jobs[current[0]].add(current[1])
    jobs.pop("all", None)
    return dict(jobs)


def dry_run(workdir: Path, *args: str) -> dict[str, set[str]]:
    """Return the jobs a dry run would execute, as {rule: {wildcards}}."""
    result = run_snakemake(workdir, "-n", "--cores", "1", *args)
    return planned_jobs(result.stdout + result.stderr)


_BUILT: dict[str, Path] = {}


def built_demo(root: Path) -> Path:
    """Run the reduced demo end to end once per test session, under `root`, and return its directory.

    Tests must not change this directory: they take a `clone()` of it.
    """
    if "demo" not in _BUILT:
        workdir = copy_repo(root / "built-demo")
        run_snakemake(workdir, "--cores", "2", *reduced_config_args(), timeout=1500)
        _BUILT["demo"] = workdir
    return _BUILT["demo"]


def clone(source: Path, destination: Path) -> Path:
    """Copy a workflow directory with its results/ and .snakemake/ metadata, keeping modification times."""
    shutil.copytree(source, destination, symlinks=True)
    return destination


def run_jobs(task_runs: set[str], seed: str = "42") -> set[str]:
    return {f"run={run}, seed={seed}" for run in task_runs}
