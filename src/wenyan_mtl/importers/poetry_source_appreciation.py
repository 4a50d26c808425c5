"""Poetry appreciation records from the 赏析 of snowtraces/poetry-source.

The files are the JSON arrays that poetry_source_annotation reads (Gson escapes
decode as usual). An item is one poem record, and records with a non-empty
`appreciation` string are kept.

Record: input = `《<title>》`, `<author>（<dynasty>）` and the poem lines, one per
line (see `render_work`); output = the appreciation, one paragraph per line,
without indents.

Rejection reasons: "no appreciation", "empty output" (only whitespace),
"empty input" (no poem text), "invalid poem record: ...".
"""

from __future__ import annotations

import logging
from pathlib import Path

from tqdm import tqdm

from ..records import ImportResult
from ._poetry_common import RecordBuilder, clean_text, clean_title, load_json_array, string_list_field

logger = logging.getLogger(__name__)

FIELD = "appreciation"


def render_work(title: str, author: str, dynasty: str, body: str) -> str:
    """Render a work as the poetry appreciation input, shared with gushiwen_guwen.

    Missing parts are left out: no author line without an author, no brackets
    without a dynasty. An empty body gives "" (an empty input).
    """
    if not body:
        return ""
    lines = []
    if title:
        lines.append(f"《{title}》")
    if author:
        lines.append(f"{author}（{dynasty}）" if dynasty else author)
    lines.append(body)
    return "\n".join(lines)


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    builder = RecordBuilder(task, data_root)
    for path in tqdm(paths, desc="poetry-source appreciations", unit="file", disable=None):
        path = Path(path)
        for index, poem in enumerate(load_json_array(path)):
            _import_poem(builder, path, index, poem)
    result = builder.result
    logger.info(
        "poetry_source_appreciation: %d files, %d poems in, %d kept, %d rejected",
        len(paths), result.items_in, len(result.records), len(result.rejected),
    )
    return result


def _import_poem(builder: RecordBuilder, path: Path, index: int, poem) -> None:
    if not isinstance(poem, dict):
        builder.reject(path, index, None, f"invalid poem record: expected a JSON object, got {type(poem).__name__}", poem)
        return
    appreciation = poem.get(FIELD)
    if appreciation is None or (isinstance(appreciation, str) and not appreciation.strip()):
        builder.reject(path, index, FIELD, "no appreciation", poem)
        return
    if not isinstance(appreciation, str):
        builder.reject(path, index, FIELD, "invalid poem record: 'appreciation' must be a string", poem)
        return
    content = string_list_field(poem, "content")
    if content is None:
        builder.reject(path, index, "content", "invalid poem record: 'content' must be a list of strings", poem)
        return
    header = {}
    for name in ("title", "authorName", "dynasty"):
        value = poem.get(name, "")
        if not isinstance(value, str):
            builder.reject(path, index, name, f"invalid poem record: {name!r} must be a string", poem)
            return
        header[name] = clean_title(value)

    body = clean_text("\n".join(content))
    text_in = render_work(header["title"], header["authorName"], header["dynasty"], body)
    builder.keep(path, index, text_in, text_in, clean_text(appreciation), "content", FIELD)
