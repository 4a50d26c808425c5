"""Poetry generation records from chinese-poetry/chinese-poetry JSON arrays.

Tang poems are `{author, paragraphs: [str], title, id}` (traditional characters)
and Song ci are `{author, paragraphs: [str], rhythmic}`; an element with a
`rhythmic` field is a ci. An item is one array element.

Record: input = exactly two lines, `题目：<title>` and `体裁：<form>`; output =
the poem's `paragraphs`, one per line, as in the source. For a ci the title is
its tune (词牌) and the form is `词·<词牌>`. For a poem the form follows from its
verse lines (see `poem_form`). The evaluation's form scorer parses `体裁：`
from the input, so this layout is a contract.

Rejection reasons: "empty input" (no title or tune), "empty output" (no lines),
"invalid poem record: ...".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from ..records import ImportResult
from ._poetry_common import RecordBuilder, clean_text, clean_title, load_json_array

logger = logging.getLogger(__name__)

TITLE_PREFIX = "题目："
FORM_PREFIX = "体裁："
CI_PREFIX = "词·"
IRREGULAR_FORM = "杂言"
FORMS = ("五言绝句", "七言绝句", "五言律诗", "七言律诗", "五言古诗", "七言古诗", IRREGULAR_FORM)

_LINE_LENGTH_NAMES = {5: "五言", 7: "七言"}
# Marks that end a verse line. A paragraph of chinese-poetry is usually a
# couplet ("秦川雄帝宅，函谷壯皇居。"), so a verse line is a clause, not a paragraph.
_VERSE_LINE_END = re.compile(r"[，,。.？?！!；;：:、]")


def verse_lines(paragraphs: list[str]) -> list[str]:
    """Split a poem into verse lines (clauses) without punctuation or brackets."""
    lines = []
    for clause in _VERSE_LINE_END.split("".join(paragraphs)):
        # Only letters count: this drops brackets around emendations ("[爽]節"),
        # title marks and quotes.
        letters = "".join(ch for ch in clause if unicodedata.category(ch).startswith("L"))
        if letters:
            lines.append(letters)
    return lines


def poem_form(paragraphs: list[str]) -> str:
    """Name a poem's form from its verse lines.

    All lines of five (or seven) characters: four lines make a 绝句, eight a 律诗,
    and any other even count of six or more a 古诗. Everything else (mixed line
    lengths, fragments of fewer than four lines, an odd count) is 杂言.
    NOTE: the names follow line count and length only: tonal pattern and rhyme are
    not checked, so an eight-line 古体 poem is called 律诗 and a 排律 is called 古诗.
    """
    lines = verse_lines(paragraphs)
    lengths = Counter(len(line) for line in lines)
    if len(lengths) != 1:
        return IRREGULAR_FORM
    length = next(iter(lengths))
    count = len(lines)
    if length not in _LINE_LENGTH_NAMES:
        return IRREGULAR_FORM
    prefix = _LINE_LENGTH_NAMES[length]
    if count == 4:
        return prefix + "绝句"
    if count == 8:
        return prefix + "律诗"
    if count >= 6 and count % 2 == 0:
        return prefix + "古诗"
    return IRREGULAR_FORM


def render_request(title: str, form: str) -> str:
    return f"{TITLE_PREFIX}{title}\n{FORM_PREFIX}{form}"


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    builder = RecordBuilder(task, data_root)
    forms: Counter = Counter()
    for path in tqdm(paths, desc="chinese-poetry", unit="file", disable=None):
        path = Path(path)
        for index, poem in enumerate(load_json_array(path)):
            form = _import_poem(builder, path, index, poem)
            if form:
                forms[form] += 1
    result = builder.result
    logger.info(
        "chinese_poetry: %d files, %d poems in, %d kept, %d rejected; forms: %s",
        len(paths), result.items_in, len(result.records), len(result.rejected),
        ", ".join(f"{form} {count}" for form, count in forms.most_common()),
    )
    return result


def _import_poem(builder: RecordBuilder, path: Path, index: int, poem) -> str | None:
    """Import one poem; return the form of a kept record, else None."""
    if not isinstance(poem, dict):
        builder.reject(path, index, None, f"invalid poem record: expected a JSON object, got {type(poem).__name__}", poem)
        return None
    paragraphs = poem.get("paragraphs")
    if not isinstance(paragraphs, list) or not all(isinstance(line, str) for line in paragraphs):
        builder.reject(path, index, "paragraphs", "invalid poem record: 'paragraphs' must be a list of strings", poem)
        return None
    is_ci = "rhythmic" in poem
    title_field = "rhythmic" if is_ci else "title"
    title = poem.get(title_field, "")
    if not isinstance(title, str):
        builder.reject(path, index, title_field, f"invalid poem record: {title_field!r} must be a string", poem)
        return None
    author = poem.get("author", "")

    title = clean_title(title)
    lines = [line for line in (clean_text(paragraph).replace("\n", "") for paragraph in paragraphs) if line]
    output = "\n".join(lines)
    form = CI_PREFIX + title if is_ci else poem_form(lines)
    text_in = render_request(title, form) if title else ""
    passage = "\n".join([title, author if isinstance(author, str) else "", output])
    kept = builder.keep(path, index, passage, text_in, output, title_field, "paragraphs")
    if not kept:
        return None
    return "词" if is_ci else form
