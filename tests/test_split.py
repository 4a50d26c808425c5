"""Deterministic 8:1:1 split: stability, passage grouping, ratios and caps."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wenyan_mtl.records import Record, make_record_id, passage_key
from wenyan_mtl.split import SPLITS, split_fraction, split_records


def make_records(count: int, task: str = "pos", offset: int = 0) -> list[Record]:
    records = []
    for number in range(offset, offset + count):
        passage = f"passage {number}"
        record_id = make_record_id(task, passage)
        records.append(Record(record_id, task, "指令", passage, f"output {number}", f"f.txt:{number}"))
    return records


def assignment(splits) -> dict[str, str]:
    return {record.id: name for name in SPLITS for record in splits[name]}


def test_split_fraction_matches_sha256():
    digest = hashlib.sha256(b"13:pos/abc").digest()
    assert split_fraction("pos/abc", 13) == int.from_bytes(digest[:8], "big") / 2**64
    assert 0.0 <= split_fraction("pos/abc", 13) < 1.0
    assert split_fraction("pos/abc", 13) != split_fraction("pos/abc", 14)


def test_split_is_deterministic():
    records = make_records(200)
    first, _ = split_records(records, seed=13)
    second, _ = split_records(list(reversed(records)), seed=13)
    assert first == second


def test_splits_sorted_by_id():
    splits, _ = split_records(make_records(300), seed=13)
    for name in SPLITS:
        ids = [record.id for record in splits[name]]
        assert ids == sorted(ids)


def test_adding_records_keeps_existing_splits():
    old = make_records(500)
    before = assignment(split_records(old, seed=13)[0])
    after = assignment(split_records(old + make_records(500, offset=500), seed=13)[0])
    for record_id, name in before.items():
        assert after[record_id] == name


def test_same_passage_records_share_split():
    records = []
    for number in range(100):
        base = make_record_id("word_explanation", f"poem {number}")
        for gloss in range(4):
            records.append(Record(f"{base}#{gloss}", "word_explanation", "指令", f"g{number}.{gloss}", "o", "s:1"))
    splits, stats = split_records(records, seed=13)
    where = {}
    for name in SPLITS:
        for record in splits[name]:
            where.setdefault(passage_key(record.id), set()).add(name)
    assert len(where) == 100
    assert all(len(names) == 1 for names in where.values())
    assert sum(stats["passages"].values()) == 100


def test_ratios_close_to_8_1_1():
    splits, stats = split_records(make_records(1000), ratios=[8, 1, 1], seed=13)
    counts = stats["counts"]
    assert sum(counts.values()) == 1000
    assert 760 <= counts["train"] <= 840
    assert 70 <= counts["dev"] <= 130
    assert 70 <= counts["test"] <= 130
    assert counts == {name: len(splits[name]) for name in SPLITS}


def test_zero_ratio_gives_empty_split():
    _, stats = split_records(make_records(200), ratios=[9, 1, 0], seed=13)
    assert stats["counts"]["test"] == 0
    assert stats["counts"]["train"] + stats["counts"]["dev"] == 200


def test_caps_keep_smallest_hash():
    records = make_records(400)
    splits, stats = split_records(records, seed=13, max_train=50, max_test=5)
    uncapped, _ = split_records(records, seed=13)
    assert stats["counts"]["train"] == 50
    assert stats["counts"]["test"] == 5
    assert stats["counts"]["dev"] == len(uncapped["dev"])
    assert stats["dropped_by_cap"]["train"] == len(uncapped["train"]) - 50
    expected = sorted(uncapped["train"], key=lambda r: (split_fraction(passage_key(r.id), 13), r.id))[:50]
    assert {r.id for r in splits["train"]} == {r.id for r in expected}
    total = sum(stats["counts"].values()) + sum(stats["dropped_by_cap"].values())
    assert total == 400


def test_invalid_ratios_raise():
    with pytest.raises(ValueError, match="3 entries"):
        split_records(make_records(3), ratios=[8, 2])
    with pytest.raises(ValueError, match="positive sum"):
        split_records(make_records(3), ratios=[0, 0, 0])


def test_duplicate_id_raises():
    records = make_records(2)
    with pytest.raises(ValueError, match="occurs twice"):
        split_records(records + records[:1])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), unique=True, max_size=60), st.integers(0, 99))
def test_split_partition_property(numbers, seed):
    records = [make_records(1, offset=n)[0] for n in numbers]
    splits, stats = split_records(records, seed=seed)
    ids = [record.id for name in SPLITS for record in splits[name]]
    assert sorted(ids) == sorted(record.id for record in records)
    assert stats["records_in"] == len(records)
