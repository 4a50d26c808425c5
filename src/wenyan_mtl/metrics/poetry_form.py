"""Deterministic poem form scorer: the `poetry_judge` metric when no LLM judge is configured.

It scores how well a poem fits the requested form, not its quality:
- line count and line length (verses, split at `，。？！；、：` and line breaks),
- rhyme of the even verses (the last characters share a rhyme group),
- tonal pattern 平仄 of regulated verse (绝句 and 律诗): 二四(六) alternation
  within a verse, opposition (对) within a couplet, adhesion (粘) between
  couplets, and level endings on the rhyming verses.

Readings come from pypinyin in context (phrase dictionary first), in modern
Mandarin. Tones 1 and 2 count as level (平), tones 3 and 4 as oblique (仄).
NOTE: modern Mandarin lost the entering tone (入声). Its characters are all
oblique in the rhyme books but now spread over all four tones, and modern
finals differ from the Pingshui rhyme groups. Tone and rhyme checks are
therefore an approximation. A check whose characters have no reading (the neutral tone,
non-Chinese characters) is left out instead of being scored.

Rhyme groups follow 中华新韵's fourteen, with 支 and 齐 merged as in 十三辙's 一七辙.
For 词 the form gives no fixed shape without a 词谱, so the reference poem of
the same 词牌 serves as the pattern: its verse lengths and its rhyming verses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from pypinyin import Style, pinyin

from .bleu import is_cjk_char
from .common import package_version

SCORER_NAME = "form-scorer"
SCORER_VERSION = "1"

REGULATED_FORMS = {"五言绝句": (5, 4), "七言绝句": (7, 4), "五言律诗": (5, 8), "七言律诗": (7, 8)}
ANCIENT_FORMS = {"五言古诗": 5, "七言古诗": 7}
MIXED_FORM = "杂言"
CI_PREFIX = "词·"
FORMS = (*REGULATED_FORMS, *ANCIENT_FORMS, MIXED_FORM)

_REQUEST = re.compile(r"\A题目：(?P<title>.*)\n体裁：(?P<form>.+)\Z", re.DOTALL)
_VERSE_BREAK = re.compile(r"[，。？！；、：,.?!;:\n\r]+")

_RHYME_GROUPS = {
    "麻": ("a", "ia", "ua"),
    "波": ("o", "uo", "e"),
    "皆": ("ie", "ve", "ue"),
    "开": ("ai", "uai"),
    "微": ("ei", "uei", "ui"),
    "豪": ("ao", "iao"),
    "尤": ("ou", "iou", "iu"),
    "寒": ("an", "ian", "uan", "van"),
    "文": ("en", "in", "uen", "un", "vn"),
    "唐": ("ang", "iang", "uang"),
    "庚": ("eng", "ing", "ueng", "ong", "iong"),
    "齐": ("i", "v", "er"),
    "姑": ("u",),
}
RHYME_GROUP_OF_FINAL = {final: group for group, finals in _RHYME_GROUPS.items() for final in finals}

COMPONENTS = ("line_count", "line_length", "rhyme", "tonal")


def parse_request(text: str) -> tuple[str, str]:
    """Split a poetry_generation input `题目：<title>\\n体裁：<form>` into (title, form)."""
    match = _REQUEST.match(text.strip())
    if not match:
        raise ValueError(f"poetry_generation input is not '题目：<title>\\n体裁：<form>': {text[:60]!r}")
    form = match.group("form").strip()
    if form not in FORMS and not (form.startswith(CI_PREFIX) and len(form) > len(CI_PREFIX)):
        raise ValueError(f"poetry_generation input has unknown form {form!r}; known: {', '.join(FORMS)} or 词·<词牌>")
    return match.group("title").strip(), form


def split_verses(poem: str) -> list[str]:
    """Split a poem into verses of Chinese characters only (quotes and other marks dropped)."""
    verses = []
    for piece in _VERSE_BREAK.split(poem):
        verse = "".join(char for char in piece if is_cjk_char(char) and not 0x3000 <= ord(char) <= 0x303F
                        and not 0xFF00 <= ord(char) <= 0xFFEF)
        if verse:
            verses.append(verse)
    return verses


@dataclass(frozen=True)
class Reading:
    """The modern reading of one character: rhyme group and tone class, None where unknown."""

    rhyme: str | None
    level: bool | None


def read_verse(verse: str) -> list[Reading]:
    """Read a verse in context with pypinyin (phrase dictionary first)."""
    tones = pinyin(verse, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda chars: [[""] for _ in chars])
    finals = pinyin(verse, style=Style.FINALS, strict=True, errors=lambda chars: [[""] for _ in chars])
    readings = []
    for tone, final in zip(tones, finals):
        syllable = tone[0]
        level = None
        if syllable and syllable[-1] in "1234":
            level = syllable[-1] in "12"
        readings.append(Reading(RHYME_GROUP_OF_FINAL.get(final[0]), level))
    return readings


@dataclass
class FormScore:
    """Component scores (0-100, None where not checked) and the overall score of one poem."""

    components: dict = field(default_factory=dict)
    score: float = 0.0


def _rhyme_agreement(rhymes: list[str | None]) -> float | None:
    """Score how many rhyme positions share the most common rhyme group: 0 when none agree, 100 when all do."""
    if len(rhymes) < 2:
        return None
    known = [r for r in rhymes if r is not None]
    if not known:
        return 0.0
    dominant = max(sorted(set(known)), key=known.count)
    return 100.0 * (known.count(dominant) - 1) / (len(rhymes) - 1)


def _line_count_score(count: int, expected: int) -> float:
    return max(0.0, 100.0 * (1 - abs(count - expected) / expected))


def _tonal_score(verses: list[str], length: int) -> float | None:
    """Share of the decidable 平仄 checks that hold, for verses of the expected length."""
    key_positions = (1, 3) if length == 5 else (1, 3, 5)
    readings = [read_verse(verse) if len(verse) == length else None for verse in verses]
    checks = []

    def check(a: bool | None, b: bool | None, same: bool) -> None:
        if a is not None and b is not None:
            checks.append((a == b) == same)

    for index, verse in enumerate(readings):
        if verse is None:
            continue
        levels = [verse[p].level for p in key_positions]
        check(levels[0], levels[1], same=False)  # 二四异
        if length == 7:
            check(levels[0], levels[2], same=True)  # 二六同
        if index % 2 == 1:
            if verse[-1].level is not None:
                checks.append(verse[-1].level)  # the rhyming verse ends level
            previous = readings[index - 1]
            if previous is not None:
                check(previous[1].level, verse[1].level, same=False)  # 对
        elif index > 0:
            if verse[-1].level is not None:
                checks.append(not verse[-1].level)  # a non-rhyming odd verse ends oblique
            previous = readings[index - 1]
            if previous is not None:
                check(previous[1].level, verse[1].level, same=True)  # 粘
    if not checks:
        return None
    return 100.0 * sum(checks) / len(checks)


def _even_verse_rhymes(verses: list[str]) -> list[str | None]:
    return [read_verse(verse)[-1].rhyme for verse in verses[1::2]]


def score_poem(form: str, poem: str, reference: str = "") -> FormScore:
    """Score one poem against the requested form; the reference poem is the pattern for 词."""
    verses = split_verses(poem)
    if not verses:
        return FormScore({name: 0.0 for name in COMPONENTS[:3]}, 0.0)
    lengths = [len(verse) for verse in verses]
    components: dict[str, float | None] = {}

    if form in REGULATED_FORMS:
        length, count = REGULATED_FORMS[form]
        components["line_count"] = _line_count_score(len(verses), count)
        components["line_length"] = 100.0 * lengths.count(length) / len(verses)
        components["rhyme"] = _rhyme_agreement(_even_verse_rhymes(verses))
        components["tonal"] = _tonal_score(verses, length)
    elif form in ANCIENT_FORMS:
        length = ANCIENT_FORMS[form]
        components["line_count"] = 100.0 if len(verses) >= 4 and len(verses) % 2 == 0 else 50.0
        components["line_length"] = 100.0 * lengths.count(length) / len(verses)
        components["rhyme"] = _rhyme_agreement(_even_verse_rhymes(verses))
    elif form == MIXED_FORM:
        components["line_count"] = 100.0 if len(verses) >= 2 else 0.0
        components["line_length"] = 100.0 if len(set(lengths)) > 1 else 50.0
        components["rhyme"] = _rhyme_agreement(_even_verse_rhymes(verses))
    else:
        pattern = split_verses(reference)
        if pattern:
            components["line_count"] = _line_count_score(len(verses), len(pattern))
            pattern_lengths = [len(verse) for verse in pattern]
            components["line_length"] = 100.0 * SequenceMatcher(None, lengths, pattern_lengths, autojunk=False).ratio()
            components["rhyme"] = _ci_rhyme_score(verses, pattern)
        else:
            components["line_count"] = 100.0 if len(verses) >= 2 else 0.0

    checked = [value for value in components.values() if value is not None]
    return FormScore(components, sum(checked) / len(checked))


def _ci_rhyme_score(verses: list[str], pattern: list[str]) -> float | None:
    """Rhyme at the verses where the reference 词 rhymes (its dominant rhyme group)."""
    pattern_rhymes = [read_verse(verse)[-1].rhyme for verse in pattern]
    known = [r for r in pattern_rhymes if r is not None]
    if not known:
        return None
    dominant = max(sorted(set(known)), key=known.count)
    positions = [i for i, rhyme in enumerate(pattern_rhymes) if rhyme == dominant]
    if len(positions) < 2:
        return None
    rhymes = [read_verse(verses[i])[-1].rhyme if i < len(verses) else None for i in positions]
    return _rhyme_agreement(rhymes)


def signature() -> str:
    return (
        f"poetry_judge|judge:{SCORER_NAME}-v{SCORER_VERSION}|checks:line_count,line_length,rhyme,tonal"
        f"|rhyme-table:zhonghua-xinyun-14|tones:modern-mandarin|pypinyin:{package_version('pypinyin')}"
        f"|wenyan-mtl:{package_version('wenyan-mtl')}"
    )
