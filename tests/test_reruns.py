"""Precise reruns: after a finished run, Snakemake plans exactly the jobs that a change affects.

The reduced demo (3 tasks, 7 runs) runs once for the module; each test edits a
clone of it and compares the dry-run plan, rule by rule and wildcard by
wildcard. The rules come from the workflow profile profiles/default (no `code`
trigger, checksums for files up to 10 GB).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from workflow_copy import (
    built_demo,
    clone,
    copy_repo,
    dry_run,
    reduced_config_args,
    run_jobs,
    run_snakemake,
)

pytestmark = pytest.mark.slow

CONFIG = reduced_config_args()
RUNS_WITH_POS = {"pos", "punctuation+pos", "pos+ner", "all"}
ALL_RUNS = {"punctuation", "pos", "ner", "punctuation+pos", "punctuation+ner", "pos+ner", "all"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return built_demo(tmp_path_factory.getbasetemp())


@pytest.fixture
def workdir(demo, tmp_path) -> Path:
    return clone(demo, tmp_path / "workflow")


def touch_later(path: Path) -> None:
    """Set the modification time clearly after every output, without changing the content."""
    later = time.time() + 5
    os.utime(path, (later, later))


def test_finished_demo_plans_nothing(workdir):
    assert dry_run(workdir, *CONFIG) == {}


def test_touched_sources_rerun_nothing(workdir):
    for path in (workdir / "resources/demo").rglob("*"):
        if path.is_file():
            touch_later(path)

    assert dry_run(workdir, *CONFIG) == {}


def test_changed_task_source_reruns_task(workdir):
    source = workdir / "resources/demo/t02_pos/zuozhuan_demo.txt"
    with open(source, "a", encoding="utf-8") as handle:
        handle.write("春/t 正月/t ，/w 王叔/nr 帥/v 師/n 伐/v 楚/ns 。/w\n")
    touch_later(source)

    planned = dry_run(workdir, *CONFIG)

    assert planned == {
        "build_task": {"task=pos"},
        "split_task": {"task=pos"},
        "data_report": {""},
        "finetune": run_jobs(RUNS_WITH_POS),
        "predict": run_jobs(RUNS_WITH_POS),
        "score": run_jobs(RUNS_WITH_POS),
        "baselines": {"task=pos"},
        "analyze": {""},
    }


def test_changed_hyperparameter_reruns_runs(workdir):
    config_path = workdir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["finetune"]["learning_rate"] = config["finetune"]["learning_rate"] / 2
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")

    planned = dry_run(workdir, *CONFIG)

    assert planned == {
        "finetune": run_jobs(ALL_RUNS),
        "predict": run_jobs(ALL_RUNS),
        "score": run_jobs(ALL_RUNS),
        "analyze": {""},
    }


def test_cosmetic_script_edit_reruns_nothing(workdir):
    for name in ("finetune.py", "split_task.py", "predict.py"):
        script = workdir / "workflow/scripts" / name
        with open(script, "a", encoding="utf-8") as handle:
            handle.write("# A cosmetic edit: no change in behaviour.\n")
        touch_later(script)

    assert dry_run(workdir, *CONFIG) == {}
    # Snakemake's default triggers include `code`: the same edit would rerun every run.
    with_code = dry_run(workdir, *CONFIG, "--rerun-triggers", "mtime", "params", "input", "software-env", "code")
    assert with_code["finetune"] == run_jobs(ALL_RUNS)


def big_punctuation_source(path: Path, min_bytes: int) -> None:
    """Write distinct punctuated sentences until the file exceeds `min_bytes`."""
    people = ["王叔", "周让", "赵伯", "韩修", "郑良", "陈季", "许安", "孙武"]
    places = ["燕", "楚", "卫", "宋", "齐", "鲁", "郑", "晋"]
    path.parent.mkdir(parents=True, exist_ok=True)
    size, index = 0, 0
    with open(path, "w", encoding="utf-8") as handle:
        while size < min_bytes:
            line = f"{people[index % 8]}游于{places[(index // 8) % 8]}，居{index}日，乡人从之。\n"
            handle.write(line)
            size += len(line.encode("utf-8"))
            index += 1


def test_touched_large_source_uses_checksum(tmp_path):
    """A touched 1.5 MB source reruns nothing with the profile, but does with Snakemake's 1 MB default."""
    workdir = copy_repo(tmp_path / "workflow")
    big = workdir / "resources/demo/t01_punctuation/big/source.txt"
    big_punctuation_source(big, 1_500_000)
    data_stage = ["results/data/table3.csv"]
    run_snakemake(workdir, "--cores", "2", *CONFIG, "--", *data_stage)

    touch_later(big)

    assert dry_run(workdir, *CONFIG, "--", *data_stage) == {}
    with_default = dry_run(workdir, *CONFIG, "--max-checksum-file-size", "1MB", "--", *data_stage)
    assert with_default == {
        "build_task": {"task=punctuation"},
        "split_task": {"task=punctuation"},
        "data_report": {""},
    }


def test_reordered_config_keys_rerun_nothing(workdir):
    config_path = workdir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=True), encoding="utf-8")

    assert dry_run(workdir, *CONFIG) == {}
