"""Historical figure records from the writer (作者) export of caoxingyu/chinese-gushiwen.

Each file is JSON Lines (a MongoDB export) of `{_id: {$oid}, name, headImageUrl,
simpleIntro, detailIntro}`. An item is one non-blank line.

Record: input = the name; output = `simpleIntro`, one paragraph per line. The
passage is the name, so every bio of one name lands in one split: an exact
duplicate line gets the same id (build_task quarantines it), and a different bio
under the same name gets a different `#index`. `detailIntro` is not used because
it is a JSON-encoded string that is "{}" in most lines.

Rejection reasons: "empty input" (no name), "empty output" (no simpleIntro),
"invalid JSON: ...", "invalid UTF-8: ...",
"invalid writer record: ...".
"""

from __future__ import annotations

import logging
from pathlib import Path

from tqdm import tqdm

from ..records import ImportResult
from ._poetry_common import RecordBuilder, clean_text, clean_title
from .common import iter_json_lines

logger = logging.getLogger(__name__)


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    builder = RecordBuilder(task, data_root)
    for path in tqdm(paths, desc="gushiwen writers", unit="file", disable=None):
        path = Path(path)
        for number, writer, rejection in iter_json_lines(path, builder.source(path)):
            if rejection is not None:
                builder.add_rejection(rejection)
                continue
            _import_writer(builder, path, number, writer)
    result = builder.result
    logger.info(
        "gushiwen_writer: %d files, %d lines in, %d kept, %d rejected",
        len(paths), result.items_in, len(result.records), len(result.rejected),
    )
    return result


def _import_writer(builder: RecordBuilder, path: Path, number: int, writer) -> None:
    if not isinstance(writer, dict):
        builder.reject(path, number, None, f"invalid writer record: expected a JSON object, got {type(writer).__name__}", writer)
        return
    values = {}
    for name in ("name", "simpleIntro"):
        value = writer.get(name, "")
        if not isinstance(value, str):
            builder.reject(path, number, name, f"invalid writer record: {name!r} must be a string", writer)
            return
        values[name] = clean_title(value) if name == "name" else clean_text(value)
    name = values["name"]
    builder.keep(path, number, name, name, values["simpleIntro"], "name", "simpleIntro")
