"""Pretrain the embedded tiny Llama model from scratch on the cleaned corpus."""

from wenyan_mtl.logutil import setup_logging

setup_logging(snakemake.log[0])

from wenyan_mtl.model.loading import set_offline  # noqa: E402
from wenyan_mtl.model.tiny import pretrain_tiny  # noqa: E402

set_offline()
pretrain_tiny(snakemake.input.corpus, snakemake.input.tokenizer, snakemake.output[0], tiny=snakemake.params.tiny)
