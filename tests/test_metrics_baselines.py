"""Trivial baselines: hand-computed outputs and scores on small splits."""

import json

import pytest

from wenyan_mtl.metrics.baselines import baseline_predictions, most_frequent, score_baselines
from wenyan_mtl.metrics.runner import run_baselines
from wenyan_mtl.records import Record, write_jsonl


def _record(task, index, input_text, output):
    return Record(id=f"{task}/{index:04d}", task=task, instruction="指令", input=input_text, output=output, source=f"t:{index}")


def test_most_frequent_breaks_ties_by_value():
    assert most_frequent(["b", "a", "b", "a"]) == "a"
    assert most_frequent(["c", "b", "c"]) == "c"


def test_punctuation_baselines():
    test = [_record("punctuation", 1, "颜回见仲尼请行", "颜回见仲尼，请行。")]
    entries = score_baselines("punctuation", [], test)
    assert set(entries) == {"empty", "copy_input", "final_period"}
    assert entries["copy_input"]["score"] == 0.0
    # final_period: tp 1, fp 0, fn 1 -> F1 = 2/3.
    assert entries["final_period"]["score"] == pytest.approx(200 / 3)
    assert entries["final_period"]["signature"].startswith("punctuation_f1|")
    assert entries["final_period"]["details"]["n_train"] == 0


def test_pos_baselines_by_hand():
    train = [
        _record("pos", 1, "子曰学而", "子/n 曰/v 学而/c"),
        _record("pos", 2, "子曰", "子/nr 曰/v"),
        _record("pos", 3, "子", "子/n"),
    ]
    test = [_record("pos", 9, "子曰学而时", "子/n 曰/v 学而/c 时/t")]
    outputs = baseline_predictions("pos", train, test)
    # Overall most frequent tag: n (2) = v (2) > nr, c -> tie broken by value: n.
    assert outputs["most_frequent_tag"] == ["子/n 曰/n 学/n 而/n 时/n"]
    assert outputs["max_match_most_frequent_tag"] == ["子/n 曰/v 学而/c 时/n"]
    entries = score_baselines("pos", train, test)
    assert entries["most_frequent_tag"]["score"] == pytest.approx(200 * 1 / (2 + 4 + 3))
    assert entries["max_match_most_frequent_tag"]["score"] == pytest.approx(75.0)


def test_ner_and_event_baselines():
    ner_test = [_record("ner", 1, "帝曰玄齡", "帝曰{玄齡|PER}")]
    assert baseline_predictions("ner", [], ner_test)["no_entities"] == ["帝曰玄齡"]
    assert score_baselines("ner", [], ner_test)["no_entities"]["score"] == 0.0

    train = [
        _record("event", 1, "命将伐之", "命|诏令；伐|战争"),
        _record("event", 2, "命之", "命|诏令"),
        _record("event", 3, "之乎", "无"),
    ]
    test = [_record("event", 9, "伐命之", "伐|战争；命|诏令"), _record("event", 10, "之也", "无")]
    outputs = baseline_predictions("event", train, test)
    assert outputs["no_events"] == ["无", "无"]
    assert outputs["trigger_lexicon"] == ["伐|战争；命|诏令", "无"]
    entries = score_baselines("event", train, test)
    assert entries["trigger_lexicon"]["score"] == 100.0
    assert entries["no_events"]["score"] == 0.0


def test_text_task_baselines():
    train = [_record("reverse_dictionary", i, f"释义{i}", out) for i, out in enumerate(["仁", "义", "仁"])]
    test = [_record("reverse_dictionary", 9, "释义", "仁")]
    outputs = baseline_predictions("reverse_dictionary", train, test)
    assert outputs["most_frequent_output"] == ["仁"]
    assert outputs["copy_input"] == ["释义"]


def test_poetry_generation_baselines():
    poem5 = "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"
    poem7 = "朝辞白帝彩云间，千里江陵一日还。\n两岸猿声啼不住，轻舟已过万重山。"
    train = [
        _record("poetry_generation", 2, "题目：甲\n体裁：七言绝句", poem7),
        _record("poetry_generation", 1, "题目：乙\n体裁：五言绝句", poem5),
    ]
    test = [_record("poetry_generation", 9, "题目：丙\n体裁：五言绝句", poem5)]
    outputs = baseline_predictions("poetry_generation", train, test)
    assert outputs["train_poem_same_form"] == [poem5]
    entries = score_baselines("poetry_generation", train, test)
    assert entries["train_poem_same_form"]["score"] == 100.0
    assert entries["empty"]["score"] == 0.0
    assert "form-scorer" in entries["empty"]["signature"]


def test_run_baselines_writes_flat_json(tmp_path):
    train = [_record("translation", i, f"古{i}", f"今{i}") for i in range(3)]
    test = [_record("translation", 9, "黄帝者少典之子", "黄帝是少典之子")]
    write_jsonl(tmp_path / "train.jsonl", train)
    write_jsonl(tmp_path / "test.jsonl", test)
    out = tmp_path / "baselines" / "translation.json"
    run_baselines("translation", tmp_path / "train.jsonl", tmp_path / "test.jsonl", {}, None, out)
    document = json.loads(out.read_text("utf-8"))
    assert set(document) == {"empty", "copy_input", "most_frequent_output"}
    for entry in document.values():
        assert set(entry) == {"metric", "score", "details", "n_items", "malformed", "empty_predictions", "signature"}
        assert entry["metric"] == "bleu4"
        assert entry["n_items"] == 1
    # copy_input against the reference: n-gram precisions 6/7, 4/6, 2/5, 1/4 and equal lengths.
    assert document["copy_input"]["score"] == pytest.approx(100 * (6 / 7 * 4 / 6 * 2 / 5 * 1 / 4) ** 0.25)
    assert document["empty"]["score"] == 0.0
