"""The task catalogue: ids, Chinese display names, task types and metrics."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

TASK_TYPES = ("basic", "translation", "generation")


@dataclass(frozen=True)
class TaskSpec:
    """One task of the catalogue."""

    id: str
    name_zh: str
    type: str
    metric: str
    max_new_tokens: int
    instructions: tuple[str, ...]


@lru_cache(maxsize=1)
def load_catalog() -> dict[str, TaskSpec]:
    """Load the built-in catalogue, in its canonical task order."""
    text = resources.files("wenyan_mtl").joinpath("resources/task_catalog.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    catalog = {}
    for task_id, entry in raw.items():
        if entry["type"] not in TASK_TYPES:
            raise ValueError(f"task catalogue: task {task_id!r} has invalid type {entry['type']!r}")
        catalog[task_id] = TaskSpec(
            id=task_id,
            name_zh=entry["name_zh"],
            type=entry["type"],
            metric=entry["metric"],
            max_new_tokens=int(entry["max_new_tokens"]),
            instructions=tuple(entry["instructions"]),
        )
    return catalog


TASK_IDS: tuple[str, ...] = tuple(load_catalog())


def get_task(task_id: str) -> TaskSpec:
    """Return the spec of `task_id`, accepting the Chinese display name too."""
    catalog = load_catalog()
    if task_id in catalog:
        return catalog[task_id]
    for spec in catalog.values():
        if spec.name_zh == task_id:
            return spec
    known = ", ".join(f"{t} ({s.name_zh})" for t, s in catalog.items())
    raise KeyError(f"unknown task {task_id!r}; known tasks: {known}")


def canonical_order(task_ids) -> list[str]:
    """Sort task ids in catalogue order, so pair and table layouts never depend on config order."""
    ids = [get_task(t).id for t in task_ids]
    return sorted(set(ids), key=TASK_IDS.index)


def display_name(task_id: str) -> str:
    """Return the Chinese display name of a task, for tables and plots."""
    return get_task(task_id).name_zh


def pick_instruction(instructions, record_id: str) -> str:
    """Choose one instruction paraphrase deterministically from the record id."""
    if not instructions:
        raise ValueError("no instruction templates configured")
    digest = hashlib.sha256(record_id.encode("utf-8")).digest()
    return instructions[int.from_bytes(digest[:8], "big") % len(instructions)]
