"""`wenyan-mtl plan`: parsing Snakemake's dry run, the table layout, and the view of the finished demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from wenyan_mtl import cli, planview
from wenyan_mtl.plan import plan_runs
from workflow_copy import REDUCED_TASKS, built_demo, clone

DRY_RUN_SAMPLE = """\
Building DAG of jobs...
Job stats:
job         count
--------  -------
finetune        2
total           2

[Fri Dec  4 20:13:28 2026]
rule finetune:
    input: results/data/pos/train.jsonl, results/models/cpt
    output: results/runs/pos/seed42/adapter/adapter_model.safetensors
    jobid: 3
    reason: Missing output files: results/runs/pos/seed42/manifest.json
    wildcards: run=pos, seed=42
    resources: tmpdir=/tmp, gpu=1

[Fri Dec  4 20:13:28 2026]
localrule finetune:
    output: results/runs/all/seed7/manifest.json
    jobid: 4
    reason: Params have changed since last execution; Input files updated by another job: results/models/cpt
    wildcards: run=all, seed=7
    resources: tmpdir=/tmp

[Fri Dec  4 20:13:28 2026]
rule analyze:
    jobid: 0
    reason: Input files updated by another job: results/runs/all/seed7/scores.json
    resources: tmpdir=/tmp
This was a dry-run (flag -n). The order of jobs does not reflect the order of execution.
"""


def test_parse_dry_run_jobs():
    jobs = planview.parse_dry_run(DRY_RUN_SAMPLE)

    assert [job.rule for job in jobs] == ["finetune", "finetune", "analyze"]
    assert jobs[0].wildcards == {"run": "pos", "seed": "42"}
    assert jobs[0].reasons == ["missing output"]
    assert jobs[1].wildcards == {"run": "all", "seed": "7"}
    assert jobs[1].reasons == ["input changed", "params changed"]
    assert jobs[2].wildcards == {}
    assert jobs[2].reasons == ["input changed"]


def test_classify_unknown_reason_kept():
    assert planview.classify_reason(" Something new in Snakemake 10 ") == ["Something new in Snakemake 10"]


def test_run_status_per_seed():
    jobs = planview.parse_dry_run(DRY_RUN_SAMPLE)
    runs = {run.id: run for run in plan_runs(["punctuation", "pos", "ner"])}

    assert planview.run_status(runs["pos"], ["42"], jobs) == "to run: missing output (finetune)"
    assert planview.run_status(runs["pos"], ["7"], jobs) == "done"
    assert planview.run_status(runs["all"], ["7"], jobs) == "to run: input changed, params changed (finetune)"
    assert planview.run_status(runs["ner"], ["42"], jobs) == "done"


def test_render_table_aligns_cjk():
    text = planview.render_table(["run", "tasks", "n"], [["pos", "词性标注", "12"], ["all", "全部 3 项", "7"]])
    lines = text.splitlines()

    assert lines[0] == "run  tasks      n"
    assert lines[1] == "---  ---------  --"
    assert lines[2] == "pos  词性标注   12"
    assert lines[3] == "all  全部 3 项  7"


def test_config_items_merge_nested():
    items = planview.parse_config_items(["tasks=[pos,ner]", "finetune={learning_rate: 0.5}"])
    merged = planview.merge_config({"finetune": {"learning_rate": 1.0, "seeds": [1]}, "tasks": ["pos"]}, items)

    assert merged == {"finetune": {"learning_rate": 0.5, "seeds": [1]}, "tasks": ["pos", "ner"]}
    with pytest.raises(ValueError, match="not KEY=VALUE"):
        planview.parse_config_items(["tasks"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return built_demo(tmp_path_factory.getbasetemp())


def plan_table(workdir: Path, capsys) -> dict[str, list[str]]:
    """Run `wenyan-mtl plan` on the reduced demo and return {run id: row cells}."""
    code = cli.main(["plan", "--directory", str(workdir), "--config", f"tasks=[{','.join(REDUCED_TASKS)}]"])
    out = capsys.readouterr().out
    assert code == 0
    rows = {}
    for line in out.splitlines()[2:]:
        if not line.strip():
            break
        cells = [cell for cell in line.split("  ") if cell.strip()]
        rows[cells[0].strip()] = [cell.strip() for cell in cells]
    return rows, out


@pytest.mark.slow
def test_plan_on_finished_demo(demo, tmp_path, capsys):
    workdir = clone(demo, tmp_path / "workflow")

    rows, out = plan_table(workdir, capsys)

    assert list(rows) == ["punctuation", "pos", "ner", "punctuation+pos", "punctuation+ner", "pos+ner", "all"]
    train = {
        task: json.loads((workdir / f"results/data/{task}/split_stats.json").read_text())["counts"]["train"]
        for task in REDUCED_TASKS
    }
    assert rows["pos"][1] == "词性标注"
    assert rows["pos"][2] == f"{train['pos']:,}"
    assert rows["all"][2] == f"{sum(train.values()):,}"
    for run, cells in rows.items():
        assert cells[-1] == "done", f"{run}: {cells}"
        assert cells[4] != "?", f"{run}: no GPU-hour estimate although runs have finished"
    assert "measured in 7 finished run(s)" in out

    # The measured tokens per record of pos, times its train records, is the pos run's token estimate.
    manifest = json.loads((workdir / "results/runs/pos/seed42/manifest.json").read_text())
    expected = manifest["total_tokens"]["pos"] / manifest["records_selected"]["pos"] * train["pos"]
    assert rows["pos"][3] == f"{expected:,.0f}"


@pytest.mark.slow
def test_plan_shows_rerun_reasons(demo, tmp_path, capsys):
    workdir = clone(demo, tmp_path / "workflow")
    (workdir / "results/runs/ner/seed42/manifest.json").unlink()
    config_path = workdir / "config/config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["evaluation"]["batch_size"] = 3
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")

    rows, _ = plan_table(workdir, capsys)

    assert rows["ner"][-1] == "to run: missing output (finetune)"
    assert rows["pos"][-1] == "to run: params changed (predict)"
    assert rows["all"][-1] == "to run: params changed (predict)"
