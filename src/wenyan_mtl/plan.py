"""The run plan: single-task, dual-task and all-task fine-tuning runs, as data."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from .tasks import canonical_order

PAIR_SEPARATOR = "+"
ALL_TASKS_RUN = "all"


@dataclass(frozen=True)
class Run:
    """One fine-tuning run: an id and the tasks whose train splits it trains on."""

    id: str
    kind: str  # single | pair | all
    tasks: tuple[str, ...]


def plan_runs(task_ids) -> list[Run]:
    """Plan T single runs, T(T-1)/2 pair runs and one run on all T tasks.

    Tasks are put in catalogue order first, so the pair `pos+punctuation` is
    always named `punctuation+pos`, whatever order the config lists them in.
    """
    tasks = canonical_order(task_ids)
    if not tasks:
        raise ValueError("the run plan needs at least one task")
    runs = [Run(id=t, kind="single", tasks=(t,)) for t in tasks]
    runs += [Run(id=f"{a}{PAIR_SEPARATOR}{b}", kind="pair", tasks=(a, b)) for a, b in combinations(tasks, 2)]
    runs.append(Run(id=ALL_TASKS_RUN, kind="all", tasks=tuple(tasks)))
    return runs


def runs_by_id(task_ids) -> dict[str, Run]:
    """Index the plan by run id."""
    return {run.id: run for run in plan_runs(task_ids)}


def single_run_id(task: str) -> str:
    """Return the id of the single-task run of `task`."""
    return task


def pair_run_id(main: str, auxiliary: str) -> str:
    """Return the id of the pair run that trains on `main` and `auxiliary`, in either order."""
    a, b = canonical_order([main, auxiliary])
    return f"{a}{PAIR_SEPARATOR}{b}"
