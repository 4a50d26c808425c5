"""Reverse dictionary records from By_syk's idiom database (chinese-idiom-db).

The file is CSV without a header, UTF-8, with seven columns per row:
`id, word, pinyin, explanation, derivation, example, abbr`. An item is one CSV
row; blank lines are not items. A quoted field may span lines, so the line
number of a row is the line where it starts.

Record: input = the explanation (释义), with every occurrence of the idiom
replaced by "～" as dictionaries write it, so that the input does not
contain the expected output; output = the idiom. The passage is the idiom.

Rejection reasons: "expected 7 columns, got N", "empty input" (no explanation),
"empty output" (no idiom), "invalid CSV: ...".
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from tqdm import tqdm

from ..records import ImportResult, InputError
from ._poetry_common import RecordBuilder, clean_text
from .common import WIDE_BOMS, utf8_error

logger = logging.getLogger(__name__)

COLUMNS = ("id", "word", "pinyin", "explanation", "derivation", "example", "abbr")
PLACEHOLDER = "～"


def import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult:
    builder = RecordBuilder(task, data_root)
    for path in tqdm(paths, desc="idioms", unit="file", disable=None):
        _import_file(builder, Path(path))
    result = builder.result
    logger.info(
        "idiom_csv: %d files, %d rows in, %d kept, %d rejected",
        len(paths), result.items_in, len(result.records), len(result.rejected),
    )
    return result


def _import_file(builder: RecordBuilder, path: Path) -> None:
    # The file is decoded whole, so that a decoding error names its line and file offset.
    data = path.read_bytes()
    if data.startswith(WIDE_BOMS):
        raise InputError(path, 1, None, "the file is UTF-16 or UTF-32; convert it to UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise utf8_error(path, data, error) from None
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle, strict=True)
        start_line = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                # The reader cannot resynchronise after a broken quote, so the rest
                # of the file cannot be read as rows.
                raise InputError(path, reader.line_num, None, f"invalid CSV: {error}") from None
            line = start_line
            start_line = reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(COLUMNS):
                builder.reject(path, line, None, f"expected {len(COLUMNS)} columns, got {len(row)}", ",".join(row))
                continue
            values = dict(zip(COLUMNS, row))
            word = clean_text(values["word"])
            explanation = clean_text(values["explanation"])
            if word:
                explanation = explanation.replace(word, PLACEHOLDER)
            builder.keep(path, line, word, explanation, word, "explanation", "word")
