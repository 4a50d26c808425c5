"""Gain, stability, ten-task and synergy tables on a 3-task matrix computed by hand, and matrix CSV input."""

import math

import pandas as pd
import pytest

from wenyan_mtl.analysis.matrices import (
    gain_matrix,
    read_score_matrix,
    read_task_scores,
    undefined_gain_tasks,
    write_matrix_csv,
)
from wenyan_mtl.analysis.names import resolve_task
from wenyan_mtl.analysis.stability import stability_table, ten_task_table
from wenyan_mtl.analysis.synergy import gain_sign, gain_summary, type_synergy_table
from wenyan_mtl.records import InputError

TASKS = ["punctuation", "translation", "poetry_generation"]


@pytest.fixture
def scores():
    return pd.DataFrame(
        [[80.0, 84.0, 76.0], [50.0, 50.0, 51.0], [41.0, 38.0, 40.0]], index=TASKS, columns=TASKS
    )


def test_gain_rates_by_hand(scores):
    gains = gain_matrix(scores)
    assert gains.at["punctuation", "translation"] == pytest.approx(5.0)
    assert gains.at["punctuation", "poetry_generation"] == pytest.approx(-5.0)
    assert gains.at["translation", "punctuation"] == 0.0
    assert gains.at["translation", "poetry_generation"] == pytest.approx(2.0)
    assert gains.at["poetry_generation", "punctuation"] == pytest.approx(2.5)
    assert gains.at["poetry_generation", "translation"] == pytest.approx(-5.0)
    for task in TASKS:
        assert math.isnan(gains.at[task, task])


@pytest.fixture
def zero_single():
    """The 3-task matrix with a single-task score of 0 for punctuation."""
    return pd.DataFrame(
        [[0.0, 4.0, 0.0], [50.0, 50.0, 51.0], [41.0, 38.0, 40.0]], index=TASKS, columns=TASKS
    )


def test_zero_single_gains_undefined(zero_single):
    gains = gain_matrix(zero_single)
    assert undefined_gain_tasks(zero_single) == ["punctuation"]
    assert math.isnan(gains.at["punctuation", "translation"])
    assert math.isnan(gains.at["punctuation", "poetry_generation"])
    assert gains.at["translation", "punctuation"] == 0.0
    assert gains.at["translation", "poetry_generation"] == pytest.approx(2.0)
    assert gains.at["poetry_generation", "punctuation"] == pytest.approx(2.5)
    assert gains.at["poetry_generation", "translation"] == pytest.approx(-5.0)


def test_zero_single_gain_csv(zero_single, tmp_path):
    write_matrix_csv(gain_matrix(zero_single), tmp_path / "gain.csv")
    assert (tmp_path / "gain.csv").read_text(encoding="utf-8") == (
        "task,punctuation,translation,poetry_generation\n"
        "punctuation,,,\n"
        "translation,0,,2\n"
        "poetry_generation,2.5,-5,\n"
    )


def test_missing_single_gains_undefined(scores):
    scores.at["translation", "translation"] = math.nan
    gains = gain_matrix(scores)
    assert undefined_gain_tasks(scores) == ["translation"]
    assert gains.loc["translation"].isna().all()
    assert gains.at["punctuation", "translation"] == pytest.approx(5.0)


def test_zero_single_counts(zero_single):
    summary = gain_summary(gain_matrix(zero_single))
    counts = (summary["positive"], summary["zero"], summary["negative"], summary["undefined"], summary["total"])
    assert counts == (2, 1, 1, 2, 6)
    assert gain_sign(math.nan) is None


def test_zero_single_type_synergy(zero_single):
    table = type_synergy_table(gain_matrix(zero_single)).set_index(["main_type", "auxiliary_type"])
    assert list(table.columns) == ["positive", "zero", "negative", "undefined", "total", "positive_share"]
    basic_from_translation = table.loc[("basic", "translation")]
    assert list(basic_from_translation[["positive", "zero", "negative", "undefined", "total"]]) == [0, 0, 0, 1, 1]
    # No defined gain in the block, so the positive share is undefined as well.
    assert math.isnan(basic_from_translation["positive_share"])
    assert table.loc[("translation", "basic"), "zero"] == 1
    assert table.loc[("translation", "basic"), "positive_share"] == 0.0
    assert table.loc[("generation", "basic"), "positive_share"] == 1.0
    assert table["undefined"].sum() == 2
    assert table["total"].sum() == 6


def test_zero_single_stability(zero_single):
    table = stability_table(zero_single).set_index("task")
    row = table.loc["punctuation"]
    assert list(row[["single", "max", "max_source", "min", "min_source", "range"]]) == [
        0.0, 4.0, "translation", 0.0, "", 4.0,
    ]
    # σ uses dual − single only, so it stays defined: sqrt((4² + 0²) / 2).
    assert row["std"] == pytest.approx(math.sqrt(8.0))


def test_missing_dual_stability(scores):
    scores.at["punctuation", "translation"] = math.nan
    table = stability_table(scores).set_index("task")
    row = table.loc["punctuation"]
    assert list(row[["single", "max", "max_source", "min", "min_source", "range"]]) == [
        80.0, 80.0, "", 76.0, "poetry_generation", 4.0,
    ]
    assert math.isnan(row["std"])
    assert table.at["translation", "std"] == pytest.approx(math.sqrt(0.5))


def test_stability_by_hand(scores):
    table = stability_table(scores).set_index("task")
    assert list(table.loc["punctuation", ["single", "max", "max_source", "min", "min_source", "range"]]) == [
        80.0, 84.0, "translation", 76.0, "poetry_generation", 8.0,
    ]
    assert table.at["punctuation", "std"] == pytest.approx(4.0)
    # The single-task run ties the dual run with punctuation at the min, so the source is empty.
    assert table.at["translation", "min_source"] == ""
    assert table.at["translation", "max_source"] == "poetry_generation"
    assert table.at["translation", "std"] == pytest.approx(math.sqrt(0.5))
    assert table.at["poetry_generation", "std"] == pytest.approx(math.sqrt(2.5))
    assert table.at["poetry_generation", "range"] == pytest.approx(3.0)


def test_stability_single_is_max():
    matrix = pd.DataFrame([[90.0, 85.0], [70.0, 75.0]], index=TASKS[:2], columns=TASKS[:2])
    table = stability_table(matrix).set_index("task")
    assert table.at["punctuation", "max_source"] == ""
    assert table.at["punctuation", "min_source"] == "translation"
    assert table.at["translation", "min_source"] == "punctuation"
    assert table.at["translation", "std"] == pytest.approx(5.0)


def test_ten_task_delta(scores):
    ten = pd.Series({"punctuation": 79.0, "translation": 52.0, "poetry_generation": 40.0})
    table = ten_task_table(scores, ten).set_index("task")
    assert list(table["delta"]) == [-1.0, 2.0, 0.0]
    with pytest.raises(ValueError, match="missing"):
        ten_task_table(scores, ten.drop("translation"))


def test_summary_and_zero_tolerance(scores):
    summary = gain_summary(gain_matrix(scores))
    counts = (summary["positive"], summary["zero"], summary["negative"], summary["undefined"], summary["total"])
    assert counts == (3, 1, 2, 0, 6)
    assert gain_sign(0.0049) == 0
    assert gain_sign(-0.0049) == 0
    assert gain_sign(0.005) == 1
    assert gain_sign(-0.005) == -1


def test_type_synergy_blocks(scores):
    table = type_synergy_table(gain_matrix(scores)).set_index(["main_type", "auxiliary_type"])
    assert len(table) == 9
    assert table.loc[("basic", "translation"), "positive"] == 1
    assert table.loc[("basic", "generation"), "negative"] == 1
    assert table.loc[("translation", "basic"), "zero"] == 1
    assert table.loc[("generation", "translation"), "negative"] == 1
    assert table.loc[("basic", "basic"), "total"] == 0
    assert math.isnan(table.loc[("basic", "basic"), "positive_share"])
    assert table["total"].sum() == 6


def test_names_and_aliases():
    assert resolve_task("NER") == "ner"
    assert resolve_task("历史人物") == "historical_figure"
    assert resolve_task("词性 标注") == "pos"
    assert resolve_task("命名实体识别") == "ner"
    assert resolve_task("poetry_generation") == "poetry_generation"


def test_matrix_csv_reorders_to_catalogue(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("task,翻译,句读\n句读,80,81\n翻译,50,49\n", encoding="utf-8")
    matrix = read_score_matrix(path)
    assert list(matrix.index) == ["punctuation", "translation"]
    assert list(matrix.columns) == ["punctuation", "translation"]
    assert matrix.at["punctuation", "punctuation"] == 81.0
    assert matrix.at["punctuation", "translation"] == 80.0
    assert matrix.at["translation", "punctuation"] == 49.0


@pytest.mark.parametrize(
    "text, message",
    [
        ("task,句读,翻译\n句读,80,x\n翻译,50,49\n", r"line 2, field '翻译': expected a number"),
        ("task,句读,翻译\n句读,80\n翻译,50,49\n", r"line 2: expected 3 cells"),
        ("task,句读,诗\n句读,80,1\n诗,50,49\n", r"line 1, field 'column 3': unknown task '诗'"),
        ("task,句读,翻译\n句读,80,81\n", "rows and columns must list the same tasks"),
        ("task,句读,翻译\n句读,80,81\n句读,80,81\n", r"line 3, field 'task': task 'punctuation' has a second row"),
    ],
)
def test_matrix_csv_errors(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_score_matrix(path)


def test_task_scores_csv(tmp_path):
    path = tmp_path / "ten.csv"
    path.write_text("task,score\n翻译,46.38\nNER,91.19\n", encoding="utf-8")
    scores = read_task_scores(path)
    assert list(scores.index) == ["ner", "translation"]
    assert scores["translation"] == 46.38
    path.write_text("task,value\nNER,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="`task` and `score`"):
        read_task_scores(path)


def test_analyze_zero_single_outputs(tmp_path, capsys):
    """The `analyze` command finishes on a matrix with a zero single-task score and reports the undefined gains."""
    import argparse
    import json
    import warnings

    from wenyan_mtl.analysis import cli

    matrix = tmp_path / "scores.csv"
    matrix.write_text("task,句读,翻译,诗歌生成\n句读,0,4,0\n翻译,50,50,51\n诗歌生成,41,38,40\n", encoding="utf-8")
    out = tmp_path / "out"
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["analyze", "--matrix", str(matrix), "--out", str(out)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert args.func(args) == 0
    assert not [str(w.message) for w in caught if "Glyph" in str(w.message)]

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert {key: summary[key] for key in ("positive", "zero", "negative", "undefined", "total")} == {
        "positive": 2, "zero": 1, "negative": 1, "undefined": 2, "total": 6,
    }
    assert summary["undefined_tasks"] == ["punctuation"]

    assert (out / "gain_matrix.csv").read_text(encoding="utf-8").splitlines()[1] == "punctuation,,,"
    synergy = pd.read_csv(out / "type_synergy.csv")
    assert list(synergy.columns) == [
        "main_type", "auxiliary_type", "positive", "zero", "negative", "undefined", "total", "positive_share",
    ]
    assert synergy["undefined"].sum() == 2
    stability = pd.read_csv(out / "stability.csv", keep_default_na=False).set_index("task")
    assert float(stability.at["punctuation", "std"]) == pytest.approx(math.sqrt(8.0))

    gain_markdown = (out / "gain_matrix.md").read_text(encoding="utf-8")
    assert "| 句读 | — | n/a | n/a |" in gain_markdown
    assert "| 翻译 | 0.00 | — | +2.00 |" in gain_markdown
    assert "| 基础类 | 翻译类 | 0 | 0 | 0 | 1 | 1 | — |" in (out / "type_synergy.md").read_text(encoding="utf-8")
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "> NOTE: The single-task score is 0 or missing for punctuation" in report
    assert "2 negative" not in report
    assert "1 negative and 2 undefined" in report
    assert "The single-task score is 0 or missing for 句读" in report

    # setup_logging replaces the root handlers, so the log is read from stderr rather than caplog.
    printed = capsys.readouterr()
    assert '"undefined": 2' in printed.out
    assert "0 or missing for punctuation" in printed.out
    assert "WARNING wenyan_mtl.analysis: The single-task score is 0 or missing for punctuation" in printed.err
    assert (out / "heatmap.png").stat().st_size > 10_000
