"""Snakemake adapter for rule clean_corpus: clean one corpus source."""

from wenyan_mtl.corpus.sources import clean_source
from wenyan_mtl.logutil import setup_logging

log = setup_logging(snakemake.log[0])  # noqa: F821 (snakemake is injected by the script directive)

source = snakemake.params.source  # noqa: F821
clean_source(
    name=source["name"],
    fmt=source["format"],
    files=list(snakemake.input),  # noqa: F821
    data_root=snakemake.params.data_root,  # noqa: F821
    text_path=snakemake.output.text,  # noqa: F821
    stats_path=snakemake.output.stats,  # noqa: F821
    quarantine_path=snakemake.output.quarantine,  # noqa: F821
    opencc=snakemake.params.opencc,  # noqa: F821
)
