"""Importers: one module per source format, loaded by format name.

Each module `wenyan_mtl.importers.<format>` exposes

    import_files(paths: list[Path], *, task: str, data_root: Path, options: dict) -> ImportResult

and returns kept records (instruction "" unless the format carries its own, as
alpaca does) and rejected items, with `items_in` counting every input item, so
that items_in == kept + rejected. The format names are those of the config
schema (`task_sources.<task>[].format`). `OPTIONS` lists the options each format
reads; any other option key, or a value of the wrong type, raises ValueError,
so that a misspelt option does not silently turn a check off.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable

from ..records import ImportResult

FORMATS = (
    "classical_modern_source",
    "classical_modern_bitext",
    "evahan",
    "guner",
    "ched",
    "poetry_source_annotation",
    "poetry_source_appreciation",
    "mapull_characters",
    "idiom_csv",
    "gushiwen_writer",
    "gushiwen_guwen",
    "chinese_poetry",
    "alpaca",
)

# Option name -> (check, expected type in words) per format; formats not listed take no option.
OPTIONS = {
    "ched": {"labels": (lambda value: isinstance(value, str) and bool(value), "a path under data_root")},
    "guner": {
        "types": (
            lambda value: isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value),
            "a non-empty list of entity type names",
        )
    },
}

Importer = Callable[..., ImportResult]


def get_importer(format_name: str) -> Importer:
    """Load the `import_files` function of a format; an unknown format raises ValueError."""
    if format_name not in FORMATS:
        raise ValueError(f"unknown source format {format_name!r}; supported formats: {', '.join(FORMATS)}")
    module = importlib.import_module(f"{__name__}.{format_name}")
    return module.import_files


def check_options(format_name: str, options: dict) -> None:
    """Raise ValueError for an option that `format_name` does not read or a value of the wrong type."""
    known = OPTIONS.get(format_name, {})
    for name, value in options.items():
        if name not in known:
            accepted = ", ".join(sorted(known)) or "none"
            raise ValueError(
                f"format {format_name!r}: unknown option {name!r} under options; options of this format: {accepted}"
            )
        check, expected = known[name]
        if not check(value):
            raise ValueError(f"format {format_name!r}: option {name!r} must be {expected}, got {value!r}")


def import_source(
    format_name: str, paths: list[Path], *, task: str, data_root: Path, options: dict | None = None
) -> ImportResult:
    """Run the importer of `format_name` on `paths` and check that its counts add up."""
    importer = get_importer(format_name)
    check_options(format_name, options or {})
    result = importer([Path(p) for p in paths], task=task, data_root=Path(data_root), options=dict(options or {}))
    result.check_balance()
    return result
