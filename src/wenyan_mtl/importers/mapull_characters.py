"""Reverse dictionary records from mapull/chinese-dictionary character details.

The file (`char_common_detail.json`) is one JSON array, on a single line, of
`{char, explanations: [{contents: [str]}], pronunciations: [{pinyin,
explanations: [{details | contents: [str]}]}]}`. An item is one array element.

Record: input = the character's main definition (see `main_definition`), with the
character replaced by "～" so that the input does not contain the expected output;
output = the character. The passage is the character.

Rejection reasons: "empty input" (no definition found), "empty output" (no char),
"invalid character record: ...".
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from tqdm import tqdm

from ..records import ImportResult
from ._poetry_common import RecordBuilder, clean_text, load_json_array

logger = logging.getLogger(__name__)

PLACEHOLDER = "～"

# "1." or "1．" that numbers the senses of a pronunciation.
_SENSE_NUMBER = re.compile(r"^\s*\d+\s*[.．、]\s*")
# An example ("如：…", "又如：…") that follows the definition.
_EXAMPLE_START = re.compile(r"[。；]\s*(?:又如|例如|如)|(?:又如|例如|如)[：:]")
# A quotation from a classical source ends in "--《书名》" or "--作者《书名》".
_CITATION = re.compile(r"--|——\s*《")
_OPENING_BRACKETS = "(（"
_CLOSING_BRACKETS = ")）"
_ORIGINAL_SENSE_MARK = "本义"
_SAME_AS_ORIGINAL = "同本义"


def _is_definition(text: str) -> bool:
    return bool(text) and not _CITATION.search(text) and not text.startswith(("又如", "如：", "如:"))


def _strip_examples(text: str) -> str:
    match = _EXAMPLE_START.search(text)
    if match and match.start() > 0:
        return text[: match.start()]
    return text


def split_etymology_note(text: str) -> tuple[str | None, str | None, str]:
    """Split "(形声。从口，阿声。本义叹词) 表示惊叹" into (note, original sense, rest).

    Returns (None, None, text) when `text` does not open with a bracketed note. The
    note ends at the first closing bracket after 本义 when it names one, because
    the source sometimes leaves a bracket inside the note unbalanced
    ("(形声。从糸)，朋声。本义束缚，捆绑)").
    """
    if not text or text[0] not in _OPENING_BRACKETS:
        return None, None, text
    mark = text.find(_ORIGINAL_SENSE_MARK)
    closes = [i for i, ch in enumerate(text) if ch in _CLOSING_BRACKETS]
    if mark >= 0:
        after_mark = [i for i in closes if i > mark]
        if after_mark:
            close = after_mark[0]
            original = text[mark + len(_ORIGINAL_SENSE_MARK):close].strip("：:；;，, ")
            return text[1:close], original or None, text[close + 1:].strip()
    if not closes:
        return None, None, text
    close = closes[0]
    return text[1:close], None, text[close + 1:].strip()


def _main_sense_candidates(contents: list[str]) -> list[tuple[str, str]]:
    """List (kind, definition) pairs from the main senses, kind "sense" or "original".

    A note without 本义 (a grammatical remark such as "(汉语名词词头)") is prefixed
    to the next definition, and "同本义" stands for the original sense of the note.
    """
    candidates = []
    pending_note = ""
    original = None
    for raw in contents:
        text = clean_text(raw).replace("\n", "")
        note, note_original, text = split_etymology_note(text)
        if note_original:
            original = note_original
            candidates.append(("original", note_original))
        elif note and not text:
            pending_note = note.strip()
            continue
        if text.startswith(_SAME_AS_ORIGINAL) and original:
            continue
        if not _is_definition(text):
            continue
        definition = _strip_examples(text).strip()
        if definition:
            if pending_note:
                definition = f"{pending_note}；{definition}"
                pending_note = ""
            candidates.append(("sense", definition))
    if pending_note:
        candidates.append(("sense", pending_note))
    return candidates


def _pick_candidate(candidates: list[tuple[str, str]], char: str) -> str:
    """Pick the first sense, unless it uses the character itself.

    A sense that uses the character is often a list of words ("进攻，攻打"), which
    carries little meaning once the character is masked. So the original sense
    (本义) and then any later sense without the character come before it.
    """
    senses = [definition for kind, definition in candidates if kind == "sense"]
    originals = [definition for kind, definition in candidates if kind == "original"]
    preferences = [senses[:1], originals[:1], senses[1:]]
    for group in preferences:
        for definition in group:
            if char not in definition:
                return definition
    return (originals or senses or [""])[0]


def _numbered_sense_candidates(entries: list[str]) -> list[tuple[str, str]]:
    """List the numbered senses of a reading ("1.拉紧；紧张不要把弦～得太紧了。").

    These run the definition and its examples together, so only the text up to
    the first "。" is kept.
    """
    candidates = []
    for raw in entries:
        text = _SENSE_NUMBER.sub("", clean_text(raw).replace("\n", ""))
        if text.startswith("【") or not _is_definition(text):
            continue
        definition = text.split("。", 1)[0].strip()
        if definition:
            candidates.append(("sense", definition))
    return candidates


def _string_items(block, key: str) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get(key), list):
        return []
    return [item for item in block[key] if isinstance(item, str)]


def main_definition(entry: dict, char: str) -> str:
    """Return the character's main definition, or "" when the entry has none.

    The main senses (`explanations[].contents`) come first. The readings'
    senses are the fallback when every main sense is a quotation or an example,
    and compound entries there ("【蓖麻】…") are skipped because they define a word.
    """
    contents = []
    for block in entry.get("explanations") or []:
        contents.extend(_string_items(block, "contents"))
    candidates = _main_sense_candidates(contents)
    if not candidates:
        for reading in entry.get("pronunciations") or []:
            blocks = reading.get("explanations") if isinstance(reading, dict) else None
            for block in blocks if isinstance(blocks, list) else []:
                plain = [item for item in _string_items(block, "contents") if not item.lstrip().startswith("【")]
                candidates += _main_sense_candidates(plain)
                candidates += _numbered_sense_candidates(_string_items(block, "details"))
    return _pick_candidate(candidates, char).rstrip("，；、 ")


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    builder = RecordBuilder(task, data_root)
    for path in tqdm(paths, desc="mapull characters", unit="file", disable=None):
        path = Path(path)
        for index, entry in enumerate(load_json_array(path)):
            _import_entry(builder, path, index, entry)
    result = builder.result
    logger.info(
        "mapull_characters: %d files, %d characters in, %d kept, %d rejected",
        len(paths), result.items_in, len(result.records), len(result.rejected),
    )
    return result


def _import_entry(builder: RecordBuilder, path: Path, index: int, entry) -> None:
    if not isinstance(entry, dict):
        builder.reject(path, index, None, f"invalid character record: expected a JSON object, got {type(entry).__name__}", entry)
        return
    char = entry.get("char", "")
    if not isinstance(char, str):
        builder.reject(path, index, "char", "invalid character record: 'char' must be a string", entry)
        return
    char = char.strip()
    definition = main_definition(entry, char)
    if char:
        definition = definition.replace(char, PLACEHOLDER)
    builder.keep(path, index, char, definition, char, "explanations", "char")
