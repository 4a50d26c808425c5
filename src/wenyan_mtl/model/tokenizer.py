"""Training of the embedded model's byte-level BPE tokenizer on the cleaned corpus."""

from __future__ import annotations

import logging
from pathlib import Path

from ..prompting import ensure_chat_template

log = logging.getLogger("wenyan_mtl.model")

BOS_TOKEN = "<s>"
EOS_TOKEN = "</s>"
PAD_TOKEN = "<pad>"
SPECIAL_TOKENS = (PAD_TOKEN, BOS_TOKEN, EOS_TOKEN)


def iter_corpus_lines(path, batch_size: int = 1000):
    """Yield batches of non-blank corpus lines, so a large corpus never sits in memory whole."""
    batch = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                batch.append(line)
            if len(batch) >= batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


def train_tokenizer(corpus_path, vocab_size: int, model_max_length: int, chat_template: str | None = None):
    """Train a byte-level BPE tokenizer on the corpus and wrap it as a PreTrainedTokenizerFast.

    Byte-level BPE starts from all 256 bytes, so every string encodes, rare
    characters such as CJK Extension B included, and no unknown token is needed.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    corpus_path = Path(corpus_path)
    if not corpus_path.is_file() or corpus_path.stat().st_size == 0:
        raise ValueError(f"corpus {corpus_path}: missing or empty; the tokenizer needs text to train on")
    minimum = 256 + len(SPECIAL_TOKENS)
    if vocab_size < minimum:
        raise ValueError(f"model.tiny.vocab_size {vocab_size} is too small: byte-level BPE needs at least {minimum}")

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(iter_corpus_lines(corpus_path), trainer=trainer)

    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=BOS_TOKEN,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        model_max_length=model_max_length,
        padding_side="right",
        clean_up_tokenization_spaces=False,
    )
    ensure_chat_template(wrapped, chat_template)
    log.info("trained a byte-level BPE tokenizer on %s: %d tokens", corpus_path, len(wrapped))
    return wrapped


def build_tokenizer(corpus_path, output_dir, tiny: dict, chat_template: str | None = None) -> None:
    """Train the embedded model's tokenizer and save it to `output_dir`."""
    tokenizer = train_tokenizer(
        corpus_path,
        vocab_size=int(tiny.get("vocab_size", 3000)),
        model_max_length=int(tiny.get("max_position_embeddings", 512)),
        chat_template=chat_template,
    )
    tokenizer.save_pretrained(str(output_dir))
