"""Train the embedded model's byte-level BPE tokenizer on the cleaned corpus."""

from wenyan_mtl.logutil import setup_logging

setup_logging(snakemake.log[0])

from wenyan_mtl.model.loading import set_offline  # noqa: E402
from wenyan_mtl.model.tokenizer import build_tokenizer  # noqa: E402

set_offline()
build_tokenizer(
    snakemake.input.corpus,
    snakemake.output[0],
    tiny=snakemake.params.tiny,
    chat_template=snakemake.params.chat_template,
)
