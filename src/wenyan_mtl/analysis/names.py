"""Task names as they appear in score tables: ids, Chinese display names and the study's short forms."""

from __future__ import annotations

from ..tasks import get_task

# Short names that the study's tables use in place of the catalogue's display names.
TASK_ALIASES = {
    "NER": "ner",
    "历史人物": "historical_figure",
}


def resolve_task(name: str) -> str:
    """Return the task id for an id, a Chinese display name or a short name such as `NER`.

    Whitespace inside the name is ignored, because table headers often break
    long names across lines (`词性 标注`).
    """
    compact = "".join(str(name).split())
    if compact in TASK_ALIASES:
        return TASK_ALIASES[compact]
    if compact.upper() in TASK_ALIASES:
        return TASK_ALIASES[compact.upper()]
    return get_task(compact).id
