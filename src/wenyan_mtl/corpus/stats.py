"""The corpus statistics table (Table 1 of the study) and the merge of cleaned sources."""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from wenyan_mtl.corpus.clean import DROP_REASONS

log = logging.getLogger(__name__)

MB = 1_000_000
TOTAL = "total"
COUNT_COLUMNS = ("files", "lines_in", "paragraphs_kept", "characters_kept")
COLUMNS = (
    "source",
    "files",
    "input_mb",
    "output_mb",
    "lines_in",
    "paragraphs_kept",
    "characters_kept",
    *(f"dropped_{reason}" for reason in DROP_REASONS),
)


def read_stats(path: str | Path) -> dict:
    """Read one source's stats.json, checking the fields the table needs."""
    with open(path, encoding="utf-8") as handle:
        stats = json.load(handle)
    for name in ("source", "input_bytes", "output_bytes", "dropped", *COUNT_COLUMNS):
        if name not in stats:
            raise ValueError(f"{path}: missing field {name!r} in corpus statistics")
    unknown = set(stats["dropped"]) - set(DROP_REASONS)
    if unknown:
        raise ValueError(f"{path}: unknown drop reasons {sorted(unknown)} in field 'dropped'")
    return stats


def table_rows(all_stats: Sequence[dict]) -> list[dict]:
    """Build one table row per source plus a total row; sizes in MB (10^6 bytes)."""
    rows = []
    for stats in all_stats:
        row = {"source": stats["source"]}
        row.update({name: stats[name] for name in COUNT_COLUMNS})
        row["input_mb"] = stats["input_bytes"] / MB
        row["output_mb"] = stats["output_bytes"] / MB
        for reason in DROP_REASONS:
            row[f"dropped_{reason}"] = stats["dropped"].get(reason, 0)
        rows.append(row)

    total = {"source": TOTAL}
    for column in COLUMNS[1:]:
        total[column] = sum(row[column] for row in rows)
    rows.append(total)
    return [{column: row[column] for column in COLUMNS} for row in rows]


def _format(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def write_table_csv(rows: Sequence[dict], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: _format(row[column]) for column in COLUMNS})


def write_table_markdown(rows: Sequence[dict], path: str | Path) -> None:
    lines = [
        "# Table 1: raw corpus for continued pretraining",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" if column == "source" else "---:" for column in COLUMNS) + "|",
    ]
    for row in rows:
        cells = [_format(row[column]) for column in COLUMNS]
        if row["source"] == TOTAL:
            cells = [f"**{cell}**" for cell in cells]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "MB = 10^6 bytes; output is the cleaned UTF-8 text. For chinese_poetry_json sources a line",
        "is one poem (array entry). For every source lines_in = paragraphs_kept + the dropped columns.",
        "",
    ]
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def merge_corpus(
    text_paths: Sequence[str | Path],
    stats_paths: Sequence[str | Path],
    corpus_path: str | Path,
    table_path: str | Path,
    markdown_path: str | Path,
) -> list[dict]:
    """Concatenate cleaned sources in the given order and write Table 1; return its rows.

    Sources are concatenated as they are: duplicates across sources are not removed.
    """
    if len(text_paths) != len(stats_paths):
        raise ValueError(f"merge: {len(text_paths)} text files but {len(stats_paths)} statistics files")
    all_stats = [read_stats(path) for path in stats_paths]
    if not any(stats["paragraphs_kept"] for stats in all_stats):
        lines = ", ".join(f"{stats['source']}: {stats['lines_in']} lines in" for stats in all_stats)
        raise ValueError(
            f"merge: the cleaned corpus would be empty, because no source kept a paragraph ({lines}); "
            "check corpus.sources and the quarantine.jsonl of each source"
        )
    for text_path, stats in zip(text_paths, all_stats):
        if Path(text_path).stat().st_size != stats["output_bytes"]:
            raise ValueError(
                f"{text_path}: size {Path(text_path).stat().st_size} differs from output_bytes "
                f"{stats['output_bytes']} in the statistics of source {stats['source']!r}; rerun clean_corpus"
            )

    started = time.perf_counter()
    Path(corpus_path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(str(corpus_path) + ".tmp")
    total_bytes = sum(stats["output_bytes"] for stats in all_stats)
    with (
        open(tmp, "wb") as out,
        tqdm(total=total_bytes, unit="B", unit_scale=True, desc="merge corpus", mininterval=5) as progress,
    ):
        for text_path, stats in zip(text_paths, all_stats):
            with open(text_path, "rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
            progress.update(stats["output_bytes"])
            log.info("merge: added source %s, %d paragraphs", stats["source"], stats["paragraphs_kept"])
    os.replace(tmp, corpus_path)

    rows = table_rows(all_stats)
    write_table_csv(rows, table_path)
    write_table_markdown(rows, markdown_path)
    total = rows[-1]
    log.info(
        "merge: %d sources, %d paragraphs, %d characters, %.2f MB in %.1f s",
        len(all_stats),
        total["paragraphs_kept"],
        total["characters_kept"],
        total["output_mb"],
        time.perf_counter() - started,
    )
    return rows
