"""Word explanation records from the glosses (注释) of snowtraces/poetry-source.

Each file is a JSON array (indent 2, with Gson escapes such as \\u003c, which the
JSON parser decodes) of poems `{id, title, authorName, dynasty, content: [str],
annotation: [str], ...}`. Every annotation entry is a gloss `词语：释义`.

An item is one gloss entry, so one poem gives as many items as it has glosses. A
poem record that cannot be read (not an object, `content` or `annotation` not a
list of strings) or that has no glosses counts as one item and is rejected whole.

Record: input = the sentence of the poem that contains the glossed word, with the
word in “ ” quotes; output = the explanation. Some glossed words do not occur in
the poem text, because they gloss the title or quote a line that the text spells
differently. Their input falls back to `词语：“<word>”（出自《<title>》）`, and the
importer logs how many inputs fell back. All records of one poem share its
passage, so they land in one split.

Rejection reasons: "malformed gloss: no '：' separator", "empty gloss",
"empty output" (no explanation after the separator), "no annotation",
"invalid poem record: ...".
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from tqdm import tqdm

from ..records import ImportResult
from ._poetry_common import RecordBuilder, clean_text, clean_title, load_json_array, string_list_field

logger = logging.getLogger(__name__)

FIELD = "annotation"
FALLBACK_PREFIX = "词语："

# A gloss separates word and explanation with a full-width colon. Some entries use
# a half-width colon instead ("碧雾: 仙境云气"), which is accepted as well.
_SEPARATORS = ("：", ":")

_SENTENCE_END = "。！？；!?;\n"

# Reading aids inside the glossed word that the poem text does not contain:
# pinyin in brackets ("磬（qìng）"), bare pinyin ("溘溘kè") and the quotes and
# trailing 句 of line glosses ("“笑倩春风伴”句").
_LATIN = "A-Za-z\u00c0-\u024f\u0300-\u036f"
_BRACKETED_PINYIN = re.compile(rf"[（(][{_LATIN}\s,，'’·]*[）)]")
_LATIN_RUN = re.compile(rf"[{_LATIN}]+")
_QUOTED_LINE = re.compile(r"^[“「『\"'‘](.+?)[”」』\"'’][^“”「」『』]{0,3}$")
_EDGE_QUOTES = "“”「」『』\"'‘’ "


def split_gloss(entry: str) -> tuple[str, str] | None:
    """Split `词语：释义` at the first separator; None when there is none."""
    for separator in _SEPARATORS:
        word, found, explanation = entry.partition(separator)
        if found:
            return word.strip(), explanation.strip()
    return None


def word_candidates(word: str) -> list[str]:
    """Spellings of a glossed word to look for in the poem, most literal first."""
    candidates = [word]
    bare = _BRACKETED_PINYIN.sub("", word)
    bare = _LATIN_RUN.sub("", bare).strip()
    candidates.append(bare)
    quoted = _QUOTED_LINE.match(bare)
    if quoted:
        candidates.append(quoted.group(1))
    candidates.append(bare.strip(_EDGE_QUOTES))
    unique = []
    for candidate in candidates:
        candidate = candidate.strip()
        if candidate and candidate not in unique:
            unique.append(candidate)
    return unique


def quote_in_sentence(text: str, word: str) -> str | None:
    """Return the sentence of `text` that contains `word`, with the word in “ ” quotes.

    A sentence runs from after the previous 。！？； or line break to the next one,
    that mark included. None when `word` does not occur in `text`.
    """
    start = text.find(word)
    if start < 0:
        return None
    end = start + len(word)
    sentence_start = max(text.rfind(mark, 0, start) for mark in _SENTENCE_END) + 1
    ends = [position for position in (text.find(mark, end) for mark in _SENTENCE_END) if position >= 0]
    sentence_end = min(ends) + 1 if ends else len(text)
    before = text[sentence_start:start]
    after = text[end:sentence_end].rstrip("\n")
    return f"{before}“{text[start:end]}”{after}".strip()


def find_in_poem(text: str, word: str) -> str | None:
    """Return the quoted sentence for the first spelling of `word` found in the poem, else None."""
    for candidate in word_candidates(word):
        sentence = quote_in_sentence(text, candidate)
        if sentence:
            return sentence
    return None


def fallback_input(word: str, title: str) -> str:
    source = f"（出自《{title}》）" if title else ""
    return f"{FALLBACK_PREFIX}“{word}”{source}"


def poem_passage(poem: dict, content: list[str]) -> str:
    """Build the text that identifies a poem for record ids and the split."""
    header = "\n".join(str(poem.get(name) or "") for name in ("title", "authorName", "dynasty"))
    return header + "\n" + "\n".join(content)


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    builder = RecordBuilder(task, data_root)
    fallbacks = 0
    for path in tqdm(paths, desc="poetry-source glosses", unit="file", disable=None):
        path = Path(path)
        for index, poem in enumerate(load_json_array(path)):
            fallbacks += _import_poem(builder, path, index, poem)
    result = builder.result
    logger.info(
        "poetry_source_annotation: %d files, %d glosses in, %d kept, %d rejected, %d inputs fall back to the title",
        len(paths), result.items_in, len(result.records), len(result.rejected), fallbacks,
    )
    return result


def _import_poem(builder: RecordBuilder, path: Path, index: int, poem) -> int:
    """Import the glosses of one poem; return how many inputs fell back to the title."""
    if not isinstance(poem, dict):
        builder.reject(path, index, None, f"invalid poem record: expected a JSON object, got {type(poem).__name__}", poem)
        return 0
    content = string_list_field(poem, "content")
    if content is None:
        builder.reject(path, index, "content", "invalid poem record: 'content' must be a list of strings", poem)
        return 0
    glosses = string_list_field(poem, FIELD)
    if glosses is None:
        builder.reject(path, index, FIELD, "invalid poem record: 'annotation' must be a list of strings", poem)
        return 0
    if not glosses:
        builder.reject(path, index, FIELD, "no annotation", poem)
        return 0

    lines = [clean_text(line) for line in content]
    text = "\n".join(line for line in lines if line)
    title = clean_title(poem.get("title") if isinstance(poem.get("title"), str) else "")
    passage = poem_passage(poem, lines)
    fallbacks = 0
    for number, entry in enumerate(glosses):
        field_name = f"{FIELD}[{number}]"
        entry = clean_text(entry)
        if not entry:
            builder.reject(path, index, field_name, "empty gloss", entry)
            continue
        parts = split_gloss(entry)
        if parts is None:
            builder.reject(path, index, field_name, "malformed gloss: no '：' separator", entry)
            continue
        word, explanation = parts
        text_in = find_in_poem(text, word)
        is_fallback = text_in is None and bool(word)
        if is_fallback:
            text_in = fallback_input(word, title)
        if builder.keep(path, index, passage, text_in or "", explanation, field_name, field_name) and is_fallback:
            fallbacks += 1
    return fallbacks
