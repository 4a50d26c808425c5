"""Word segmentation and POS tagging: word-level F1 as EvaHan 2022 counts it.

A predicted word counts when its character span and its tag equal a gold
word's. Spans are computed on each side's own characters and mapped through a
character alignment, so a dropped or inserted character costs the words it
touches and nothing else. A word whose characters the model changed does not
count either: the predicted word's text must equal the gold word's.

The official EvaHan script walks both sides with two pointers and, when the two
texts have the same length but differ in a character, never advances (it loops
forever). The alignment here has no such loop.

A token without a tag (`word` or `word/`) is malformed: it still covers its
characters, so later spans stay right, and it counts as a wrong word.
"""

from __future__ import annotations

from .common import char_map, map_span, match_counts, package_version

METRIC = "pos_f1"


def signature() -> str:
    return f"{METRIC}|unit:span+tag|align:difflib|word-text:exact|zero-div:100|wenyan-mtl:{package_version('wenyan-mtl')}"


def parse_tokens(text: str) -> tuple[list[tuple[str, str | None]], int]:
    """Split `word/TAG` tokens, keeping malformed ones with tag None; return (tokens, malformed count).

    Like `formats.parse_pos`, the tag is what follows the last `/`.
    """
    tokens: list[tuple[str, str | None]] = []
    malformed = 0
    for piece in text.split():
        word, slash, tag = piece.rpartition("/")
        if not slash:
            tokens.append((piece, None))
            malformed += 1
        elif not word or not tag:
            tokens.append((word, None))
            malformed += 1
        else:
            tokens.append((word, tag))
    return tokens, malformed


def _spans(tokens) -> tuple[str, list[tuple[int, int, str, str | None]]]:
    text_parts = []
    spans = []
    cursor = 0
    for word, tag in tokens:
        spans.append((cursor, cursor + len(word), word, tag))
        text_parts.append(word)
        cursor += len(word)
    return "".join(text_parts), spans


def item_stats(reference: str, prediction: str) -> tuple[dict, dict]:
    """Return (stats, flags): counts for span+tag words and for segmentation (span only)."""
    gold_tokens, _ = parse_tokens(reference)
    predicted_tokens, malformed = parse_tokens(prediction)
    gold_text, gold_spans = _spans(gold_tokens)
    predicted_text, predicted_spans = _spans(predicted_tokens)
    mapping = char_map(predicted_text, gold_text)

    tagged, segments = [], []
    unmatched = 0
    for start, end, word, tag in predicted_spans:
        target = map_span(mapping, start, end)
        if target is None or gold_text[target[0]:target[1]] != word:
            unmatched += 1
            continue
        segments.append(target)
        tagged.append((target, tag))

    counts = match_counts([((s, e), t) for s, e, _, t in gold_spans], tagged)
    counts["fp"] += unmatched
    segment_counts = match_counts([(s, e) for s, e, _, _ in gold_spans], segments)
    stats = {
        **counts,
        "segment_tp": segment_counts["tp"],
        "segment_fp": segment_counts["fp"] + unmatched,
        "segment_fn": segment_counts["fn"],
    }
    flags = {"altered_text": predicted_text != gold_text, "malformed": malformed > 0}
    return stats, flags
