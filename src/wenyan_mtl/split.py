"""Deterministic train/dev/test split of one task's records (the split_task rule).

Each record's passage key (`records.passage_key`: the id before `#`) is hashed
with the seed, `sha256(f"{seed}:{key}")`, into a number in [0, 1), and the
ratios cut [0, 1) into train, dev and test intervals. So a record's split
depends only on its passage and the seed: adding or removing other records
never moves it, and all records of one passage share a split.

A cap (`max_train`, `max_dev`, `max_test`) keeps the records with the smallest
hash within that split. A capped record is left out of every split, never moved
to another one, but adding records can push an existing record over the cap.
"""

from __future__ import annotations

import hashlib
import logging
from .records import Record, passage_key, write_json, write_jsonl

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")


def split_fraction(key: str, seed: int) -> float:
    """Map a passage key to a uniform number in [0, 1) from SHA-256 of `seed:key`."""
    digest = hashlib.sha256(f"{seed}:{key}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def split_bounds(ratios) -> tuple[float, float]:
    """Return the upper bounds of the train and dev intervals for ratios (train, dev, test)."""
    if len(ratios) != 3:
        raise ValueError(f"split.ratios must have 3 entries (train, dev, test), got {list(ratios)}")
    if any(r < 0 for r in ratios) or sum(ratios) <= 0:
        raise ValueError(f"split.ratios must be non-negative with a positive sum, got {list(ratios)}")
    total = float(sum(ratios))
    return ratios[0] / total, (ratios[0] + ratios[1]) / total


def assign_split(fraction: float, bounds: tuple[float, float]) -> str:
    if fraction < bounds[0]:
        return "train"
    if fraction < bounds[1]:
        return "dev"
    return "test"


def split_records(
    records: list[Record],
    *,
    ratios=(8, 1, 1),
    seed: int = 13,
    max_train: int | None = None,
    max_dev: int | None = None,
    max_test: int | None = None,
) -> tuple[dict[str, list[Record]], dict]:
    """Split records into train/dev/test (each sorted by id) and return them with statistics."""
    bounds = split_bounds(ratios)
    caps = {"train": max_train, "dev": max_dev, "test": max_test}
    seen_ids: set[str] = set()
    ranked: dict[str, list[tuple[float, str, Record]]] = {name: [] for name in SPLITS}
    for record in records:
        if record.id in seen_ids:
            raise ValueError(f"record id {record.id!r} occurs twice; build_task should have quarantined the copy")
        seen_ids.add(record.id)
        fraction = split_fraction(passage_key(record.id), seed)
        ranked[assign_split(fraction, bounds)].append((fraction, record.id, record))

    splits: dict[str, list[Record]] = {}
    before_cap: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for name in SPLITS:
        entries = sorted(ranked[name], key=lambda entry: (entry[0], entry[1]))
        before_cap[name] = len(entries)
        cap = caps[name]
        if cap is not None:
            entries = entries[:cap]
        dropped[name] = before_cap[name] - len(entries)
        splits[name] = sorted((entry[2] for entry in entries), key=lambda record: record.id)

    counts = {name: len(splits[name]) for name in SPLITS}
    passages = {name: len({passage_key(r.id) for r in splits[name]}) for name in SPLITS}
    stats = {
        "task": records[0].task if records else None,
        "seed": seed,
        "ratios": list(ratios),
        "records_in": len(records),
        "counts": counts,
        "passages": passages,
        "before_cap": before_cap,
        "dropped_by_cap": dropped,
        "caps": caps,
    }
    if sum(counts.values()) + sum(dropped.values()) != len(records):
        raise AssertionError(f"split counts do not add up: {stats}")
    return splits, stats


def check_split_sizes(stats: dict) -> list[str]:
    """Raise ValueError when the train or test split of a task is empty; return warnings otherwise.

    Fine-tuning needs train records and evaluation needs test records, so an
    empty one must stop the workflow here rather than as a failure of a later
    rule. An empty dev split only gets a warning, because no rule reads it.
    """
    task = stats.get("task")
    counts = stats["counts"]
    details = f"{stats['records_in']} records, ratios {stats['ratios']}, split counts {counts}"
    for name in ("train", "test"):
        if counts[name] == 0:
            raise ValueError(
                f"task {task!r}: the {name} split is empty ({details}); "
                "add records to the task or change split.ratios"
            )
    warnings = []
    if counts["dev"] == 0:
        warnings.append(f"task {task!r}: the dev split is empty ({details})")
    return warnings


def write_splits(splits: dict[str, list[Record]], stats: dict, paths: dict[str, str], stats_path) -> None:
    """Write train/dev/test JSON Lines and split_stats.json."""
    for name in SPLITS:
        write_jsonl(paths[name], splits[name])
    write_json(stats_path, stats)
