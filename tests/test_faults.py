"""Fault recovery on the reduced demo: a killed fine-tuning job, and a failed CPT.

A fine-tuning job killed mid-run must leave no output that Snakemake could take
for finished (Snakemake deletes the outputs of a failed job), keep its
checkpoints (results/checkpoints/{run}/seed{seed}/, outside the job's outputs),
and resume from the last one when rerun.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from workflow_copy import BIN, built_demo, clone, dry_run, reduced_config_args, run_snakemake, snakemake_env

pytestmark = pytest.mark.slow

CONFIG = reduced_config_args()
RUN_DIR = Path("results/runs/pos/seed42")
CHECKPOINTS = Path("results/checkpoints/pos/seed42")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return built_demo(tmp_path_factory.getbasetemp())


def edit_config(workdir: Path, section: str, **values) -> None:
    path = workdir / "config/config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config[section].update(values)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def descendants(pid: int) -> list[int]:
    """Return the PIDs of all descendants of `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def job_process(snakemake_pid: int, script_name: str) -> int | None:
    """Return the PID of the Python process that runs `script_name` under Snakemake, if any."""
    for pid in descendants(snakemake_pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and b"python" in Path(argv[0].decode()).name.encode() and any(
            script_name.encode() in arg for arg in argv[1:]
        ):
            return pid
    return None


def complete_checkpoints(workdir: Path) -> list[Path]:
    return sorted(
        (path for path in (workdir / CHECKPOINTS).glob("checkpoint-*") if (path / "trainer_state.json").is_file()),
        key=lambda path: int(path.name.split("-")[1]),
    )


def test_killed_finetune_resumes(demo, tmp_path):
    workdir = clone(demo, tmp_path / "workflow")
    # More steps and a checkpoint every 2 steps, so that the kill lands mid-run after a checkpoint.
    edit_config(workdir, "finetune", num_train_epochs=8, save_steps=2)
    target = str(RUN_DIR / "manifest.json")

    process = subprocess.Popen(
        [str(BIN / "snakemake"), "--cores", "1", *CONFIG, "--", target],
        cwd=workdir, env=snakemake_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    partial = workdir / RUN_DIR / "adapter" / "adapter_model.safetensors"
    killed_pid = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        if complete_checkpoints(workdir):
            killed_pid = job_process(process.pid, "finetune.py")
            if killed_pid is not None:
                # A partial output, as a job killed while writing would leave it.
                partial.parent.mkdir(parents=True, exist_ok=True)
                partial.write_bytes(b"partial")
                subprocess.run(["kill", "-TERM", str(killed_pid)], check=True)
                break
        time.sleep(0.2)
    output, _ = process.communicate(timeout=300)

    assert killed_pid is not None, f"the fine-tuning job finished before a checkpoint was seen:\n{output[-3000:]}"
    assert process.returncode != 0, output[-3000:]
    assert "Error in rule finetune" in output
    assert not partial.exists(), "the failed job's partial output was left in place"
    assert not (workdir / RUN_DIR / "manifest.json").exists()
    saved = complete_checkpoints(workdir)
    assert saved, "the checkpoints were deleted with the failed job"
    last_step = int(saved[-1].name.split("-")[1])

    planned = dry_run(workdir, *CONFIG, "--", target)
    assert planned == {"finetune": {"run=pos, seed=42"}}

    run_snakemake(workdir, "--cores", "1", *CONFIG, "--", target)

    manifest = json.loads((workdir / RUN_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["resumed_from_step"] == last_step
    assert manifest["global_steps"] > last_step
    log_text = (workdir / "results/logs/finetune/pos/seed42.log").read_text(encoding="utf-8")
    assert f"checkpoint-{last_step}" in log_text
    assert not (workdir / CHECKPOINTS).exists(), "checkpoints of a finished run should be cleaned up"


def test_failed_cpt_stops_dependents(demo, tmp_path):
    workdir = clone(demo, tmp_path / "workflow")
    edit_config(workdir, "cpt", lora={"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["no_such_module"]})

    result = run_snakemake(workdir, "--cores", "2", *CONFIG, check=False)
    output = result.stdout + result.stderr

    assert result.returncode != 0
    assert "Error in rule cpt" in output
    assert "results/logs/cpt.log" in output
    assert "no_such_module" in output
    assert (workdir / "results/logs/cpt.log").is_file()
    for rule in ("finetune", "predict", "score", "baselines", "analyze"):
        assert f"rule {rule}:" not in output, f"{rule} ran although CPT failed"
    assert not (workdir / "results/models/cpt").exists()
