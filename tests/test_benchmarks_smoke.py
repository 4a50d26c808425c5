"""Pure helpers of the workflow benchmarks (benchmarks/dryrun_scaling.py, benchmarks/job_overhead.py).

Nothing here is timed; one test runs a 12-task dry run in a sandbox.
"""

from __future__ import annotations

import base64
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def load_benchmark(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


dryrun = load_benchmark("dryrun_scaling")
overhead = load_benchmark("job_overhead")


@pytest.mark.parametrize(("tasks", "runs"), [(1, 2), (3, 7), (10, 56), (20, 211), (30, 466)])
def test_planned_runs_formula(tasks, runs):
    assert dryrun.planned_runs(tasks) == runs


def test_synthetic_ids_numbered_after_real():
    assert dryrun.synthetic_task_ids(10, 13) == ["synthetic_11", "synthetic_12", "synthetic_13"]
    assert dryrun.synthetic_task_ids(10, 10) == []
    with pytest.raises(ValueError, match="below"):
        dryrun.synthetic_task_ids(10, 9)


def test_extend_catalog_clones_in_turn():
    catalog = {
        "a": {"name_zh": "甲", "type": "basic", "metric": "f1", "max_new_tokens": 8, "instructions": ["做甲"]},
        "b": {"name_zh": "乙", "type": "generation", "metric": "bleu4", "max_new_tokens": 16, "instructions": ["做乙"]},
    }
    extended = dryrun.extend_catalog(catalog, ["synthetic_3", "synthetic_4", "synthetic_5"])
    assert list(extended) == ["a", "b", "synthetic_3", "synthetic_4", "synthetic_5"]
    assert extended["synthetic_3"]["type"] == "basic"
    assert extended["synthetic_4"]["type"] == "generation"
    assert extended["synthetic_5"]["type"] == "basic"
    assert extended["synthetic_4"]["name_zh"] == "合成任务4（乙）"
    assert catalog["a"]["instructions"] == ["做甲"]
    assert "synthetic_3" not in catalog


def test_extend_schema_sets_both_enums():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8"))
    ids = ["punctuation", "synthetic_11"]
    extended = dryrun.extend_schema(schema, ids)
    assert extended["properties"]["tasks"]["items"]["enum"] == ids
    assert extended["properties"]["task_sources"]["propertyNames"]["enum"] == ids
    assert "synthetic_11" not in schema["properties"]["tasks"]["items"]["enum"]


def test_extend_schema_missing_key_raises():
    with pytest.raises(ValueError, match="task_sources"):
        dryrun.extend_schema({"properties": {"tasks": {"items": {"enum": []}}}}, ["a"])


def test_extend_config_adds_alpaca_sources():
    config = {"tasks": ["a"], "task_sources": {"a": [{"format": "evahan", "paths": ["x"]}]}}
    extended = dryrun.extend_config(config, ["synthetic_2"])
    assert extended["tasks"] == ["a", "synthetic_2"]
    assert extended["task_sources"]["synthetic_2"] == [{"format": "alpaca", "paths": ["synthetic/synthetic_2.jsonl"]}]
    assert config["tasks"] == ["a"]


def test_synthetic_alpaca_lines_distinct():
    lines = dryrun.synthetic_alpaca_lines("synthetic_11", 5)
    assert len(lines) == 5
    assert len(set(lines)) == 5
    assert '"instruction": ""' in lines[0]


def test_parse_job_stats_table():
    output = "\n".join([
        "Building DAG of jobs...",
        "Job stats:",
        "job          count",
        "---------  -------",
        "finetune         56",
        "predict          56",
        "all               1",
        "total           113",
        "",
        "Reasons:",
    ])
    assert dryrun.parse_job_stats(output) == {"finetune": 56, "predict": 56, "all": 1, "total": 113}


def test_parse_job_stats_missing_table():
    with pytest.raises(ValueError, match="Job stats"):
        dryrun.parse_job_stats("Nothing to be done.")


def test_compact_constraint_patch():
    text = (ROOT / "Snakefile").read_text(encoding="utf-8")
    patched = dryrun.compact_run_constraint(text)
    assert dryrun.RUN_CONSTRAINT not in patched
    assert dryrun.COMPACT_RUN_CONSTRAINT in patched
    assert patched.startswith("from wenyan_mtl.plan import ALL_TASKS_RUN\n")
    with pytest.raises(ValueError, match="expected one line"):
        dryrun.compact_run_constraint("no constraint here")


def test_sandbox_dry_run_twelve_tasks(tmp_path):
    """A 12-task sandbox must plan 79 finetune jobs and leave the checkout's catalogue untouched."""
    catalog_before = (ROOT / dryrun.CATALOG).read_bytes()
    sandbox = dryrun.build_sandbox(tmp_path / "sandbox", 12)
    assert (sandbox / "resources/demo/synthetic/synthetic_12.jsonl").is_file()
    result = subprocess.run(
        dryrun.dry_run_command() + ["--quiet", "rules"], cwd=sandbox, env=dryrun.sandbox_env(sandbox),
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    counts = dryrun.parse_job_stats(result.stdout + result.stderr)
    assert counts["finetune"] == dryrun.planned_runs(12)
    assert counts["build_task"] == 12
    assert (ROOT / dryrun.CATALOG).read_bytes() == catalog_before


def encode_metadata_name(path: str) -> str:
    return base64.urlsafe_b64encode(path.encode()).decode()


def test_decode_metadata_name_plain_and_split():
    path = "results/runs/punctuation+pos/seed42/manifest.json"
    encoded = encode_metadata_name(path)
    assert overhead.decode_metadata_name(encoded) == path
    split = f"@{encoded[:10]}/@{encoded[10:20]}/{encoded[20:]}"
    assert overhead.decode_metadata_name(split) == path


def test_group_records_spans_outputs():
    records = [
        ("a/train.jsonl", {"rule": "split_task", "job_hash": 1, "starttime": 10.0, "endtime": 12.0}),
        ("a/test.jsonl", {"rule": "split_task", "job_hash": 1, "starttime": 10.0, "endtime": 13.5}),
        ("b/train.jsonl", {"rule": "split_task", "job_hash": 2, "starttime": 11.0, "endtime": 12.0}),
        ("c/out", {"rule": "finetune", "job_hash": 3, "starttime": 20.0, "endtime": None}),
        ("d/out", {"rule": "finetune", "job_hash": 4, "starttime": 20.0, "endtime": 25.0, "incomplete": True}),
    ]
    jobs = overhead.group_records(records)
    assert [job.rule for job in jobs] == ["split_task", "split_task"]
    assert jobs[0].seconds == pytest.approx(3.5)
    assert sorted(jobs[0].outputs) == ["a/test.jsonl", "a/train.jsonl"]
    assert jobs[1].seconds == pytest.approx(1.0)


def test_summarize_and_estimate_overhead():
    jobs = [
        overhead.Job("finetune", 0.0, 10.0),
        overhead.Job("finetune", 5.0, 25.0),
        overhead.Job("score", 30.0, 34.0),
    ]
    summary = overhead.summarize_jobs(jobs)
    assert summary["finetune"]["jobs"] == 2
    assert summary["finetune"]["total_s"] == pytest.approx(30.0)
    assert summary["finetune"]["mean_s"] == pytest.approx(15.0)
    overhead.estimate_overhead(summary, {"finetune": 2.0, "score": 1.0}, {"finetune": 0.5})
    assert summary["finetune"]["overhead_s"] == pytest.approx(5.0)
    assert summary["finetune"]["share"] == pytest.approx(5.0 / 30.0)
    assert summary["score"]["overhead_s"] == pytest.approx(1.0)
    assert summary["score"]["share"] == pytest.approx(0.25)


def test_script_imports_top_level_only(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        "import json, os\nfrom pathlib import Path\nfrom . import sibling\n"
        "def f():\n    import torch\n",
        encoding="utf-8",
    )
    assert overhead.script_imports(script) == ["import json", "import os", "import pathlib"]


def test_rule_scripts_of_repository():
    scripts = overhead.rule_scripts(ROOT / "workflow")
    assert scripts["finetune"] == (ROOT / "workflow/scripts/finetune.py").resolve()
    assert scripts["build_task"].name == "build_task.py"
    assert "all" not in scripts


def test_startup_code_adds_model_libraries():
    scripts = overhead.rule_scripts(ROOT / "workflow")
    code = overhead.startup_code("finetune", scripts)
    assert code.startswith(overhead.PREAMBLE)
    assert "import torch" in code
    assert "import torch" not in overhead.startup_code("split_task", scripts)
    compile(code, "<startup>", "exec")


def test_recorded_timings_reads_manifests(tmp_path):
    run = tmp_path / "results/runs/pos/seed42"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text('{"wall_seconds": 8.0}', encoding="utf-8")
    (run / "predict_stats.json").write_text('{"wall_seconds": 3.0, "load_seconds": 0.5}', encoding="utf-8")
    jobs = [
        overhead.Job("finetune", 0.0, 10.0, ["results/runs/pos/seed42/manifest.json"]),
        overhead.Job("predict", 10.0, 15.0, ["results/runs/pos/seed42/predict_stats.json"]),
        overhead.Job("finetune", 0.0, 4.0, ["results/runs/ner/seed42/manifest.json"]),
    ]
    timings = overhead.recorded_timings(tmp_path, jobs)
    assert timings["finetune"]["jobs"] == 1
    assert timings["finetune"]["outside_work_s"] == pytest.approx(2.0)
    assert timings["predict"]["load_s"] == pytest.approx(0.5)
    assert timings["predict"]["outside_work_s"] == pytest.approx(2.0)


def test_job_overhead_requires_metadata(tmp_path):
    with pytest.raises(FileNotFoundError, match="no Snakemake metadata"):
        overhead.load_jobs(tmp_path)

