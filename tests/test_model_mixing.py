from collections import Counter

import pytest

from wenyan_mtl.model.mixing import largest_remainder_quotas, mix_records


def records(task, count):
    return [f"{task}-{index}" for index in range(count)]


def task_counts(mixed):
    return Counter(item.split("-")[0] for item in mixed)


def test_concat_keeps_every_record_once():
    result = mix_records({"a": records("a", 6), "b": records("b", 2)}, "concat", 2.0, seed=1)
    assert sorted(result.records) == sorted(records("a", 6) + records("b", 2))
    assert result.selected == {"a": 6, "b": 2}


def test_proportional_quotas_equal_sizes():
    result = mix_records({"a": records("a", 6), "b": records("b", 2)}, "proportional", 2.0, seed=1)
    assert result.selected == {"a": 6, "b": 2}
    assert task_counts(result.records) == {"a": 6, "b": 2}


def test_temperature_two_hand_computed():
    # weights sqrt(6) = 2.449 and sqrt(2) = 1.414; 8 * 2.449 / 3.864 = 5.07 and 2.93;
    # floors 5 + 2 = 7, the one left goes to b (remainder 0.93 > 0.07): a 5, b 3.
    result = mix_records({"a": records("a", 6), "b": records("b", 2)}, "temperature", 2.0, seed=1)
    assert result.selected == {"a": 5, "b": 3}
    assert task_counts(result.records) == {"a": 5, "b": 3}
    b_items = [item for item in result.records if item.startswith("b")]
    assert set(b_items) == {"b-0", "b-1"}
    a_items = [item for item in result.records if item.startswith("a")]
    assert len(set(a_items)) == 5


def test_temperature_large_flattens_to_uniform():
    result = mix_records({"a": records("a", 90), "b": records("b", 10)}, "temperature", 1e6, seed=0)
    assert result.selected == {"a": 50, "b": 50}


def test_mixing_is_seeded():
    data = {"a": records("a", 20), "b": records("b", 7)}
    first = mix_records(data, "temperature", 3.0, seed=5).records
    assert first == mix_records(data, "temperature", 3.0, seed=5).records
    assert first != mix_records(data, "temperature", 3.0, seed=6).records


def test_largest_remainder_sums_to_total():
    quotas = largest_remainder_quotas({"a": 1.0, "b": 1.0, "c": 1.0}, 10)
    assert quotas == {"a": 4, "b": 3, "c": 3}


def test_mixing_rejects_bad_input():
    with pytest.raises(ValueError, match="invalid mixing strategy"):
        mix_records({"a": records("a", 2)}, "uniform", 2.0, seed=0)
    with pytest.raises(ValueError, match="no training records"):
        mix_records({"a": records("a", 2), "b": []}, "concat", 2.0, seed=0)
