"""Snakemake adapter of the build_task rule: import, screen and write one task's records."""

from pathlib import Path

from wenyan_mtl.build import build_task, expand_paths, write_task_build
from wenyan_mtl.logutil import setup_logging

log = setup_logging(snakemake.log[0])  # noqa: F821 (injected by Snakemake)
spec = snakemake.params.spec  # noqa: F821
task = spec["task"]
data_root = Path(spec["data_root"])


def check_rule_input() -> None:
    """Raise when the source globs now expand to other files than the rule input (data_root moved under the rule).

    The rule input also contains the files named by importer options (a CHED label
    file, say), so those are added to the expansion before comparing.
    """
    expected = {str(path) for entry in spec["sources"] for path in expand_paths(entry["paths"], data_root, task)}
    option_files = {
        str(data_root / value)
        for entry in spec["sources"]
        for value in (entry.get("options") or {}).values()
        if isinstance(value, str)
    }
    declared = {str(Path(path)) for path in snakemake.input}  # noqa: F821
    differ = sorted((expected - declared) | (declared - expected - option_files))
    if differ:
        raise RuntimeError(
            f"task {task}: the source globs expand to other files than the rule input ({len(differ)} differ, "
            f"e.g. {differ[:3]}); rerun so that Snakemake recomputes the input"
        )


log.info("build_task %s: %d source entries under %s", task, len(spec["sources"]), data_root)
check_rule_input()
build = build_task(task, spec["sources"], data_root, spec.get("instructions"))
write_task_build(
    build,
    snakemake.output.records,  # noqa: F821
    snakemake.output.quarantine,  # noqa: F821
    snakemake.output.stats,  # noqa: F821
)
log.info(
    "build_task %s: %d items in, %d records, %d quarantined",
    task, build.stats["items_in"], build.stats["records"], build.stats["rejected"],
)
