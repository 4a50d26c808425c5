"""Training data: corpus blocks for (continued) pretraining, encoded records and collators."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..prompting import IGNORE_INDEX, encode_example
from .tokenizer import iter_corpus_lines

log = logging.getLogger("wenyan_mtl.model")


@dataclass
class CorpusBlocks:
    """A corpus cut into equal blocks, with the counts that the manifest reports."""

    blocks: list[list[int]]
    lines: int
    tokens: int
    dropped_tail_tokens: int


def pack_corpus(tokenizer, corpus_path, block_size: int) -> CorpusBlocks:
    """Tokenize every corpus line, join them with EOS and cut the stream into `block_size` blocks.

    Lines run across block boundaries, as in standard causal-LM pretraining. The
    tail shorter than one block is dropped and its token count reported.
    """
    eos = tokenizer.eos_token_id
    if eos is None:
        raise ValueError("the tokenizer has no eos_token; corpus lines need one as separator")
    stream: list[int] = []
    blocks: list[list[int]] = []
    lines = 0
    tokens = 0
    for batch in iter_corpus_lines(corpus_path):
        for ids in tokenizer(batch, add_special_tokens=False)["input_ids"]:
            stream.extend(ids)
            stream.append(eos)
            tokens += len(ids) + 1
        lines += len(batch)
        whole = len(stream) // block_size * block_size
        blocks.extend(stream[start : start + block_size] for start in range(0, whole, block_size))
        del stream[:whole]
    if not blocks:
        raise ValueError(
            f"corpus {corpus_path}: {tokens} tokens do not fill one block of {block_size}; "
            "lower the block size (cutoff_len) or add text"
        )
    log.info("packed %d corpus lines (%d tokens) into %d blocks of %d", lines, tokens, len(blocks), block_size)
    return CorpusBlocks(blocks=blocks, lines=lines, tokens=tokens, dropped_tail_tokens=len(stream))


@dataclass
class EncodedRecords:
    """Tokenized training examples with the token and truncation counts of each task."""

    examples: list[dict]
    supervised_tokens: dict[str, int] = field(default_factory=dict)
    total_tokens: dict[str, int] = field(default_factory=dict)
    truncated_input_records: dict[str, int] = field(default_factory=dict)
    truncated_output_records: dict[str, int] = field(default_factory=dict)
    truncated_output_tokens: dict[str, int] = field(default_factory=dict)


def encode_records(tokenizer, records, cutoff_len: int) -> EncodedRecords:
    """Encode records with loss on the output tokens only (see prompting.encode_example).

    Truncation is counted per task and logged as a warning.
    """
    result = EncodedRecords(examples=[])
    first_cut: dict[str, str] = {}
    for record in records:
        example = encode_example(tokenizer, record, cutoff_len)
        supervised = sum(label != IGNORE_INDEX for label in example.labels)
        task = record.task
        for counter in (
            result.supervised_tokens,
            result.total_tokens,
            result.truncated_input_records,
            result.truncated_output_records,
            result.truncated_output_tokens,
        ):
            counter.setdefault(task, 0)
        result.supervised_tokens[task] += supervised
        result.total_tokens[task] += len(example.input_ids)
        result.truncated_input_records[task] += int(example.truncated_input_chars > 0)
        result.truncated_output_records[task] += int(example.truncated_output_tokens > 0)
        result.truncated_output_tokens[task] += example.truncated_output_tokens
        result.examples.append({"input_ids": example.input_ids, "labels": example.labels})
        if example.truncated_output_tokens and task not in first_cut:
            first_cut[task] = record.id
    for task, count in result.truncated_input_records.items():
        if count:
            log.warning("task %s: %d records had their input shortened to fit cutoff_len %d", task, count, cutoff_len)
    for task, record_id in first_cut.items():
        log.warning(
            "task %s: %d records lost %d output tokens to cutoff_len %d (first: %s); raise cutoff_len to keep them",
            task, result.truncated_output_records[task], result.truncated_output_tokens[task], cutoff_len, record_id,
        )
    return result


class ListDataset:
    """A map-style dataset over a list of feature dicts (what Trainer and its samplers need)."""

    def __init__(self, examples: list[dict]):
        self.examples = examples

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict:
        return self.examples[index]


class PaddingCollator:
    """Right-pad input ids and labels to the longest example of the batch."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict]) -> dict:
        import torch

        longest = max(len(feature["input_ids"]) for feature in features)
        input_ids = torch.full((len(features), longest), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(features), longest), IGNORE_INDEX, dtype=torch.long)
        attention_mask = torch.zeros((len(features), longest), dtype=torch.long)
        for row, feature in enumerate(features):
            length = len(feature["input_ids"])
            input_ids[row, :length] = torch.tensor(feature["input_ids"])
            labels[row, :length] = torch.tensor(feature.get("labels", feature["input_ids"]))
            attention_mask[row, :length] = 1
        return {"input_ids": input_ids, "labels": labels, "attention_mask": attention_mask}


class SupervisedLogitsCollator:
    """Limit the output head to the positions that have a target.

    Only output tokens carry a loss, so the logits of prompt and padding
    positions are never needed. The batch gets `logits_to_keep` (the positions,
    across all rows, whose next token is supervised) and `shift_labels` (the
    targets at those positions), which the causal-LM forward of transformers
    (5.x) passes to its loss. This skips most of the output head's work and
    memory, the largest single layer of a model with a big vocabulary.
    """

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, features: list[dict]) -> dict:
        import torch

        batch = self.inner(features)
        labels = batch["labels"]
        targets = torch.nn.functional.pad(labels[:, 1:], (0, 1), value=IGNORE_INDEX)
        keep = (targets != IGNORE_INDEX).any(dim=0).nonzero().squeeze(1)
        batch["logits_to_keep"] = keep
        batch["shift_labels"] = targets[:, keep].contiguous()
        return batch


def make_collator(tokenizer, packing: bool, supervised_logits_only: bool = True):
    """Return the padding-free flattening collator when packing, else a right-padding one.

    The flattened batch is one row whose position ids restart at 0 for each
    example. With no attention mask and no KV cache, transformers (5.x) turns
    those restarts into a block-diagonal mask, so examples never attend to each
    other; the model must run with use_cache=False for that.
    """
    if packing:
        from transformers import DataCollatorWithFlattening

        # The boundaries (cu_seq_lens_*) let attention.packed_sdpa work per example.
        collator = DataCollatorWithFlattening(separator_id=IGNORE_INDEX, return_flash_attn_kwargs=True)
    else:
        collator = PaddingCollator(tokenizer.pad_token_id)
    return SupervisedLogitsCollator(collator) if supervised_logits_only else collator
