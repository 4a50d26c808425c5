"""Helpers shared by the importers of the poetry, dictionary and biography sources.

These importers read JSON arrays (snowtraces/poetry-source, mapull, chinese-poetry),
JSON Lines exports (caoxingyu/chinese-gushiwen, read with `common.iter_json_lines`)
and a headerless CSV (By_syk's idioms). They share the reading of JSON arrays,
the cleaning of web-scraped text, the record ids and the item counting.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ..records import ImportResult, InputError, Record, Rejected, make_record_id
from .common import WIDE_BOMS, relative_path, utf8_error

# Characters next to which whitespace carries no meaning: CJK ideographs (BMP,
# compatibility and extensions B-G), CJK and full-width punctuation, and the
# curly quotes, ellipsis, dash and middle dot that Chinese text uses.
_CJK_CLASS = (
    "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
    "\uff00-\uffef\U00020000-\U0003134f“”‘’…—·"
)
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK_CLASS}])[^\S\n]+|[^\S\n]+(?=[{_CJK_CLASS}])")
_SPACE_RUN = re.compile(r"[^\S\n]+")
_EXCERPT_CHARS = 200


def clean_text(text: str) -> str:
    """Normalise scraped text: one paragraph per line, no indents, no spaces inside Chinese.

    Full-width indents (U+3000), blank lines and whitespace next to Chinese characters
    or punctuation are removed, other whitespace runs become one space, and the
    remaining paragraphs are joined with "\\n".
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        line = _SPACE_NEAR_CJK.sub("", line)
        line = _SPACE_RUN.sub(" ", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def clean_title(text: str) -> str:
    """Collapse the whitespace of a one-line field such as a title or a name.

    Unlike `clean_text`, a space between Chinese characters stays, because titles
    use it to separate a series name from a part number ("帝京篇十首 一").
    """
    return " ".join(text.split())


def excerpt(value) -> str:
    """Shorten an input item for the quarantine file."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _EXCERPT_CHARS else text[:_EXCERPT_CHARS] + "…"


def content_index(*parts: str) -> int:
    """Derive the `#index` of a record id from its content.

    Several records may come from one passage (the glosses of one poem, two bios
    under one name). A content-derived index keeps their ids distinct, keeps an
    exact duplicate on the same id (so that build_task quarantines it), and does
    not depend on file order. 32 bits make a clash inside one passage unlikely.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return int(digest[:8], 16)


class RecordBuilder:
    """Collects the kept and rejected items of one importer call.

    `keep` rejects a record whose input or output is empty, with reason
    "empty input" or "empty output", so that importers need no check of their own.
    """

    def __init__(self, task: str, data_root: Path):
        self.task = task
        self.data_root = Path(data_root)
        self.result = ImportResult()

    def source(self, path: Path) -> str:
        return relative_path(path, self.data_root)

    def keep(self, path: Path, position: int, passage: str, text_in: str, text_out: str, field_in: str, field_out: str) -> bool:
        """Count one item and keep it as a record, or reject it when a side is empty."""
        if not text_out.strip():
            self.reject(path, position, field_out, "empty output", text_in)
            return False
        if not text_in.strip():
            self.reject(path, position, field_in, "empty input", text_out)
            return False
        self.result.items_in += 1
        record_id = make_record_id(self.task, passage, content_index(text_in, text_out))
        self.result.records.append(
            Record(
                id=record_id,
                task=self.task,
                instruction="",
                input=text_in,
                output=text_out,
                source=f"{self.source(path)}:{position}",
            )
        )
        return True

    def add_rejection(self, rejection: Rejected) -> None:
        """Count one item that a shared reader has already rejected (invalid UTF-8 or JSON)."""
        self.result.items_in += 1
        self.result.rejected.append(rejection)

    def reject(self, path: Path, position: int | None, field_name: str | None, reason: str, content="") -> None:
        """Count one item as rejected."""
        self.result.items_in += 1
        self.result.rejected.append(
            Rejected(
                source=self.source(path),
                line=position,
                field=field_name,
                reason=reason,
                content=excerpt(content),
            )
        )


def load_json_array(path: Path) -> list:
    """Parse a file that contains one JSON array; anything else raises InputError.

    The whole file is one document, so a syntax error cannot be narrowed to one
    item: it stops the rule, naming the line and column.
    """
    raw = Path(path).read_bytes()
    if raw.startswith(WIDE_BOMS):
        raise InputError(path, 1, None, "the file is UTF-16 or UTF-32; convert it to UTF-8")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise utf8_error(path, raw, error) from None
    except json.JSONDecodeError as error:
        raise InputError(path, error.lineno, None, f"invalid JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise InputError(path, None, None, "invalid JSON: the document is nested too deeply to parse") from None
    if not isinstance(data, list):
        raise InputError(path, 1, None, f"expected a JSON array, got {type(data).__name__}")
    return data


def string_list_field(item: dict, name: str) -> list[str] | None:
    """Return a list-of-strings field, or None when it is missing or has another type."""
    value = item.get(name)
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        return None
    return value
