"""The workflow lints clean and its dry run lists the planned jobs."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def job_counts(output: str) -> dict[str, int]:
    """Parse the `Job stats` table of a Snakemake dry run into {rule: count}."""
    counts = {}
    table = output.split("Job stats:", 1)[1]
    for line in table.splitlines()[3:]:
        match = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not match:
            break
        counts[match.group(1)] = int(match.group(2))
    return counts


def dry_run(workdir: Path, *args: str, overlay: Path | None = None) -> dict[str, int]:
    """Dry-run the demo config from an empty working directory, so that every job is planned."""
    configfiles = [str(ROOT / "config" / "config.yaml")] + ([str(overlay)] if overlay else [])
    result = subprocess.run(
        [SNAKEMAKE, "-n", "--quiet", "rules", "--directory", str(workdir),
         "--snakefile", str(ROOT / "Snakefile"), "--configfile", *configfiles,
         "--config", f"data_root={ROOT / 'resources' / 'demo'}", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return job_counts(result.stdout)


def test_lint_is_clean():
    result = subprocess.run([SNAKEMAKE, "--lint"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Lints for" not in result.stdout + result.stderr


def test_default_plan_has_56_runs_and_110_evaluations(tmp_path):
    counts = dry_run(tmp_path)
    assert counts["finetune"] == 56
    assert counts["predict"] == 56
    assert counts["score"] == 56
    assert counts["build_task"] == 10
    assert counts["baselines"] == 10
    assert counts["cpt"] == 1


def test_three_task_plan_has_7_runs(tmp_path):
    counts = dry_run(tmp_path, "tasks=[punctuation,pos,ner]")
    assert counts["finetune"] == 7
    assert counts["build_task"] == 3


def test_two_seeds_double_the_runs(tmp_path):
    overlay = tmp_path / "seeds.yaml"
    overlay.write_text("finetune:\n  seeds: [1, 2]\n", encoding="utf-8")
    counts = dry_run(tmp_path, "tasks=[punctuation,pos,ner]", overlay=overlay)
    assert counts["finetune"] == 14
