"""Counts of positive, zero, negative and undefined gains, overall and per block of main type × auxiliary type.

An undefined gain (NaN: the single-task score of its main task is 0 or missing)
is counted apart and never as positive, zero or negative, so that
positive + zero + negative + undefined = total.
"""

from __future__ import annotations

import math

import pandas as pd

from ..tasks import TASK_TYPES, get_task
from .matrices import off_diagonal

# A gain whose absolute value is below this (in percent points) prints as 0.00 and
# counts as zero, neither positive nor negative.
ZERO_GAIN_TOLERANCE = 0.005
# Label of an undefined gain in the tables and the heatmap. The diagonal prints as `—` instead.
UNDEFINED_LABEL = "n/a"

TYPE_NAMES_ZH = {"basic": "基础类", "translation": "翻译类", "generation": "生成类"}
SYNERGY_COLUMNS = [
    "main_type", "auxiliary_type", "positive", "zero", "negative", "undefined", "total", "positive_share",
]


def gain_sign(gain: float) -> int | None:
    """Return 1, 0 or -1, or None for an undefined (NaN) gain; gains within ZERO_GAIN_TOLERANCE of 0 count as 0."""
    if not math.isfinite(gain):
        return None
    if abs(gain) < ZERO_GAIN_TOLERANCE:
        return 0
    return 1 if gain > 0 else -1


def _counts(gains: list[float]) -> dict[str, int]:
    signs = [gain_sign(gain) for gain in gains]
    return {
        "positive": signs.count(1),
        "zero": signs.count(0),
        "negative": signs.count(-1),
        "undefined": signs.count(None),
        "total": len(signs),
    }


def gain_summary(gains: pd.DataFrame) -> dict:
    """Count positive, zero, negative and undefined gains over all ordered pairs (off-diagonal cells)."""
    summary = _counts([value for _, _, value in off_diagonal(gains)])
    summary["zero_tolerance"] = ZERO_GAIN_TOLERANCE
    return summary


def type_synergy_table(gains: pd.DataFrame) -> pd.DataFrame:
    """Count gain signs per block main type × auxiliary type, over the task types present.

    `positive_share` is positive / (total − undefined), the share among the
    defined gains. It is NaN for a block without defined gains, such as an empty
    block (a type with a single task has no pairs within its own type).
    """
    present = [kind for kind in TASK_TYPES if any(get_task(task).type == kind for task in gains.index)]
    rows = []
    for main_type in present:
        for auxiliary_type in present:
            block = [
                value
                for main, auxiliary, value in off_diagonal(gains)
                if get_task(main).type == main_type and get_task(auxiliary).type == auxiliary_type
            ]
            counts = _counts(block)
            defined = counts["total"] - counts["undefined"]
            share = counts["positive"] / defined if defined else math.nan
            rows.append({"main_type": main_type, "auxiliary_type": auxiliary_type, **counts, "positive_share": share})
    return pd.DataFrame(rows, columns=SYNERGY_COLUMNS)
