"""Punctuation restoration: P/R/F1 over (position, mark), plus position-only F1.

Units: every mark character is one unit at its position on the bare text, so a
multi-mark string such as `。」` is two units (`。` and `」` at one position).
A prediction of `。` where the reference has `。」` earns one true positive and
one false negative instead of nothing.

Positions are counted on the text without punctuation. When the model changed
the characters, its positions are mapped onto the reference's through a
character alignment (`common.char_map`, `common.map_gap`). A mark whose position
has no counterpart is a false positive.
"""

from __future__ import annotations

from ..formats import parse_punctuation
from .common import map_gap, char_map, match_counts, package_version

METRIC = "punctuation_f1"


def signature() -> str:
    return f"{METRIC}|unit:position+mark|multi-mark:one-unit-per-mark|align:difflib|zero-div:100|wenyan-mtl:{package_version('wenyan-mtl')}"


def _units(marks) -> list[tuple[int, str]]:
    return [(position, mark) for position, string in marks for mark in string]


def item_stats(reference: str, prediction: str) -> tuple[dict, dict]:
    """Return (stats, flags) of one item: counts for (position, mark) and for positions only."""
    gold = parse_punctuation(reference)
    predicted = parse_punctuation(prediction)
    mapping = char_map(predicted.text, gold.text)

    mapped_units = []
    unmapped = 0
    for position, mark in _units(predicted.marks):
        target = map_gap(mapping, position, len(predicted.text), len(gold.text))
        if target is None:
            unmapped += 1
        else:
            mapped_units.append((target, mark))

    counts = match_counts(_units(gold.marks), mapped_units)
    counts["fp"] += unmapped

    gold_positions = {position for position, _ in gold.marks}
    predicted_positions = {position for position, _ in mapped_units}
    unmapped_positions = {
        position
        for position, _ in predicted.marks
        if map_gap(mapping, position, len(predicted.text), len(gold.text)) is None
    }
    position_counts = match_counts(gold_positions, predicted_positions)
    stats = {
        **counts,
        "position_tp": position_counts["tp"],
        "position_fp": position_counts["fp"] + len(unmapped_positions),
        "position_fn": position_counts["fn"],
    }
    flags = {"altered_text": predicted.text != gold.text, "malformed": False}
    return stats, flags
