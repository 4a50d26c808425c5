"""Readers for the raw corpus formats and the per-source cleaning run.

A reader turns a file into units, one unit per input "line" of the accounting:

- `text`: one unit per physical line (CRLF, CR and LF all end a line). A source
  paragraph is one line; blank lines between paragraphs are dropped as `empty`.
- `chinese_poetry_json`: a JSON array of poems `{title, author, paragraphs: [str], ...}`
  as in the chinese-poetry repository. One unit per array entry: the poem's
  `paragraphs` joined without a separator (each already ends in punctuation) become
  one paragraph. Title, author and notes are not corpus text and are left out. Its
  line number is the line where the entry starts. An entry without `paragraphs`
  is dropped as `missing_paragraphs`. An entry that is not an object, or whose
  `paragraphs` is not a list of strings, is dropped as `invalid_entry`.

For every source, units in = paragraphs kept + units dropped, and every dropped unit
has one quarantine record `{file, line, reason, text}` (plus `entry`, the 1-based
array index, for JSON), `file` relative to the data root.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from wenyan_mtl.corpus.clean import DROP_REASONS, DUPLICATE, INVALID_ENTRY, MISSING_PARAGRAPHS, LineCleaner
from wenyan_mtl.corpus.decode import Encoding, detect_encoding, iter_lines, read_text
from wenyan_mtl.records import InputError, write_json

log = logging.getLogger(__name__)

FORMATS = ("text", "chinese_poetry_json")
MB = 1_000_000


@dataclass(frozen=True)
class Unit:
    """One input line (or poem) of the accounting, before cleaning.

    `reason` is set when the reader already rejects the unit; `text` is then what
    goes into the quarantine.
    """

    file: str
    line: int
    text: str
    reason: str | None = None
    entry: int | None = None


def iter_text_units(path: Path, relative: str, encoding: Encoding) -> Iterator[Unit]:
    for number, line in iter_lines(path, encoding):
        yield Unit(relative, number, line)


_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _json_error(path: Path, text: str, position: int, message: str) -> InputError:
    located = json.JSONDecodeError(message, text, position)
    return InputError(path, located.lineno, None, f"invalid JSON: {message} at column {located.colno}")


def iter_poetry_units(path: Path, relative: str, encoding: Encoding) -> Iterator[Unit]:
    """Yield one unit per entry of a chinese-poetry JSON array.

    The array is walked entry by entry with `raw_decode`, so each unit records the line
    where its entry starts. NOTE: the whole file is decoded into memory; the
    chinese-poetry volumes are a few MB each.
    """
    text = read_text(path, encoding)
    decoder = json.JSONDecoder()
    position = _JSON_WHITESPACE.match(text, 0).end()
    if position >= len(text) or text[position] != "[":
        raise _json_error(path, text, position, "expected a JSON array of poems")
    position = _JSON_WHITESPACE.match(text, position + 1).end()
    line = 1 + text.count("\n", 0, position)
    line_position = position
    index = 0
    closed = position < len(text) and text[position] == "]"
    while not closed:
        try:
            entry, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise InputError(path, error.lineno, None, f"invalid JSON: {error.msg} at column {error.colno}") from None
        except RecursionError:
            entry_line = 1 + text.count("\n", 0, position)
            raise InputError(path, entry_line, None, "invalid JSON: the entry is nested too deeply to parse") from None
        line += text.count("\n", line_position, position)
        line_position = position
        index += 1
        yield _poem_unit(entry, relative, line, index)

        position = _JSON_WHITESPACE.match(text, end).end()
        if position >= len(text):
            raise _json_error(path, text, position, "unexpected end of file inside the array")
        if text[position] == "]":
            closed = True
        elif text[position] == ",":
            position = _JSON_WHITESPACE.match(text, position + 1).end()
        else:
            raise _json_error(path, text, position, "expected ',' or ']' after an array entry")
    trailing = _JSON_WHITESPACE.match(text, position + 1).end()
    if trailing < len(text):
        raise _json_error(path, text, trailing, "extra data after the array")


def _poem_unit(entry, relative: str, line: int, index: int) -> Unit:
    if not isinstance(entry, dict):
        return Unit(relative, line, json.dumps(entry, ensure_ascii=False), INVALID_ENTRY, index)
    paragraphs = entry.get("paragraphs")
    if paragraphs is None:
        return Unit(relative, line, json.dumps(entry, ensure_ascii=False), MISSING_PARAGRAPHS, index)
    if not isinstance(paragraphs, list) or not all(isinstance(item, str) for item in paragraphs):
        return Unit(relative, line, json.dumps(entry, ensure_ascii=False), INVALID_ENTRY, index)
    return Unit(relative, line, "".join(paragraphs), None, index)


READERS = {"text": iter_text_units, "chinese_poetry_json": iter_poetry_units}


def make_converter(config: str | None):
    """Return an OpenCC converter for `config` (e.g. `t2s`), or None for no conversion."""
    if config is None:
        return None
    import opencc

    name = config.removesuffix(".json")
    config_dir = Path(opencc.__file__).parent / "config"
    known = sorted(entry.stem for entry in config_dir.glob("*.json"))
    if name not in known:
        raise ValueError(f"config: corpus.opencc {config!r} is not an OpenCC conversion; known: {', '.join(known)}")
    return opencc.OpenCC(name)


def _relative(path: Path, data_root: str | Path) -> str:
    return Path(os.path.relpath(path, data_root)).as_posix()


def clean_source(
    name: str,
    fmt: str,
    files: Sequence[str | Path],
    data_root: str | Path,
    text_path: str | Path,
    stats_path: str | Path,
    quarantine_path: str | Path,
    opencc: str | None = None,
) -> dict:
    """Clean every file of one source into one paragraph per line; return the statistics.

    Writes the paragraphs (UTF-8, LF), the statistics JSON and the quarantine JSONL.
    Exact duplicates are dropped after OpenCC conversion, so the output has no
    repeated line. NOTE: deduplication keeps a 16-byte digest per distinct
    paragraph in memory, about 80 bytes each in CPython.
    """
    if fmt not in READERS:
        raise ValueError(f"corpus source {name!r}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    reader = READERS[fmt]
    converter = make_converter(opencc)
    paths = [Path(path) for path in files]
    input_bytes = sum(path.stat().st_size for path in paths)
    for path in (text_path, stats_path, quarantine_path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    log.info("source %s: cleaning %d files, %.2f MB, format %s", name, len(paths), input_bytes / MB, fmt)
    started = time.perf_counter()
    cleaner = LineCleaner()
    dropped: Counter = Counter()
    encodings: Counter = Counter()
    seen: set[bytes] = set()
    units_in = kept = characters = 0

    with (
        open(text_path, "w", encoding="utf-8", newline="\n") as text_out,
        open(quarantine_path, "w", encoding="utf-8", newline="\n") as quarantine_out,
        tqdm(total=input_bytes, unit="B", unit_scale=True, desc=f"clean {name}", mininterval=5) as progress,
    ):
        for path in paths:
            relative = _relative(path, data_root)
            encoding = detect_encoding(path)
            encodings[encoding.label] += 1
            if encoding.label != "utf-8":
                log.info("source %s: %s decoded as %s", name, relative, encoding.label)

            for unit in reader(path, relative, encoding):
                units_in += 1
                paragraph, reason = (None, unit.reason) if unit.reason else cleaner.clean(unit.text)
                if paragraph is not None and converter is not None:
                    paragraph = converter.convert(paragraph)
                if paragraph is not None:
                    digest = hashlib.blake2b(paragraph.encode("utf-8"), digest_size=16).digest()
                    if digest in seen:
                        paragraph, reason = None, DUPLICATE
                    else:
                        seen.add(digest)

                if paragraph is None:
                    dropped[reason] += 1
                    quarantine_out.write(_quarantine_line(unit, reason) + "\n")
                else:
                    kept += 1
                    characters += len(paragraph)
                    text_out.write(paragraph + "\n")
            progress.update(path.stat().st_size)

    seconds = time.perf_counter() - started
    if units_in != kept + sum(dropped.values()):
        raise RuntimeError(f"source {name}: accounting is off: {units_in} in, {kept} kept, {dict(dropped)} dropped")

    if kept == 0:
        log.warning(
            "source %s: none of its %d lines was kept (dropped %s); it adds nothing to the corpus",
            name, units_in, {reason: count for reason, count in dropped.items() if count},
        )
    output_bytes = Path(text_path).stat().st_size
    stats = {
        "source": name,
        "format": fmt,
        "files": len(paths),
        "input_bytes": input_bytes,
        "output_bytes": output_bytes,
        "lines_in": units_in,
        "paragraphs_kept": kept,
        "characters_kept": characters,
        "dropped": {reason: dropped[reason] for reason in DROP_REASONS},
        "encodings": dict(sorted(encodings.items())),
        "edits": cleaner.counts.as_dict(),
        "opencc": opencc,
        "seconds": round(seconds, 3),
        "throughput_mb_per_s": round(input_bytes / MB / seconds, 2) if seconds > 0 else None,
    }
    write_json(stats_path, stats)
    log.info(
        "source %s: %d lines in, %d paragraphs kept (%d characters), dropped %s; %.2f MB in %.1f s, %.2f MB/s",
        name,
        units_in,
        kept,
        characters,
        {reason: count for reason, count in stats["dropped"].items() if count},
        input_bytes / MB,
        seconds,
        stats["throughput_mb_per_s"] or 0.0,
    )
    return stats


def _quarantine_line(unit: Unit, reason: str) -> str:
    record = {"file": unit.file, "line": unit.line}
    if unit.entry is not None:
        record["entry"] = unit.entry
    record["reason"] = reason
    record["text"] = unit.text
    return json.dumps(record, ensure_ascii=False)
