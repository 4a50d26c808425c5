"""Mixing of several tasks' training records into one multi-task training set.

Strategies:
- concat: every record of every task once, shuffled (the study's choice).
- proportional: task t gets a quota proportional to its size n_t out of N = sum(n),
  which is n_t itself, so the selected records equal concat's. It is temperature
  mixing with T = 1 and is kept so that a manifest names the rule that was applied.
- temperature: quotas proportional to n_t ** (1 / T) out of the same N. Small tasks
  are upsampled (records repeated in whole shuffled passes, then a partial pass)
  and large tasks downsampled (a seeded sample without replacement).
Quotas are rounded by the largest-remainder method, so they always add up to N.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

STRATEGIES = ("concat", "proportional", "temperature")


@dataclass
class MixResult:
    """The mixed, shuffled records with the available and selected count of each task."""

    records: list
    available: dict[str, int]
    selected: dict[str, int]


def largest_remainder_quotas(weights: dict[str, float], total: int) -> dict[str, int]:
    """Split `total` into integers proportional to `weights`, summing exactly to `total`.

    Ties in the remainders go to the task listed first, so the result is deterministic.
    """
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise ValueError("mixing weights must not all be zero")
    exact = {task: total * weight / weight_sum for task, weight in weights.items()}
    quotas = {task: math.floor(value) for task, value in exact.items()}
    left = total - sum(quotas.values())
    order = sorted(weights, key=lambda task: (-(exact[task] - quotas[task]), list(weights).index(task)))
    for task in order[:left]:
        quotas[task] += 1
    return quotas


def sample_records(records: list, quota: int, rng: random.Random) -> list:
    """Draw `quota` records: whole shuffled passes over `records`, then part of one more."""
    chosen = []
    while len(chosen) < quota:
        order = list(records)
        rng.shuffle(order)
        chosen.extend(order[: quota - len(chosen)])
    return chosen


def mix_records(by_task: dict[str, list], strategy: str, temperature: float, seed: int) -> MixResult:
    """Mix the records of several tasks by `strategy` and shuffle them with `seed`."""
    if strategy not in STRATEGIES:
        raise ValueError(f"invalid mixing strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}")
    if temperature <= 0:
        raise ValueError(f"mixing temperature must be positive, got {temperature}")
    available = {task: len(records) for task, records in by_task.items()}
    empty = [task for task, count in available.items() if count == 0]
    if empty:
        raise ValueError(f"task(s) {', '.join(empty)} have no training records to mix")

    rng = random.Random(seed)
    if strategy == "concat":
        quotas = dict(available)
    else:
        power = 1.0 if strategy == "proportional" else 1.0 / temperature
        weights = {task: count**power for task, count in available.items()}
        quotas = largest_remainder_quotas(weights, sum(available.values()))

    mixed = []
    for task, records in by_task.items():
        if quotas[task] == available[task]:
            mixed.extend(records)
        else:
            mixed.extend(sample_records(records, quotas[task], rng))
    rng.shuffle(mixed)
    return MixResult(records=mixed, available=available, selected=quotas)
