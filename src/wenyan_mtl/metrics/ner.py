"""Named entity recognition: entity-level P/R/F1 on (type, span), plus span-only F1.

Entities are parsed from the inline `{mention|TYPE}` form. When the model changed
the passage, predicted spans are mapped onto the reference's plain text through
a character alignment, and the mention text must still equal the gold mention.
Every broken entity (a stray `{` or `}` left in the text) counts as one false
positive, taking the larger of the stray `{` and `}` counts as the number of
broken entities.
"""

from __future__ import annotations

from ..formats import parse_ner
from .common import char_map, map_span, match_counts, package_version

METRIC = "ner_f1"


def signature() -> str:
    return f"{METRIC}|unit:type+span|align:difflib|mention-text:exact|zero-div:100|wenyan-mtl:{package_version('wenyan-mtl')}"


def item_stats(reference: str, prediction: str) -> tuple[dict, dict]:
    """Return (stats, flags): counts for (type, span) and for spans only."""
    gold = parse_ner(reference)
    predicted = parse_ner(prediction)
    mapping = char_map(predicted.text, gold.text)

    typed, spans = [], []
    unmatched = 0
    for start, end, label in predicted.spans:
        target = map_span(mapping, start, end)
        if target is None or gold.text[target[0]:target[1]] != predicted.text[start:end]:
            unmatched += 1
            continue
        spans.append(target)
        typed.append((target, label))

    broken = max(predicted.text.count("{"), predicted.text.count("}")) if predicted.malformed else 0
    counts = match_counts([((s, e), label) for s, e, label in gold.spans], typed)
    counts["fp"] += unmatched + broken
    span_counts = match_counts([(s, e) for s, e, _ in gold.spans], spans)
    stats = {
        **counts,
        "span_tp": span_counts["tp"],
        "span_fp": span_counts["fp"] + unmatched + broken,
        "span_fn": span_counts["fn"],
    }
    flags = {"altered_text": predicted.text != gold.text, "malformed": predicted.malformed > 0}
    return stats, flags
