"""Stability of each main task across its dual-task runs, and the all-task run against the single-task run."""

from __future__ import annotations

import math

import pandas as pd

from .matrices import single_scores

STABILITY_COLUMNS = ["task", "single", "max", "max_source", "min", "min_source", "range", "std"]
TEN_TASK_COLUMNS = ["task", "ten_task", "single", "delta"]


def stability_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Build the stability table: single score, max and min over the row with their sources, range and σ.

    The max and min run over the whole row, the single-task score included. The
    source is the auxiliary task of the dual run that reaches the value, or empty
    when the single-task run reaches it. Among tied dual runs the first in
    catalogue order is named. σ is sqrt(mean((dual − single)²)) over the dual runs
    of the row: the spread around the single-task score, not around the mean of
    the dual scores. A single-task score of 0 needs no special case here, because
    none of these values divides by it.

    Missing (NaN) scores are left out of the max and min, which are NaN when the
    whole row is missing. σ is NaN when the single-task score or any dual score is
    missing, and when the matrix has one task.
    """
    rows = []
    single = single_scores(scores)
    for main in scores.index:
        base = float(single[main])
        duals = [(auxiliary, float(scores.at[main, auxiliary])) for auxiliary in scores.columns if auxiliary != main]
        present = [value for value in [base] + [value for _, value in duals] if math.isfinite(value)]
        top = max(present) if present else math.nan
        bottom = min(present) if present else math.nan
        deviations = [(value - base) ** 2 for _, value in duals]
        complete = deviations and all(math.isfinite(deviation) for deviation in deviations)
        rows.append({
            "task": main,
            "single": base,
            "max": top,
            "max_source": _source(base, duals, top),
            "min": bottom,
            "min_source": _source(base, duals, bottom),
            "range": top - bottom,
            "std": math.sqrt(sum(deviations) / len(deviations)) if complete else math.nan,
        })
    return pd.DataFrame(rows, columns=STABILITY_COLUMNS)


def _source(base: float, duals: list[tuple[str, float]], value: float) -> str:
    if base == value or not math.isfinite(value):
        return ""
    return next(auxiliary for auxiliary, score in duals if score == value)


def ten_task_table(scores: pd.DataFrame, ten_task: pd.Series) -> pd.DataFrame:
    """Compare the all-task run with the single-task run of each task: Δ = ten-task − single.

    Every task of the matrix needs a ten-task score, and the other way round.
    """
    missing = [task for task in scores.index if task not in ten_task.index]
    extra = [task for task in ten_task.index if task not in scores.index]
    if missing or extra:
        raise ValueError(
            f"the ten-task scores must cover the tasks of the score matrix; missing: {missing}, not in the matrix: {extra}"
        )
    single = single_scores(scores)
    rows = [
        {
            "task": task,
            "ten_task": float(ten_task[task]),
            "single": float(single[task]),
            "delta": float(ten_task[task]) - float(single[task]),
        }
        for task in scores.index
    ]
    return pd.DataFrame(rows, columns=TEN_TASK_COLUMNS)
