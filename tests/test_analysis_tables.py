"""Gain, stability, ten-task and synergy tables on a 3-task matrix computed by hand, and matrix CSV input."""

import math

import pandas as pd
import pytest

from wenyan_mtl.analysis.matrices import gain_matrix, read_score_matrix, read_task_scores
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


def test_gain_rates_reject_zero_single():
    zero = pd.DataFrame([[0.0, 1.0], [1.0, 2.0]], index=TASKS[:2], columns=TASKS[:2])
    with pytest.raises(ValueError, match="punctuation"):
        gain_matrix(zero)


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
    assert (summary["positive"], summary["zero"], summary["negative"], summary["total"]) == (3, 1, 2, 6)
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
