"""Line-level cleaning of the raw corpus for continued pretraining.

`LineCleaner.clean` turns one raw line (or one poem) into one paragraph, or into a
drop reason. The steps, in order:

1. A line of whitespace only is dropped as `empty`.
2. A Markdown heading (`## 卷一`) or a line that is one HTML heading element
   (`<h2>卷一</h2>`) is dropped as `heading`.
3. HTML comments and tags are removed, then entities are unescaped (`&gt;` -> `>`).
   Tags go first, so that escaped text such as `&lt;豕龙&gt;` stays text. Line-break
   tags (`<br/>`, `<p>` ...) become whitespace, which step 6 removes next to Chinese.
4. Control characters (C0 except whitespace, C1), invalid code points (U+FFFD,
   lone surrogates, noncharacters), private-use code points and zero-width or
   bidirectional format characters are removed. Private-use code points are rare
   characters in a font of the source's own and mean nothing without that font.
5. Footnote and annotation markers are removed: 〔一〕, 〔一０〕, 〔二十三〕, [1], ［2］,
   【3】, [注1], circled and parenthesized numbers (①..⑳, ⑴, ⒈, ❶, ㈠ ...) and
   superscript digits. Bracketed text that is not a number, such as 〔晉〕 or [时珍曰],
   is kept.
6. Whitespace (including U+3000 and NBSP) next to a Chinese character or full-width
   punctuation is removed; other runs become one ASCII space; the ends are stripped.
7. Half-width `,;:?!()` become `，；：？！（）` when the run of marks has a Chinese
   character or full-width punctuation on both sides, or on one side with the line's
   start or end on the other. `a,b`, `10:30` and `中,b` are left alone.
8. A line with nothing left, or with only ASCII markup characters (`---`, `***`,
   `| --- |`), is dropped as `markup_only`.

Traditional characters are kept; an optional OpenCC conversion runs after cleaning.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

# Drop reasons, in the column order of the statistics table.
EMPTY = "empty"
HEADING = "heading"
MARKUP_ONLY = "markup_only"
DUPLICATE = "duplicate"
MISSING_PARAGRAPHS = "missing_paragraphs"
INVALID_ENTRY = "invalid_entry"
DROP_REASONS = (EMPTY, HEADING, MARKUP_ONLY, DUPLICATE, MISSING_PARAGRAPHS, INVALID_ENTRY)

# Han ideographs (basic, extension A, compatibility, extensions B and later),
# CJK symbols and punctuation (U+3000-303F, includes 「」《》 and U+3000 itself) and
# full-width forms (U+FF00-FFEF).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u3000-\u303f\uff00-\uffef"

_MARKDOWN_HEADING = re.compile(r"\s*#{1,6}(?:\s|$)")
# One heading element only: the content may contain inline tags but no other heading tag.
_HTML_HEADING = re.compile(
    r"\s*<h([1-6])\b[^<>]*>(?:(?!</?h[1-6]\b).)*</h\1\s*>\s*", re.IGNORECASE | re.DOTALL
)

# A tag is `<` or `</` and an ASCII letter up to the next `>`. Malformed tags from
# the sources, such as `<spanstyle= color:#000000; >`, match too; `<豕龙>` does not.
_HTML_BREAK_TAG = re.compile(r"</?(?:br|p|div|li|tr|hr|h[1-6])\b[^<>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_HTML_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")

_REMOVED_CHARACTERS = {
    "control": re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]"),
    "invalid": re.compile("[\ufffd\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"),
    "private_use": re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]"),
    "zero_width": re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"),
}

# One pass over the line finds whether any removal pattern applies, so clean lines skip the rest.
_ANY_REMOVED_CHARACTER = re.compile("|".join(pattern.pattern for pattern in _REMOVED_CHARACTERS.values()))

_NUMERALS = "〇一二三四五六七八九十百千零两0-9０-９"
_FOOTNOTE_MARKER = re.compile(
    "|".join(
        (
            f"〔[{_NUMERALS}]{{1,6}}〕",
            r"[\[［【]注?[0-9０-９]{1,3}[\]］】]",
            r"[\[［]注[一二三四五六七八九十]{1,3}[\]］]",
            # ①-⒛ (circled, parenthesized, full stop), ⓪ and ⓫-⓿, ❶-➓, ㈠-㈩, ㉑-㉟, ㊀-㊉, ㊱-㊿.
            "[\u2460-\u249b\u24ea-\u24ff\u2776-\u2793\u3220-\u3229\u3251-\u325f\u3280-\u3289\u32b1-\u32bf]",
            "[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]",
        )
    )
)

_WHITESPACE = re.compile(r"\s")
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACE_RUN = re.compile(r"\s+")
_HALF_WIDTH = re.compile(r"[,;:?!()]")
_HALF_WIDTH_RUN = re.compile(rf"(?:(?<=[{_CJK}])|^)[,;:?!()]+(?:(?=[{_CJK}])|$)")
_FULL_WIDTH = str.maketrans(",;:?!()", "，；：？！（）")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_MARKUP_ONLY = re.compile(r"[-*=_~|+:.#\s]+")


@dataclass
class CleaningCounts:
    """Edits made while cleaning, summed over the lines of a source."""

    html_tags: int = 0
    html_entities: int = 0
    footnote_markers: int = 0
    punctuation_widened: int = 0
    removed_characters: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "html_tags": self.html_tags,
            "html_entities": self.html_entities,
            "footnote_markers": self.footnote_markers,
            "punctuation_widened": self.punctuation_widened,
            "removed_characters": {kind: self.removed_characters[kind] for kind in _REMOVED_CHARACTERS},
        }


class LineCleaner:
    """Clean lines one at a time and count the edits in `counts`."""

    def __init__(self) -> None:
        self.counts = CleaningCounts()

    def clean(self, line: str) -> tuple[str | None, str | None]:
        """Return (paragraph, None) for a kept line, or (None, reason) for a dropped one."""
        if not line.strip():
            return None, EMPTY
        if _MARKDOWN_HEADING.match(line) or _HTML_HEADING.fullmatch(line):
            return None, HEADING

        text = self._strip_html(line)
        text = self._remove_characters(text)
        text, markers = _FOOTNOTE_MARKER.subn("", text)
        self.counts.footnote_markers += markers
        text = normalize_whitespace(text)
        text = self._widen_punctuation(text)

        if not text or _MARKUP_ONLY.fullmatch(text):
            return None, MARKUP_ONLY
        return text, None

    def _strip_html(self, text: str) -> str:
        if "<" in text:
            text, comments = remove_html_comments(text)
            text, breaks = _HTML_BREAK_TAG.subn(" ", text)
            text, tags = _HTML_TAG.subn("", text)
            self.counts.html_tags += comments + breaks + tags
        if "&" in text:
            self.counts.html_entities += len(_HTML_ENTITY.findall(text))
            text = html.unescape(text)
        return text

    def _remove_characters(self, text: str) -> str:
        if not _ANY_REMOVED_CHARACTER.search(text):
            return text
        for kind, pattern in _REMOVED_CHARACTERS.items():
            text, removed = pattern.subn("", text)
            if removed:
                self.counts.removed_characters[kind] += removed
        return text

    def _widen_punctuation(self, text: str) -> str:
        if not _HALF_WIDTH.search(text) or not _CJK_CHAR.search(text):
            return text
        widened = 0

        def widen(match: re.Match) -> str:
            nonlocal widened
            widened += len(match.group(0))
            return match.group(0).translate(_FULL_WIDTH)

        text = _HALF_WIDTH_RUN.sub(widen, text)
        self.counts.punctuation_widened += widened
        return text


def remove_html_comments(text: str) -> tuple[str, int]:
    """Remove `<!-- ... -->` comments; return the text and the number removed.

    A scan with `str.find` replaces the regex `<!--.*?-->`, which takes quadratic
    time on a line with many unclosed `<!--` (minutes for 200 kB). An unclosed
    comment is left as text, as the regex left it.
    """
    pieces = []
    removed = 0
    cursor = 0
    while True:
        start = text.find("<!--", cursor)
        if start < 0:
            break
        end = text.find("-->", start + 4)
        if end < 0:
            break
        pieces.append(text[cursor:start])
        cursor = end + 3
        removed += 1
    if not removed:
        return text, 0
    pieces.append(text[cursor:])
    return "".join(pieces), removed


def normalize_whitespace(text: str) -> str:
    """Remove whitespace next to Chinese text and collapse other runs to one space."""
    text = text.strip()
    if not _WHITESPACE.search(text):
        return text
    text = _SPACE_NEXT_TO_CJK.sub("", text)
    return _SPACE_RUN.sub(" ", text).strip()
