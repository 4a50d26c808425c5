"""Score and gain-rate matrices, and the CSV files they are read from and written to.

A matrix is a pandas DataFrame indexed by main task (rows) and auxiliary task
(columns), both as task ids in catalogue order. In a score matrix the diagonal
cell (a, a) is the single-task score of a, and cell (a, b) is the score of a after
training on a and b together. CSV files have the header `task,<task…>` and one row
per main task.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..records import InputError
from ..tasks import canonical_order
from .names import resolve_task

CSV_FLOAT_FORMAT = "%.10g"


def _resolve(name: str, path, line: int, field: str) -> str:
    try:
        return resolve_task(name)
    except KeyError as error:
        raise InputError(path, line, field, str(error.args[0])) from None


def _parse_number(text: str, path, line: int, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, line, field, f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise InputError(path, line, field, f"expected a finite number, got {text!r}")
    return value


def read_score_matrix(path) -> pd.DataFrame:
    """Read a square score matrix CSV; every cell, the diagonal included, must be a number.

    Rows and columns may name tasks by id, Chinese display name or the study's
    short names; they must list the same tasks, each once.
    """
    path = Path(path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or len(rows[0]) < 2:
        raise InputError(path, 1, None, "expected a header `task,<task ids…>`")
    header = rows[0]
    columns = [_resolve(name, path, 1, f"column {index}") for index, name in enumerate(header[1:], start=2)]
    if len(set(columns)) != len(columns):
        raise InputError(path, 1, None, f"a task appears twice among the columns: {header[1:]}")

    values: dict[str, dict[str, float]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(path, line, None, f"expected {len(header)} cells, got {len(row)}")
        main = _resolve(row[0], path, line, header[0])
        if main in values:
            raise InputError(path, line, header[0], f"task {main!r} has a second row")
        values[main] = {
            auxiliary: _parse_number(cell.strip(), path, line, header[index])
            for index, (auxiliary, cell) in enumerate(zip(columns, row[1:]), start=1)
        }
    if set(values) != set(columns):
        raise InputError(
            path, None, None,
            f"rows and columns must list the same tasks; rows: {sorted(values)}, columns: {sorted(columns)}",
        )
    order = canonical_order(columns)
    return pd.DataFrame(values).T.loc[order, order]


def read_task_scores(path, value_column: str = "score") -> pd.Series:
    """Read a `task,score` CSV (the ten-task row, say) into a Series indexed by task id."""
    path = Path(path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "task" not in reader.fieldnames or value_column not in reader.fieldnames:
            raise InputError(path, 1, None, f"expected a header with the columns `task` and `{value_column}`")
        scores: dict[str, float] = {}
        for line, row in enumerate(reader, start=2):
            task = _resolve(row["task"], path, line, "task")
            if task in scores:
                raise InputError(path, line, "task", f"task {task!r} has a second row")
            scores[task] = _parse_number((row[value_column] or "").strip(), path, line, value_column)
    order = canonical_order(scores)
    return pd.Series(scores).loc[order]


def single_scores(scores: pd.DataFrame) -> pd.Series:
    """Return the diagonal of a score matrix: the single-task scores."""
    return pd.Series(np.diag(scores.to_numpy()), index=scores.index)


def undefined_gain_tasks(scores: pd.DataFrame) -> list[str]:
    """List the tasks whose single-task score is 0 or missing (NaN), in matrix order.

    Their gain rates divide by that score, so every gain in their row is undefined.
    """
    single = single_scores(scores)
    return [task for task in single.index if not math.isfinite(single[task]) or single[task] == 0]


def gain_matrix(scores: pd.DataFrame) -> pd.DataFrame:
    """Compute gain rates in percent, (dual − single) / single × 100, with an empty (NaN) diagonal.

    A row whose single-task score is 0 or missing is NaN throughout (undefined
    gains, see `undefined_gain_tasks`), and so is a cell whose dual score is missing.
    """
    single = single_scores(scores)
    defined = single.where(~single.index.isin(undefined_gain_tasks(scores)))
    gains = scores.sub(defined, axis=0).div(defined, axis=0) * 100.0
    values = gains.to_numpy(dtype=float, copy=True)
    np.fill_diagonal(values, np.nan)
    return pd.DataFrame(values, index=scores.index, columns=scores.columns)


def off_diagonal(matrix: pd.DataFrame) -> list[tuple[str, str, float]]:
    """List (main, auxiliary, value) for every off-diagonal cell, in row-major catalogue order.

    In a gain matrix a NaN value here is an undefined gain, never the diagonal.
    """
    return [
        (main, auxiliary, float(matrix.at[main, auxiliary]))
        for main in matrix.index
        for auxiliary in matrix.columns
        if main != auxiliary
    ]


def write_matrix_csv(matrix: pd.DataFrame, path) -> None:
    """Write a matrix as `task,<task ids…>`; NaN cells (the gain diagonal and undefined gains) are left empty."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = matrix.copy()
    frame.index.name = "task"
    frame.to_csv(path, float_format=CSV_FLOAT_FORMAT, na_rep="")
