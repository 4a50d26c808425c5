"""Paired bootstrap, Benjamini-Hochberg and the vectorised corpus aggregations."""

import json
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sacrebleu.metrics.bleu import BLEU

from wenyan_mtl.analysis.bootstrap import (
    UNDEFINED_GAIN_REASON,
    benjamini_hochberg,
    bootstrap_all,
    bootstrap_main_task,
    two_sided_p_value,
)
from wenyan_mtl.analysis.item_stats import fallback_aggregate, read_item_scores, scores_from_sums, stats_row
from wenyan_mtl.records import InputError


def write_items(path, task, metric, stats_list, ids=None):
    ids = ids or [f"{task}/{index:04d}" for index in range(len(stats_list))]
    with open(path, "w", encoding="utf-8") as handle:
        for item_id, stats in zip(ids, stats_list):
            handle.write(json.dumps({"task": task, "id": item_id, "metric": metric, "stats": stats}) + "\n")
    return read_item_scores(path)[task]


def f1_items(rng, n, quality):
    items = []
    for _ in range(n):
        gold = int(rng.integers(3, 10))
        tp = int(rng.binomial(gold, quality))
        items.append({"tp": tp, "fn": gold - tp, "fp": int(rng.binomial(gold, 1 - quality))})
    return items


def test_bh_hand_computed():
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    assert q == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_bh_step_up_and_cap():
    q = benjamini_hochberg([0.01, 0.02, 0.03, 0.04, 0.05, 0.5])
    assert q == pytest.approx([0.06, 0.06, 0.06, 0.06, 0.06, 0.5])
    assert benjamini_hochberg([0.9, 0.8]) == pytest.approx([0.9, 0.9])
    assert benjamini_hochberg([0.6]) == pytest.approx([0.6])
    assert benjamini_hochberg([0.7, 0.9, 0.95]).max() <= 1.0


def test_p_value_counts():
    assert two_sided_p_value(np.zeros(999)) == 1.0
    assert two_sided_p_value(np.ones(999)) == pytest.approx(2 / 1000)
    # 10 of 999 resamples at or below 0: p = 2 · 11 / 1000.
    assert two_sided_p_value(np.r_[-np.ones(10), np.ones(989)]) == pytest.approx(0.022)


def test_identical_runs_give_p_one(tmp_path):
    rng = np.random.default_rng(0)
    items = f1_items(rng, 150, 0.7)
    single = write_items(tmp_path / "single.jsonl", "ner", "ner_f1", items)
    dual = write_items(tmp_path / "dual.jsonl", "ner", "ner_f1", list(reversed(items)), ids=list(reversed(single.ids)))
    [result] = bootstrap_main_task("ner", [single], {"pos": [dual]}, {"pos": 0.0}, resamples=1000, seed=7)
    assert result.p_value == 1.0
    assert result.ci_low == pytest.approx(0.0, abs=1e-9)
    assert result.ci_high == pytest.approx(0.0, abs=1e-9)
    assert result.n_items == 150
    assert result.resamples == 1000


def test_clear_difference_is_significant(tmp_path):
    rng = np.random.default_rng(1)
    single = write_items(tmp_path / "single.jsonl", "ner", "ner_f1", f1_items(rng, 200, 0.5))
    dual = write_items(tmp_path / "dual.jsonl", "ner", "ner_f1", f1_items(rng, 200, 0.9))
    observed = (fallback_aggregate("ner_f1", dual.raw) - fallback_aggregate("ner_f1", single.raw)) / fallback_aggregate(
        "ner_f1", single.raw
    ) * 100
    [result] = bootstrap_main_task("ner", [single], {"pos": [dual]}, {"pos": observed}, resamples=1000, seed=7)
    assert result.gain == observed
    assert result.ci_low < observed < result.ci_high
    assert result.ci_low > 0
    assert result.p_value == pytest.approx(2 / 1001)


def test_small_difference_not_significant(tmp_path):
    rng = np.random.default_rng(2)
    base = [{"score": float(x)} for x in rng.normal(60, 15, 120)]
    shifted = [{"score": stats["score"] + float(noise)} for stats, noise in zip(base, rng.normal(0.0, 5, 120))]
    single = write_items(tmp_path / "single.jsonl", "historical_figure", "bertscore_f1", base)
    dual = write_items(tmp_path / "dual.jsonl", "historical_figure", "bertscore_f1", shifted)
    observed = (np.mean([s["score"] for s in shifted]) / np.mean([s["score"] for s in base]) - 1) * 100
    [result] = bootstrap_main_task(
        "historical_figure", [single], {"pos": [dual]}, {"pos": observed}, resamples=1000, seed=7
    )
    assert result.ci_low < observed < result.ci_high
    assert result.ci_low < 0 < result.ci_high
    assert result.p_value > 0.05


def test_same_seed_same_result(tmp_path):
    rng = np.random.default_rng(3)
    single = write_items(tmp_path / "s.jsonl", "ner", "ner_f1", f1_items(rng, 50, 0.6))
    dual = write_items(tmp_path / "d.jsonl", "ner", "ner_f1", f1_items(rng, 50, 0.65))
    first = bootstrap_main_task("ner", [single], {"pos": [dual]}, {"pos": 1.0}, resamples=200, seed=7)
    second = bootstrap_main_task("ner", [single], {"pos": [dual]}, {"pos": 1.0}, resamples=200, seed=7)
    assert first == second


def test_mismatched_items_raise(tmp_path):
    rng = np.random.default_rng(4)
    items = f1_items(rng, 10, 0.6)
    single = write_items(tmp_path / "s.jsonl", "ner", "ner_f1", items)
    dual = write_items(tmp_path / "d.jsonl", "ner", "ner_f1", items[:9])
    with pytest.raises(InputError, match="the scored items differ"):
        bootstrap_main_task("ner", [single], {"pos": [dual]}, {"pos": 0.0}, resamples=100, seed=7)


def test_item_scores_line_errors(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(
        json.dumps({"task": "ner", "id": "a", "metric": "ner_f1", "stats": {"tp": 1, "fp": 0, "fn": 0}}) + "\n"
        + json.dumps({"task": "ner", "id": "a", "metric": "ner_f1", "stats": {"tp": 1, "fp": 0, "fn": 0}}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"line 2, field 'id': item 'a' of task 'ner' appears twice"):
        read_item_scores(path)
    path.write_text(json.dumps({"task": "ner", "id": "a", "metric": "ner_f1"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1, field 'stats'"):
        read_item_scores(path)
    path.write_text('{"task": "ner", "id": "a", "metric": "ner_f1", "stats": {"tp": NaN, "fp": 0, "fn": 0}}\n')
    with pytest.raises(InputError, match=r"line 1, field 'stats': statistics must be finite numbers"):
        read_item_scores(path)


def test_f1_and_mean_aggregation():
    f1 = scores_from_sums("f1", np.array([[3.0, 1.0, 2.0], [0.0, 0.0, 0.0]]))
    assert f1 == pytest.approx([200 * 3 / 9, 100.0])
    assert scores_from_sums("mean", np.array([[9.0, 3.0]])) == pytest.approx([3.0])


bleu_orders = st.integers(0, 40)


@st.composite
def bleu_stats(draw):
    total = [draw(bleu_orders) for _ in range(4)]
    correct = [draw(st.integers(0, t)) for t in total]
    return {"correct": correct, "total": total, "sys_len": draw(st.integers(0, 60)), "ref_len": draw(st.integers(0, 60))}


@settings(max_examples=300, deadline=None)
@given(bleu_stats())
def test_vectorised_bleu_matches_sacrebleu(stats):
    expected = BLEU.compute_bleu(
        list(stats["correct"]), list(stats["total"]), stats["sys_len"], stats["ref_len"], smooth_method="exp"
    ).score
    computed = scores_from_sums("bleu", np.array([stats_row("bleu", stats)]))[0]
    assert computed == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_ninety_gains_take_seconds(tmp_path):
    """Ten tasks × nine auxiliary tasks × 1000 resamples, 400 test items per task."""
    rng = np.random.default_rng(5)
    tasks = ["punctuation", "pos", "ner", "event", "translation", "word_explanation", "reverse_dictionary",
             "historical_figure", "poetry_appreciation", "poetry_generation"]
    item_stats = {}
    for main in tasks:
        for auxiliary in tasks:
            if main in ("translation", "word_explanation"):
                items = []
                for _ in range(400):
                    total = [int(x) for x in rng.integers(5, 30, 4)]
                    items.append({"correct": [int(rng.integers(0, t + 1)) for t in total], "total": total,
                                  "sys_len": total[0], "ref_len": int(rng.integers(5, 30))})
                metric = "bleu4"
            else:
                items = f1_items(rng, 400, 0.7)
                metric = "ner_f1"
            path = tmp_path / f"{main}-{auxiliary}.jsonl"
            item_stats[(main, auxiliary)] = [write_items(path, main, metric, items)]
    gains = pd.DataFrame(0.0, index=tasks, columns=tasks)
    started = time.perf_counter()
    table = bootstrap_all(item_stats, gains, resamples=1000, seed=7, alpha=0.05)
    elapsed = time.perf_counter() - started
    assert len(table) == 90
    assert table["resamples"].eq(1000).all()
    assert table["q_value"].between(0, 1).all()
    assert elapsed < 60, f"bootstrap of 90 gains took {elapsed:.1f} s"


def test_bh_rejects_nan():
    with pytest.raises(ValueError, match="finite"):
        benjamini_hochberg([0.01, float("nan")])


def test_undefined_gains_skipped(tmp_path):
    """A main task with a single-task F1 of 0 gets untested rows that stay out of the BH correction."""
    rng = np.random.default_rng(5)
    zero_items = [{"tp": 0, "fp": 2, "fn": 3} for _ in range(50)]
    ner_single = write_items(tmp_path / "ner_single.jsonl", "ner", "ner_f1", zero_items)
    ner_dual = write_items(tmp_path / "ner_dual.jsonl", "ner", "ner_f1", f1_items(rng, 50, 0.5))
    pos_single = write_items(tmp_path / "pos_single.jsonl", "pos", "pos_f1", f1_items(rng, 50, 0.5))
    pos_dual = write_items(tmp_path / "pos_dual.jsonl", "pos", "pos_f1", f1_items(rng, 50, 0.9))
    assert fallback_aggregate("ner_f1", ner_single.raw) == 0.0
    observed = (fallback_aggregate("pos_f1", pos_dual.raw) / fallback_aggregate("pos_f1", pos_single.raw) - 1) * 100
    gains = pd.DataFrame([[np.nan, observed], [np.nan, np.nan]], index=["pos", "ner"], columns=["pos", "ner"])
    item_stats = {
        ("ner", "ner"): [ner_single], ("ner", "pos"): [ner_dual],
        ("pos", "pos"): [pos_single], ("pos", "ner"): [pos_dual],
    }
    table = bootstrap_all(item_stats, gains, resamples=300, seed=7, alpha=0.05)
    assert list(zip(table["main"], table["auxiliary"])) == [("pos", "ner"), ("ner", "pos")]
    tested = table.iloc[0]
    untested = table.iloc[1]

    assert tested["untested_reason"] == ""
    assert tested["resamples"] == 300
    # One tested gain: its q-value equals its p-value, so the untested row did not count in the correction.
    assert tested["q_value"] == tested["p_value"]
    assert bool(tested["significant"]) is True

    assert untested["untested_reason"] == UNDEFINED_GAIN_REASON
    for column in ("gain", "ci_low", "ci_high", "p_value", "q_value"):
        assert np.isnan(untested[column]), column
    assert untested["resamples"] == 0
    assert untested["n_items"] == 50
    assert bool(untested["significant"]) is False
