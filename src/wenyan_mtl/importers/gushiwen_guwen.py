"""Poetry appreciation records from the 古文 export of caoxingyu/chinese-gushiwen.

Each file is JSON Lines (a MongoDB export) of works `{_id: {$oid}, title, dynasty,
writer, content, type: [str], remark, translation, shangxi, ...}`. An item is one
non-blank line; lines whose `shangxi` (赏析) is non-empty are kept.

Record: input = title, writer (dynasty) and content, rendered as in
poetry_source_appreciation; output = the shangxi, one paragraph per line, with
the full-width indents and whitespace runs of the export removed.

Rejection reasons: "no appreciation", "empty input" (no content),
"invalid JSON: ...", "invalid UTF-8: ...",
"invalid work record: ...".
"""

from __future__ import annotations

import logging
from pathlib import Path

from tqdm import tqdm

from ..records import ImportResult
from ._poetry_common import RecordBuilder, clean_text, clean_title
from .common import iter_json_lines
from .poetry_source_appreciation import render_work

logger = logging.getLogger(__name__)

FIELD = "shangxi"


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    builder = RecordBuilder(task, data_root)
    for path in tqdm(paths, desc="gushiwen guwen", unit="file", disable=None):
        path = Path(path)
        for number, work, rejection in iter_json_lines(path, builder.source(path)):
            if rejection is not None:
                builder.add_rejection(rejection)
                continue
            _import_work(builder, path, number, work)
    result = builder.result
    logger.info(
        "gushiwen_guwen: %d files, %d lines in, %d kept, %d rejected",
        len(paths), result.items_in, len(result.records), len(result.rejected),
    )
    return result


def _import_work(builder: RecordBuilder, path: Path, number: int, work) -> None:
    if not isinstance(work, dict):
        builder.reject(path, number, None, f"invalid work record: expected a JSON object, got {type(work).__name__}", work)
        return
    values = {}
    for name in ("title", "dynasty", "writer", "content", FIELD):
        value = work.get(name, "")
        if not isinstance(value, str):
            builder.reject(path, number, name, f"invalid work record: {name!r} must be a string", work)
            return
        values[name] = clean_text(value) if name in ("content", FIELD) else clean_title(value)
    if not values[FIELD]:
        builder.reject(path, number, FIELD, "no appreciation", work)
        return
    text_in = render_work(values["title"], values["writer"], values["dynasty"], values["content"])
    builder.keep(path, number, text_in, text_in, values[FIELD], "content", FIELD)
