"""Snakemake adapter of the split_task rule: deterministic train/dev/test split of one task."""

from wenyan_mtl.logutil import setup_logging
from wenyan_mtl.records import read_records
from wenyan_mtl.split import check_split_sizes, split_records, write_splits

log = setup_logging(snakemake.log[0])  # noqa: F821 (injected by Snakemake)
settings = snakemake.params.split  # noqa: F821
task = snakemake.wildcards.task  # noqa: F821

records = read_records(snakemake.input.records)  # noqa: F821
splits, stats = split_records(
    records,
    ratios=settings.get("ratios", [8, 1, 1]),
    seed=settings.get("seed", 13),
    max_train=settings.get("max_train"),
    max_dev=settings.get("max_dev"),
    max_test=settings.get("max_test"),
)
stats["task"] = task
warnings = check_split_sizes(stats)
for warning in warnings:
    log.warning("split_task %s: %s", task, warning)
write_splits(
    splits,
    stats,
    {name: getattr(snakemake.output, name) for name in ("train", "dev", "test")},  # noqa: F821
    snakemake.output.stats,  # noqa: F821
)
log.info("split_task %s: %s (dropped by caps: %s)", task, stats["counts"], stats["dropped_by_cap"])
