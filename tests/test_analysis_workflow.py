"""The `analyze` workflow script on a synthetic results tree of 3 tasks and 7 runs."""

import json
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from wenyan_mtl.analysis.bootstrap import benjamini_hochberg
from wenyan_mtl.analysis.item_stats import fallback_aggregate
from wenyan_mtl.plan import plan_runs

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "workflow" / "scripts" / "analyze.py"
RULE = REPO / "workflow" / "rules" / "analysis.smk"
TASKS = ["punctuation", "translation", "poetry_generation"]
OUTPUT_FILES = {
    "gain": "gain_matrix.csv", "scores": "score_matrix.csv", "stability": "stability.csv",
    "ten_task": "ten_task.csv", "synergy": "type_synergy.csv", "summary": "summary.json",
    "significance": "significance.csv", "seeds": "seed_stability.csv", "provenance": "provenance.csv",
    "heatmap": "heatmap.png", "heatmap_pdf": "heatmap.pdf", "markdown": "report.md",
}
METRICS = {"punctuation": "punctuation_f1", "translation": "bleu4", "poetry_generation": "poetry_judge"}


def rule_output_names():
    text = RULE.read_text(encoding="utf-8")
    block = text.split("output:", 1)[1].split("params:", 1)[0]
    return re.findall(r"^\s{8}(\w+)=", block, flags=re.MULTILINE)


def item_stats(task, quality, rng, n=40):
    items = []
    for _ in range(n):
        if task == "translation":
            total = [int(x) for x in rng.integers(6, 20, 4)]
            correct = [int(rng.binomial(t, quality)) for t in total]
            items.append({"correct": correct, "total": total, "sys_len": total[0], "ref_len": total[0] + 1})
        elif task == "punctuation":
            gold = int(rng.integers(2, 8))
            tp = int(rng.binomial(gold, quality))
            items.append({"tp": tp, "fp": gold - tp, "fn": gold - tp})
        else:
            items.append({"score": float(100 * rng.beta(10 * quality, 10 * (1 - quality)))})
    return items


def build_tree(root: Path, seeds, manifest=True, zero_single=None):
    """Write scores.json, item_scores.jsonl (and manifest.json) for every run and seed, plus baselines.

    The single-task run of `zero_single` (an F1 task) finds nothing, so its score is 0.
    """
    rng = np.random.default_rng(11)
    score_paths, item_paths = [], []
    for run in plan_runs(TASKS):
        for seed in seeds:
            folder = root / "results" / "runs" / run.id / f"seed{seed}"
            folder.mkdir(parents=True)
            tasks_doc, lines = {}, []
            for task in run.tasks:
                quality = 0.55 + 0.1 * TASKS.index(task) + (0.08 if run.kind == "pair" and task == "punctuation" else 0.0)
                if run.kind == "single" and task == zero_single:
                    quality = 0.0
                stats = item_stats(task, quality, rng)
                ids = [f"{task}/{index:03d}" for index in range(len(stats))]
                lines += [
                    json.dumps({"task": task, "id": item_id, "metric": METRICS[task], "stats": item})
                    for item_id, item in zip(ids, stats)
                ]
                tasks_doc[task] = {
                    "metric": METRICS[task], "score": fallback_aggregate(METRICS[task], stats), "details": {},
                    "n_items": len(stats), "malformed": 0, "empty_predictions": 0,
                    "signature": f"{METRICS[task]}|synthetic",
                }
            (folder / "scores.json").write_text(
                json.dumps({"run": run.id, "seed": seed, "tasks": tasks_doc}), encoding="utf-8"
            )
            (folder / "item_scores.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
            if manifest:
                (folder / "manifest.json").write_text(
                    json.dumps({"model": {"sha256": "ab" * 32}, "data": {task: "cd" * 8 for task in run.tasks}}),
                    encoding="utf-8",
                )
            score_paths.append(str(folder / "scores.json"))
            item_paths.append(str(folder / "item_scores.jsonl"))
    baseline_paths = []
    for task in TASKS:
        path = root / "results" / "baselines" / f"{task}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"copy_input": {"metric": METRICS[task], "score": 12.5}}), encoding="utf-8")
        baseline_paths.append(str(path))
    return score_paths, item_paths, baseline_paths


def run_script(root: Path, seeds, zero_single=None):
    score_paths, item_paths, baseline_paths = build_tree(root, seeds, zero_single=zero_single)
    names = rule_output_names()
    assert sorted(names) == sorted(OUTPUT_FILES), "the rule's outputs and this test's list differ"
    output = {name: str(root / "results" / "analysis" / OUTPUT_FILES[name]) for name in names}
    log = root / "results" / "logs" / "analyze.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    snakemake = SimpleNamespace(
        input=SimpleNamespace(scores=score_paths, item_scores=item_paths, baselines=baseline_paths,
                              manifests=[str(Path(p).with_name("manifest.json")) for p in score_paths]),
        output=SimpleNamespace(**output),
        params=SimpleNamespace(tasks=TASKS, seeds=[str(seed) for seed in seeds],
                               analysis={"bootstrap_resamples": 200, "bootstrap_seed": 7, "fdr_alpha": 0.05}),
        log=[str(log)],
    )
    runpy.run_path(str(SCRIPT), init_globals={"snakemake": snakemake}, run_name="__main__")
    return output, log


def test_script_writes_every_output(tmp_path):
    output, log = run_script(tmp_path, seeds=[42])
    for name, path in output.items():
        assert Path(path).stat().st_size > 0, name
    assert len(list((tmp_path / "results" / "runs").iterdir())) == 7

    scores = pd.read_csv(output["scores"], index_col="task")
    assert list(scores.index) == TASKS
    pair = json.loads((tmp_path / "results/runs/punctuation+translation/seed42/scores.json").read_text())
    assert scores.at["punctuation", "translation"] == pytest.approx(pair["tasks"]["punctuation"]["score"])
    assert scores.at["translation", "punctuation"] == pytest.approx(pair["tasks"]["translation"]["score"])

    gains = pd.read_csv(output["gain"], index_col="task")
    single = scores.at["punctuation", "punctuation"]
    expected = (scores.at["punctuation", "translation"] - single) / single * 100
    assert gains.at["punctuation", "translation"] == pytest.approx(expected, rel=1e-8)

    significance = pd.read_csv(output["significance"])
    assert len(significance) == 6
    assert significance["resamples"].eq(200).all()
    assert (significance["ci_low"] <= significance["ci_high"]).all()
    assert significance["q_value"].between(0, 1).all()

    summary = json.loads(Path(output["summary"]).read_text())
    assert summary["total"] == 6
    assert summary["positive"] + summary["zero"] + summary["negative"] == 6
    assert summary["significance_tested"] is True

    provenance = pd.read_csv(output["provenance"])
    assert len(provenance) == 3 + 3 * 2 + 3
    assert provenance["manifest.model.sha256"].eq("ab" * 32).all()

    report = Path(output["markdown"]).read_text(encoding="utf-8")
    assert "句读" in report
    assert "诗歌生成" in report
    assert "copy_input" in report
    assert "punctuation_f1\\|synthetic" in report
    assert "No significance test was run" not in report
    assert "bootstrap" in log.read_text(encoding="utf-8")


def test_script_zero_single_score(tmp_path):
    """A single-task score of 0 makes its row of gains undefined, and the rule still writes every output."""
    output, log = run_script(tmp_path, seeds=[42], zero_single="punctuation")
    for name, path in output.items():
        assert Path(path).stat().st_size > 0, name
    scores = pd.read_csv(output["scores"], index_col="task")
    assert scores.at["punctuation", "punctuation"] == 0.0

    gain_lines = Path(output["gain"]).read_text(encoding="utf-8").splitlines()
    assert gain_lines[0] == "task,punctuation,translation,poetry_generation"
    assert gain_lines[1] == "punctuation,,,"
    gains = pd.read_csv(output["gain"], index_col="task")
    single = scores.at["translation", "translation"]
    expected = (scores.at["translation", "punctuation"] - single) / single * 100
    assert gains.at["translation", "punctuation"] == pytest.approx(expected, rel=1e-8)

    summary = json.loads(Path(output["summary"]).read_text())
    assert summary["undefined"] == 2
    assert summary["total"] == 6
    assert summary["positive"] + summary["zero"] + summary["negative"] == 4
    assert summary["undefined_tasks"] == ["punctuation"]

    stability = pd.read_csv(output["stability"], keep_default_na=False).set_index("task")
    duals = [scores.at["punctuation", "translation"], scores.at["punctuation", "poetry_generation"]]
    assert float(stability.at["punctuation", "single"]) == 0.0
    assert float(stability.at["punctuation", "max"]) == pytest.approx(max(duals))
    assert float(stability.at["punctuation", "std"]) == pytest.approx(np.sqrt(np.mean(np.square(duals))))

    significance = pd.read_csv(output["significance"], keep_default_na=False, na_values=[""])
    assert len(significance) == 6
    untested = significance[significance["main"] == "punctuation"]
    assert len(untested) == 2
    assert untested["p_value"].isna().all()
    assert untested["q_value"].isna().all()
    assert untested["resamples"].eq(0).all()
    assert (~untested["significant"]).all()
    assert untested["untested_reason"].str.startswith("single-task score is 0").all()
    tested = significance[significance["main"] != "punctuation"]
    assert tested["resamples"].eq(200).all()
    assert tested["untested_reason"].isna().all()
    assert tested["q_value"].to_numpy() == pytest.approx(benjamini_hochberg(tested["p_value"].to_numpy()))

    synergy = pd.read_csv(output["synergy"])
    assert synergy["undefined"].sum() == 2
    seeds = pd.read_csv(output["seeds"])
    punctuation = seeds[(seeds["main"] == "punctuation") & (seeds["auxiliary"] != "punctuation")]
    assert punctuation["undefined_seeds"].eq(1).all()
    assert punctuation["gain_mean"].isna().all()

    report = Path(output["markdown"]).read_text(encoding="utf-8")
    assert "> NOTE: The single-task score is 0 or missing for punctuation" in report
    assert "| 句读 | — | n/a | n/a |" in report
    assert "single-task score is 0 or missing, so the gain rate is undefined" in report
    log_text = log.read_text(encoding="utf-8")
    assert "WARNING wenyan_mtl.analysis: The single-task score is 0 or missing for punctuation" in log_text
    assert "bootstrap: task punctuation, 2 of 2 gains are undefined" in log_text


def test_script_with_two_seeds(tmp_path):
    output, _ = run_script(tmp_path, seeds=[1, 2])
    seeds = pd.read_csv(output["seeds"])
    assert len(seeds) == 3 * 4
    assert seeds["n_seeds"].eq(2).all()
    off = seeds[(seeds["main"] != seeds["auxiliary"])]
    assert off["sign_agreement"].isin([0.0, 0.5, 1.0]).all()
    scores = pd.read_csv(output["scores"], index_col="task")
    first = json.loads((tmp_path / "results/runs/translation/seed1/scores.json").read_text())
    second = json.loads((tmp_path / "results/runs/translation/seed2/scores.json").read_text())
    mean = (first["tasks"]["translation"]["score"] + second["tasks"]["translation"]["score"]) / 2
    assert scores.at["translation", "translation"] == pytest.approx(mean)
    row = seeds[(seeds["main"] == "translation") & (seeds["auxiliary"] == "translation")].iloc[0]
    assert row["score_sd"] == pytest.approx(
        np.std([first["tasks"]["translation"]["score"], second["tasks"]["translation"]["score"]], ddof=1)
    )
    assert "±" in Path(output["markdown"]).read_text(encoding="utf-8")


def test_script_rejects_missing_task_score(tmp_path):
    score_paths, _, _ = build_tree(tmp_path, seeds=[42], manifest=False)
    path = tmp_path / "results/runs/all/seed42/scores.json"
    document = json.loads(path.read_text())
    del document["tasks"]["translation"]
    path.write_text(json.dumps(document))
    from wenyan_mtl.analysis.results import collect_results
    from wenyan_mtl.records import InputError

    with pytest.raises(InputError, match=r"all/seed42/scores.json, field 'tasks.translation'"):
        collect_results(score_paths, [], TASKS, ["42"])


@pytest.mark.slow
def test_snakemake_rule_and_report(tmp_path):
    """Run the rule `analyze` with Snakemake on the synthetic tree, then build the HTML report."""
    import subprocess
    import sys

    build_tree(tmp_path, seeds=[42])
    config = tmp_path / "config.yaml"
    config.write_text(
        "tasks: [punctuation, translation, poetry_generation]\n"
        f"data_root: {REPO / 'resources' / 'demo'}\n"
        "analysis: {bootstrap_resamples: 200}\n",
        encoding="utf-8",
    )
    snakemake = Path(sys.executable).with_name("snakemake")
    common = [str(snakemake), "-s", str(REPO / "Snakefile"), "results/analysis/gain_matrix.csv"]
    configs = ["--configfile", str(REPO / "config" / "config.yaml"), str(config)]
    run = subprocess.run(common + ["-c1"] + configs, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    for name in rule_output_names():
        assert (tmp_path / "results" / "analysis" / OUTPUT_FILES[name]).stat().st_size > 0, name
    report = subprocess.run(
        common + ["--report", str(tmp_path / "report.zip")] + configs,
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert report.returncode == 0, report.stderr[-3000:]
    assert "ERROR" not in report.stderr
    assert (tmp_path / "report.zip").stat().st_size > 10_000


def test_seed_table_undefined_gains():
    """Seed 1 has a single-task score of 0 for punctuation, so its gains are undefined and left out."""
    import math

    from wenyan_mtl.analysis.results import Results, seed_table

    tasks = ["punctuation", "translation"]
    matrices = {
        "1": pd.DataFrame([[0.0, 5.0], [20.0, 20.0]], index=tasks, columns=tasks),
        "2": pd.DataFrame([[10.0, 12.0], [19.0, 20.0]], index=tasks, columns=tasks),
    }
    ten_task = {"1": pd.Series({"punctuation": 3.0, "translation": 21.0}), "2": pd.Series({"punctuation": 9.0, "translation": 22.0})}
    table = seed_table(Results(tasks, ["1", "2"], matrices, ten_task, pd.DataFrame())).set_index(["main", "auxiliary"])

    pair = table.loc[("punctuation", "translation")]
    assert pair["gain_mean"] == pytest.approx(20.0)
    assert pd.isna(pair["gain_sd"])
    assert [pair[name] for name in ("positive_seeds", "zero_seeds", "negative_seeds", "undefined_seeds")] == [1, 0, 0, 1]
    # The seed means give (8.5 − 5) / 5 = +70 %, which the one defined seed (+20 %) agrees with.
    assert pair["sign_agreement"] == 1.0

    ten = table.loc[("punctuation", "all")]
    assert ten["gain_mean"] == pytest.approx(-10.0)
    assert ten["sign_agreement"] == 0.0
    assert ten["undefined_seeds"] == 1

    defined = table.loc[("translation", "punctuation")]
    assert defined["gain_mean"] == pytest.approx(-2.5)
    assert defined["gain_sd"] == pytest.approx(math.sqrt(12.5))
    assert [defined[name] for name in ("positive_seeds", "zero_seeds", "negative_seeds", "undefined_seeds")] == [0, 1, 1, 0]
    assert defined["sign_agreement"] == 0.5

    assert pd.isna(table.loc[("punctuation", "punctuation"), "undefined_seeds"])


def test_seed_table_all_seeds_undefined():
    from wenyan_mtl.analysis.results import Results, seed_table

    tasks = ["punctuation", "translation"]
    matrices = {seed: pd.DataFrame([[0.0, 5.0], [20.0, 20.0]], index=tasks, columns=tasks) for seed in ("1", "2")}
    ten_task = {seed: pd.Series({"punctuation": 3.0, "translation": 21.0}) for seed in ("1", "2")}
    table = seed_table(Results(tasks, ["1", "2"], matrices, ten_task, pd.DataFrame())).set_index(["main", "auxiliary"])
    pair = table.loc[("punctuation", "translation")]
    assert pair["undefined_seeds"] == 2
    assert pair["positive_seeds"] + pair["zero_seeds"] + pair["negative_seeds"] == 0
    assert pd.isna(pair["gain_mean"])
    assert pd.isna(pair["sign_agreement"])


def test_baseline_nan_score_rejected(tmp_path):
    from wenyan_mtl.analysis.results import read_baselines
    from wenyan_mtl.records import InputError

    path = tmp_path / "ner.json"
    path.write_text('{"majority": {"metric": "ner_f1", "score": NaN}}', encoding="utf-8")
    with pytest.raises(InputError, match=r"field 'majority.score': expected a finite number, got nan"):
        read_baselines([path])
