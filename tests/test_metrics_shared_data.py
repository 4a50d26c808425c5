"""Metrics on real public data (EvaHan 2022, Classical-Modern, GuNER 2023, CHED) when shared/data is present."""

import json
import os
from pathlib import Path

import pytest

from wenyan_mtl.formats import Events, parse_ner, render_event, strip_punctuation
from wenyan_mtl.metrics import score_task


@pytest.fixture(scope="module")
def shared_data() -> Path:
    root = Path(os.environ.get("WENYAN_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
    if not root.is_dir():
        pytest.skip(f"shared data not found at {root}")
    return root


def _lines(path: Path, limit: int) -> list[str]:
    with open(path, encoding="utf-8-sig") as handle:
        lines = [line.strip() for line in handle if line.strip()]
    return lines[:limit]


def _items(references, predictions):
    return [
        {"id": str(i), "input": "", "reference": r, "prediction": p}
        for i, (r, p) in enumerate(zip(references, predictions))
    ]


def test_evahan_identical_and_one_changed_char_per_sentence(shared_data):
    references = _lines(shared_data / "t02_pos" / "EvaHan2022_zuozhuan" / "zuozhuan_train_utf8.txt", 300)
    assert score_task("pos", _items(references, references)).score == 100.0

    # Same length, one character changed in each sentence's first word: the case
    # that never terminates in the official EvaHan script. Each sentence loses
    # exactly that word, so F1 = (words - sentences) / words.
    changed = []
    for line in references:
        word_tag = line.split(" ")
        word, _, tag = word_tag[0].rpartition("/")
        word_tag[0] = "〇" + word[1:] + "/" + tag
        changed.append(" ".join(word_tag))
    words = sum(len(line.split()) for line in references)
    result = score_task("pos", _items(references, changed))
    assert result.details["tp"] == words - len(references)
    assert result.score == pytest.approx(100.0 * (words - len(references)) / words)


def test_punctuation_real_lines(shared_data):
    paths = sorted((shared_data / "t01_punctuation").rglob("source.txt"))[:3]
    references = [line for path in paths for line in _lines(path, 100)]
    assert score_task("punctuation", _items(references, references)).score == 100.0
    bare = [strip_punctuation(line) for line in references]
    assert score_task("punctuation", _items(references, bare)).score == 0.0
    # Drop the first character of every line: every mark still maps onto its place.
    dropped = [line[1:] if strip_punctuation(line[:1]) else line for line in references]
    result = score_task("punctuation", _items(references, dropped))
    assert result.details["altered_text_items"] > 0
    assert result.score == 100.0


def test_guner_real_lines(shared_data):
    references = _lines(shared_data / "t03_ner" / "GuNER2023" / "GuNER2023_train.txt", 200)
    assert score_task("ner", _items(references, references)).score == 100.0
    plain = [parse_ner(line).text for line in references]
    result = score_task("ner", _items(references, plain))
    assert result.score == 0.0
    assert result.malformed == 0


def test_ched_real_lines(shared_data):
    references = []
    for line in _lines(shared_data / "t04_event_detection" / "CHED" / "train.jsonl", 200):
        record = json.loads(line)
        references.append(render_event(Events(tuple((e["trigger"], e["label"]) for e in record["events"]))))
    assert score_task("event", _items(references, references)).score == 100.0
    labels_only = ["；".join(item.split("|")[1] for item in ref.split("；")) if ref != "无" else "无" for ref in references]
    result = score_task("event", _items(references, labels_only))
    assert result.malformed > 0
    assert result.score == 0.0
