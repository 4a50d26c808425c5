"""Snakemake adapter for rule merge_corpus: concatenate the cleaned sources and write Table 1."""

from wenyan_mtl.corpus.stats import merge_corpus
from wenyan_mtl.logutil import setup_logging

log = setup_logging(snakemake.log[0])  # noqa: F821 (snakemake is injected by the script directive)

merge_corpus(
    text_paths=list(snakemake.input.texts),  # noqa: F821
    stats_paths=list(snakemake.input.stats),  # noqa: F821
    corpus_path=snakemake.output.corpus,  # noqa: F821
    table_path=snakemake.output.table,  # noqa: F821
    markdown_path=snakemake.output.markdown,  # noqa: F821
)
