"""Pieces shared by the metrics: F1 from counts, multiset matching, character alignment."""

from __future__ import annotations

import math
from collections import Counter
from difflib import SequenceMatcher
from importlib import metadata
from typing import Iterable, Mapping, Sequence

F1_COUNT_KEYS = ("tp", "fp", "fn")


def package_version(name: str) -> str:
    """Return the installed version of a distribution, or 'unknown' outside an installed environment."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def f1_score(tp: int, fp: int, fn: int) -> float:
    """Micro F1 on a 0-100 scale.

    With no gold units and no predicted units (2tp+fp+fn == 0) the score is 100:
    nothing was to be found and nothing was claimed, so the output is exactly
    right. This keeps "identical output scores 100" true for items without
    gold units, such as a sentence without events.
    """
    denominator = 2 * tp + fp + fn
    if denominator == 0:
        return 100.0
    return 200.0 * tp / denominator


def precision_recall_f1(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall and F1 (0-100) with the same 0/0 rule as `f1_score`."""
    if tp + fp:
        precision = 100.0 * tp / (tp + fp)
    else:
        precision = 100.0 if fn == 0 else 0.0
    if tp + fn:
        recall = 100.0 * tp / (tp + fn)
    else:
        recall = 100.0 if fp == 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1_score(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn}


def match_counts(gold: Iterable, predicted: Iterable) -> dict:
    """Count tp/fp/fn of two multisets of hashable units."""
    gold_counts = Counter(gold)
    predicted_counts = Counter(predicted)
    tp = sum((gold_counts & predicted_counts).values())
    return {"tp": tp, "fp": sum(predicted_counts.values()) - tp, "fn": sum(gold_counts.values()) - tp}


def sum_counts(stats: Sequence[Mapping], prefix: str = "") -> tuple[int, int, int]:
    """Sum `<prefix>tp`, `<prefix>fp` and `<prefix>fn` over item stats."""
    return tuple(sum(int(item[prefix + key]) for item in stats) for key in F1_COUNT_KEYS)


def mean_score(stats: Sequence[Mapping]) -> float:
    """Mean of the per-item `score` values, summed exactly so the order of items does not matter."""
    return math.fsum(float(item["score"]) for item in stats) / len(stats)


def char_map(source: str, target: str) -> list[int | None]:
    """Map each character index of `source` to the index of its counterpart in `target`.

    The alignment is difflib's (longest matching blocks, autojunk off, because
    autojunk treats frequent characters such as 之 in texts over 200 characters as
    junk). Characters in equal blocks map one to one, and so do substitutions
    (replace blocks of equal length). Characters the model inserted, or replaced
    by a run of another length, map to None.
    """
    if source == target:
        return list(range(len(source)))
    mapping: list[int | None] = [None] * len(source)
    matcher = SequenceMatcher(None, source, target, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for offset in range(i2 - i1):
                mapping[i1 + offset] = j1 + offset
    return mapping


def map_span(mapping: Sequence[int | None], start: int, end: int) -> tuple[int, int] | None:
    """Map the character span [start, end) through `char_map`, or None when an end character is unmapped.

    A span keeps its boundaries when its first and last characters both have
    counterparts, so a predicted word after a dropped character still lands on
    the gold word.
    """
    if end <= start:
        return None
    first = mapping[start]
    last = mapping[end - 1]
    if first is None or last is None or last < first:
        return None
    return first, last + 1


def map_gap(mapping: Sequence[int | None], gap: int, source_length: int, target_length: int) -> int | None:
    """Map a position between characters (0..len) of the source onto the target, or None.

    A mark belongs to the character before it (Chinese punctuation closes what
    precedes it), so the gap after source character k maps to the gap after its
    counterpart. When there is no such character or it has no counterpart, the
    character after the gap decides, and failing both, the text's start or end
    maps to the target's start or end.
    """
    if gap > 0 and mapping[gap - 1] is not None:
        return mapping[gap - 1] + 1
    if gap < source_length and mapping[gap] is not None:
        return mapping[gap]
    if gap == 0:
        return 0
    if gap == source_length:
        return target_length
    return None
