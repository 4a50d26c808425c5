"""Event detection: P/R/F1 on (trigger, event type) multisets, plus trigger-only F1.

Items are parsed with `formats.parse_event`. Each malformed item (no `|`, an
empty trigger or label) counts as one false positive in both measures.
"""

from __future__ import annotations

from ..formats import parse_event
from .common import match_counts, package_version

METRIC = "event_f1"


def signature() -> str:
    return f"{METRIC}|unit:trigger+type|multiset|zero-div:100|wenyan-mtl:{package_version('wenyan-mtl')}"


def item_stats(reference: str, prediction: str) -> tuple[dict, dict]:
    """Return (stats, flags): counts for (trigger, type) pairs and for triggers only."""
    gold = parse_event(reference)
    predicted = parse_event(prediction)
    counts = match_counts(gold.items, predicted.items)
    counts["fp"] += predicted.malformed
    trigger_counts = match_counts([t for t, _ in gold.items], [t for t, _ in predicted.items])
    stats = {
        **counts,
        "trigger_tp": trigger_counts["tp"],
        "trigger_fp": trigger_counts["fp"] + predicted.malformed,
        "trigger_fn": trigger_counts["fn"],
    }
    return stats, {"malformed": predicted.malformed > 0}
