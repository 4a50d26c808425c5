"""Snakemake adapter of the data_report rule: Table 3 and the cross-task leakage report."""

from wenyan_mtl.datareport import write_data_report
from wenyan_mtl.logutil import setup_logging

log = setup_logging(snakemake.log[0])  # noqa: F821 (injected by Snakemake)
tasks = list(snakemake.params.tasks)  # noqa: F821
log.info("data_report: %d tasks: %s", len(tasks), ", ".join(tasks))
rows, leakage_rows = write_data_report(
    tasks,
    list(snakemake.input.import_stats),  # noqa: F821
    list(snakemake.input.split_stats),  # noqa: F821
    list(snakemake.input.train),  # noqa: F821
    list(snakemake.input.test),  # noqa: F821
    {
        "table": snakemake.output.table,  # noqa: F821
        "markdown": snakemake.output.markdown,  # noqa: F821
        "leakage": snakemake.output.leakage,  # noqa: F821
        "leakage_markdown": snakemake.output.leakage_markdown,  # noqa: F821
    },
)
log.info("data_report: %d tasks, %d leakage cells", len(rows), len(leakage_rows))
