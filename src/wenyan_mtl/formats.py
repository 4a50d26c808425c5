"""Text formats of the structured task outputs, with `render` and `parse` per task.

The model reads and writes plain text, so every structured output has one text
form. `parse(render(x)) == x` holds for every valid structure (property-tested).
`parse` never raises on model text: malformed pieces are skipped and counted in
the returned structure's `malformed` field, so a scorer can count them as wrong.

Formats:
- punctuation: the punctuated text. The structure is the bare text plus the marks,
  each at a position counted on the bare text (0 = before the first character,
  len(text) = after the last). Adjacent marks at one position form one string.
- pos: `word/TAG` tokens separated by single spaces.
- ner: the passage with entities inline as `{mention|TYPE}`, as GuNER 2023 writes them.
- event: `trigger|label` items separated by `；`, in text order; `无` when there is none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Punctuation marks that the punctuation task restores. Spaces are not marks: the
# bare text keeps no whitespace at all.
PUNCTUATION_MARKS = frozenset(
    "，。、；：？！「」『』“”‘’（）《》〈〉【】…—·,.;:?!()\"'"
)


@dataclass(frozen=True)
class Punctuated:
    text: str
    marks: tuple[tuple[int, str], ...]
    malformed: int = 0


def strip_punctuation(text: str) -> str:
    """Return `text` without punctuation marks or whitespace: the punctuation task's input."""
    return "".join(ch for ch in text if ch not in PUNCTUATION_MARKS and not ch.isspace())


def parse_punctuation(text: str) -> Punctuated:
    """Split punctuated text into its bare text and (position, marks) pairs."""
    bare: list[str] = []
    marks: list[tuple[int, str]] = []
    for ch in text:
        if ch.isspace():
            continue
        if ch in PUNCTUATION_MARKS:
            position = len(bare)
            if marks and marks[-1][0] == position:
                marks[-1] = (position, marks[-1][1] + ch)
            else:
                marks.append((position, ch))
        else:
            bare.append(ch)
    return Punctuated("".join(bare), tuple(marks))


def render_punctuation(value: Punctuated) -> str:
    """Insert the marks into the bare text."""
    by_position = dict(value.marks)
    pieces = []
    for position in range(len(value.text) + 1):
        if position in by_position:
            pieces.append(by_position[position])
        if position < len(value.text):
            pieces.append(value.text[position])
    return "".join(pieces)


@dataclass(frozen=True)
class Tagged:
    tokens: tuple[tuple[str, str], ...]
    malformed: int = 0


def render_pos(value: Tagged) -> str:
    return " ".join(f"{word}/{tag}" for word, tag in value.tokens)


def parse_pos(text: str) -> Tagged:
    """Parse `word/TAG` tokens; a token without a tag or word is counted as malformed.

    The tag is what follows the last `/`, so a word may itself contain `/`.
    """
    tokens = []
    malformed = 0
    for piece in text.split():
        word, slash, tag = piece.rpartition("/")
        if not slash or not word or not tag:
            malformed += 1
            continue
        tokens.append((word, tag))
    return Tagged(tuple(tokens), malformed)


@dataclass(frozen=True)
class Spans:
    """A text with labelled character spans (start inclusive, end exclusive)."""

    text: str
    spans: tuple[tuple[int, int, str], ...]
    malformed: int = 0


_INLINE_ENTITY = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")


def render_ner(value: Spans) -> str:
    pieces = []
    cursor = 0
    for start, end, label in sorted(value.spans):
        pieces.append(value.text[cursor:start])
        pieces.append("{" + value.text[start:end] + "|" + label + "}")
        cursor = end
    pieces.append(value.text[cursor:])
    return "".join(pieces)


def parse_ner(text: str) -> Spans:
    """Parse inline `{mention|TYPE}` entities.

    Braces that do not form a well-formed entity are kept as plain text and
    counted as malformed, so the span offsets of later entities still refer to
    the text the model wrote.
    """
    plain: list[str] = []
    spans = []
    malformed = 0
    cursor = 0
    for match in _INLINE_ENTITY.finditer(text):
        before = text[cursor:match.start()]
        malformed += before.count("{") + before.count("}")
        plain.append(before)
        start = sum(len(p) for p in plain)
        mention = match.group(1)
        plain.append(mention)
        spans.append((start, start + len(mention), match.group(2).strip()))
        cursor = match.end()
    rest = text[cursor:]
    malformed += rest.count("{") + rest.count("}")
    plain.append(rest)
    return Spans("".join(plain), tuple(spans), malformed)


@dataclass(frozen=True)
class Events:
    items: tuple[tuple[str, str], ...]
    malformed: int = 0


NO_EVENT = "无"
EVENT_SEPARATOR = "；"


def render_event(value: Events) -> str:
    if not value.items:
        return NO_EVENT
    return EVENT_SEPARATOR.join(f"{trigger}|{label}" for trigger, label in value.items)


def parse_event(text: str) -> Events:
    """Parse `trigger|label` items; `；`, `;` and newlines all separate items."""
    text = text.strip()
    if text in ("", NO_EVENT):
        return Events(())
    items = []
    malformed = 0
    for piece in re.split(r"[；;\n]", text):
        piece = piece.strip()
        if not piece:
            continue
        trigger, bar, label = piece.partition("|")
        if not bar or not trigger.strip() or not label.strip() or "|" in label:
            malformed += 1
            continue
        items.append((trigger.strip(), label.strip()))
    return Events(tuple(items), malformed)
