"""Punctuation, POS, NER and event metrics on hand-computed cases."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wenyan_mtl.metrics import aggregate, score_task
from wenyan_mtl.metrics import event, ner, pos, punctuation
from wenyan_mtl.metrics.common import char_map, f1_score, precision_recall_f1


def _score(task, reference, prediction, input_text=""):
    items = [{"id": "x", "input": input_text, "reference": reference, "prediction": prediction}]
    return score_task(task, items)


# --- shared pieces -----------------------------------------------------------

def test_f1_zero_denominator_is_perfect():
    assert f1_score(0, 0, 0) == 100.0
    assert precision_recall_f1(0, 0, 0)["precision"] == 100.0
    assert precision_recall_f1(0, 0, 3)["precision"] == 0.0
    assert precision_recall_f1(0, 2, 0)["recall"] == 0.0


def test_char_map_substitution_and_indels():
    assert char_map("甲乙丙", "甲丁丙") == [0, 1, 2]
    assert char_map("甲丙", "甲乙丙") == [0, 2]
    assert char_map("甲乙丙", "甲丙") == [0, None, 1]


# --- punctuation -------------------------------------------------------------

REF_PUNCT = "颜回见仲尼，请行。"


@pytest.mark.parametrize(
    "prediction, tp, fp, fn",
    [
        (REF_PUNCT, 2, 0, 0),
        ("", 0, 0, 2),
        ("颜回见仲尼请行", 0, 0, 2),
        ("颜回见仲泥，请行。", 2, 0, 0),  # substituted character keeps positions
        ("颜回见尼，请，行。", 2, 1, 0),  # dropped 仲, one extra mark
        ("颜回见仲尼也，请行。", 2, 0, 0),  # inserted 也 before the mark
        ("颜回见仲尼甲，乙请行。", 1, 1, 1),  # mark between two inserted characters has no counterpart
    ],
)
def test_punctuation_counts(prediction, tp, fp, fn):
    stats, _ = punctuation.item_stats(REF_PUNCT, prediction)
    assert (stats["tp"], stats["fp"], stats["fn"]) == (tp, fp, fn)


def test_punctuation_multi_mark_counts_each_mark():
    result = _score("punctuation", "曰：「善。」", "曰：善。")
    assert result.details["tp"] == 2
    assert result.details["fn"] == 2
    assert result.details["precision"] == 100.0
    assert result.details["recall"] == 50.0
    assert result.score == pytest.approx(200 * 2 / 6)
    assert result.details["position_only"]["f1"] == 100.0


def test_punctuation_altered_text_exact_prf():
    result = _score("punctuation", REF_PUNCT, "颜回见尼，请，行。")
    assert result.details["precision"] == pytest.approx(200 / 3)
    assert result.details["recall"] == 100.0
    assert result.score == pytest.approx(80.0)
    assert result.details["altered_text_items"] == 1
    assert result.details["position_only"]["f1"] == pytest.approx(80.0)


def test_punctuation_unmapped_position_is_false_positive():
    result = _score("punctuation", REF_PUNCT, "颜回见仲尼甲，乙请行。")
    assert result.score == 50.0
    assert result.details["position_only"]["fp"] == 1
    assert result.details["position_only"]["f1"] == 50.0


# --- pos ---------------------------------------------------------------------

REF_POS = "惠公/nr 元妃/n 孟子/nr 。/w"


@pytest.mark.parametrize(
    "prediction, tp, fp, fn, segment_f1",
    [
        (REF_POS, 4, 0, 0, 100.0),
        ("", 0, 0, 4, 0.0),
        ("惠公/nr 元妃/n 孟子/n 。/w", 3, 1, 1, 100.0),
        ("惠公/nr 元/n 孟子/nr 。/w", 3, 1, 1, 75.0),  # 妃 dropped
        ("惠公元妃/nr 孟子/nr 。/w", 2, 1, 2, 200 * 2 / 7),
        ("惠公/nr 元妃 孟子/nr 。/w", 3, 1, 1, 100.0),  # malformed token keeps its span
    ],
)
def test_pos_counts(prediction, tp, fp, fn, segment_f1):
    result = _score("pos", REF_POS, prediction)
    assert (result.details["tp"], result.details["fp"], result.details["fn"]) == (tp, fp, fn)
    assert result.details["segmentation"]["f1"] == pytest.approx(segment_f1)


def test_pos_same_length_changed_char_terminates():
    # Same length, one character differs: the official EvaHan script never ends here.
    result = _score("pos", REF_POS, "惠公/nr 元妃/n 孟母/nr 。/w")
    assert result.details["tp"] == 3
    assert result.details["precision"] == 75.0
    assert result.details["recall"] == 75.0
    assert result.score == 75.0
    assert result.details["altered_text_items"] == 1


def test_pos_malformed_is_counted():
    result = _score("pos", REF_POS, "惠公/nr 元妃 孟子/ 。/w")
    assert result.malformed == 1
    assert result.score == 50.0


def test_pos_parse_tokens_keeps_word_with_slash():
    tokens, malformed = pos.parse_tokens("a/b/n 之 /u")
    assert tokens == [("a/b", "n"), ("之", None), ("", None)]
    assert malformed == 2


# --- ner ---------------------------------------------------------------------

REF_NER = "帝曰：{玄齡|PER}、{如晦|PER}不以勳舊進"


@pytest.mark.parametrize(
    "prediction, tp, fp, fn",
    [
        (REF_NER, 2, 0, 0),
        ("", 0, 0, 2),
        ("帝曰：玄齡、如晦不以勳舊進", 0, 0, 2),
        ("帝曰：{玄齡|PER}、{如晦|OFI}不以勳舊進", 1, 1, 1),
        ("帝曰：{玄龄|PER}、{如晦|PER}不以勳舊進", 1, 1, 1),  # mention text changed
        ("帝曰{玄齡|PER}、{如晦|PER}不以勳舊進", 2, 0, 0),  # dropped ：
        ("帝曰：{玄齡|PER}、{如晦PER}不以勳舊進", 1, 1, 1),  # broken entity
    ],
)
def test_ner_counts(prediction, tp, fp, fn):
    stats, _ = ner.item_stats(REF_NER, prediction)
    assert (stats["tp"], stats["fp"], stats["fn"]) == (tp, fp, fn)


def test_ner_malformed_and_span_only():
    result = _score("ner", REF_NER, "帝曰：{玄齡|PER}、{如晦PER}不以勳舊進")
    assert result.malformed == 1
    assert result.score == 50.0
    wrong_type = _score("ner", REF_NER, "帝曰：{玄齡|PER}、{如晦|OFI}不以勳舊進")
    assert wrong_type.details["span_only"]["f1"] == 100.0
    assert wrong_type.score == 50.0


# --- event -------------------------------------------------------------------

REF_EVENT = "命|交流-诏令；伐|军事-战争"


@pytest.mark.parametrize(
    "reference, prediction, f1, trigger_f1",
    [
        (REF_EVENT, REF_EVENT, 100.0, 100.0),
        (REF_EVENT, "", 0.0, 0.0),
        (REF_EVENT, "无", 0.0, 0.0),
        (REF_EVENT, "命|军事-战争；伐|军事-战争", 50.0, 100.0),
        (REF_EVENT, "命|交流-诏令；伐", 50.0, 50.0),  # malformed item
        ("命|A；命|A", "命|A", 200 / 3, 200 / 3),
        ("无", "无", 100.0, 100.0),
        ("无", "命|A", 0.0, 0.0),
    ],
)
def test_event_scores(reference, prediction, f1, trigger_f1):
    result = _score("event", reference, prediction)
    assert result.score == pytest.approx(f1)
    assert result.details["trigger_only"]["f1"] == pytest.approx(trigger_f1)


def test_event_malformed_counted():
    result = _score("event", REF_EVENT, "命|交流-诏令；伐；|")
    assert result.malformed == 1
    assert result.details["fp"] == 2
    assert result.details["tp"] == 1


def test_event_garbage_never_raises():
    result = _score("event", REF_EVENT, "{|}；；|||；命命命")
    assert result.score == 0.0


# --- aggregate ---------------------------------------------------------------

@pytest.mark.parametrize(
    "task, references, predictions",
    [
        ("punctuation", [REF_PUNCT, "曰：「善。」", "子曰：学而时习之。"], ["颜回见尼，请，行。", "曰：善。", ""]),
        ("pos", [REF_POS, "子/n 曰/v"], ["惠公/nr 元/n 孟子/nr 。/w", "子/n 曰/n"]),
        ("ner", [REF_NER, "{孔子|PER}曰"], ["帝曰：{玄齡|PER}、{如晦PER}不以勳舊進", "孔子曰"]),
        ("event", [REF_EVENT, "无", "命|A"], ["命|交流-诏令", "无", "命|B"]),
    ],
)
def test_aggregate_equals_task_score(task, references, predictions):
    items = [
        {"id": str(i), "input": "", "reference": r, "prediction": p}
        for i, (r, p) in enumerate(zip(references, predictions))
    ]
    result = score_task(task, items)
    stats = [record["stats"] for record in result.items]
    assert aggregate(result.metric, stats) == result.score
    assert aggregate(result.metric, stats[:1]) == score_task(task, items[:1]).score


# --- properties --------------------------------------------------------------

_hanzi = st.text(alphabet="之乎者也子曰学而时习", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(text=_hanzi, noise=st.text(alphabet="之乎者也，。{}|/ 无甲", max_size=20))
def test_f1_metrics_never_raise_and_stay_in_range(text, noise):
    for task in ("punctuation", "pos", "ner", "event"):
        result = _score(task, text, noise)
        assert 0.0 <= result.score <= 100.0


@settings(max_examples=40, deadline=None)
@given(words=st.lists(st.tuples(_hanzi, st.sampled_from(["n", "v", "nr"])), min_size=1, max_size=8))
def test_pos_identical_output_scores_100(words):
    reference = " ".join(f"{w}/{t}" for w, t in words)
    assert _score("pos", reference, reference).score == 100.0


def test_punctuation_dropped_first_character():
    # The mark after the dropped 曰 sits at position 0 of the prediction; the next character places it.
    result = _score("punctuation", "曰：善。", "：善。")
    assert result.score == 100.0
