"""BERTScore F1 (bert-score library) with a configurable encoder, loaded once per job.

The encoder is a hub name (for users with hub access) or a local model
directory, such as the workflow's merged CPT model. Empty predictions score 0
without going through the encoder, and texts longer than the encoder's maximum
length are counted, because bert-score truncates them without a warning.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import torch
from bert_score import BERTScorer
from bert_score.utils import model2layers
from transformers import AutoConfig

from .common import package_version

METRIC = "bertscore_f1"
log = logging.getLogger(__name__)

# Tokenizers without a configured limit report a huge sentinel; anything above
# this is treated as "no limit" and replaced by the model's position limit.
_NO_LIMIT = 10**8


def default_num_layers(model: str, config) -> int:
    """Pick the representation layer: bert-score's tuned layer for models it lists, else 2/3 of the depth.

    NOTE: 2/3 of the depth is a heuristic taken from bert-score's tuned layer for
    bert-base-chinese (8 of 12); it was not tuned for decoder-only encoders.
    """
    if model in model2layers:
        return model2layers[model]
    depth = int(getattr(config, "num_hidden_layers", 0) or 0)
    if depth < 1:
        raise ValueError(f"BERTScore encoder {model!r}: config has no num_hidden_layers; set evaluation.bertscore.num_layers")
    return max(1, round(depth * 2 / 3))


TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt")


def _looks_like_path(model: str) -> bool:
    # A hub name is "name" or "owner/name"; anything else with a separator is meant as a local path.
    return model.startswith((".", "~", "/")) or model.count("/") > 1 or "\\" in model


def _check_safetensors(model: str) -> None:
    # NOTE: only a local directory is checked; for a hub name, bert-score's
    # AutoModel.from_pretrained picks the weight format the hub repository offers.
    path = Path(model)
    if not path.is_dir():
        if _looks_like_path(model):
            raise FileNotFoundError(f"BERTScore encoder directory {model!r} not found (evaluation.bertscore.model)")
        return
    if not any(path.glob("*.safetensors")):
        raise ValueError(f"BERTScore encoder directory {model!r} has no *.safetensors weights; only safetensors are loaded")
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise ValueError(
            f"BERTScore encoder directory {model!r} has no tokenizer (none of {', '.join(TOKENIZER_FILES)}); "
            "save the tokenizer into the same directory"
        )


def frame_like_bert(tokenizer, model: str) -> None:
    """Make a decoder tokenizer frame every text as [CLS] text [SEP], as bert-score assumes.

    bert-score gives zero weight to the CLS and SEP token ids and treats a text of
    exactly two tokens as empty. A decoder tokenizer that adds only a BOS token
    would therefore weight BOS like a word and score every one-token text (a
    single character in the reverse dictionary) as empty. Here BOS plays CLS and
    EOS plays SEP, and the tokenizer adds both.
    """
    if tokenizer.cls_token_id is not None and tokenizer.sep_token_id is not None:
        return
    if tokenizer.bos_token is None or tokenizer.eos_token is None:
        raise ValueError(
            f"BERTScore encoder {model!r}: the tokenizer has no CLS/SEP tokens and no BOS/EOS pair to stand in for them"
        )
    from tokenizers.processors import TemplateProcessing

    bos, eos = tokenizer.bos_token, tokenizer.eos_token
    tokenizer.backend_tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} $B:1 {eos}:1",
        special_tokens=[(bos, tokenizer.bos_token_id), (eos, tokenizer.eos_token_id)],
    )
    tokenizer.cls_token = bos
    tokenizer.sep_token = eos
    probe = tokenizer.encode("文", add_special_tokens=True)
    if probe[0] != tokenizer.bos_token_id or probe[-1] != tokenizer.eos_token_id or len(probe) < 3:
        raise ValueError(f"BERTScore encoder {model!r}: could not make the tokenizer add BOS and EOS (got {probe})")


class BertScoreEncoder:
    """One loaded BERTScore encoder: the model, its fixed-up tokenizer and the scorer."""

    def __init__(self, model: str, num_layers: int | None = None, batch_size: int = 32,
                 device: str | None = None, label: str | None = None):
        if not model:
            raise ValueError("BERTScore encoder: no model given (evaluation.bertscore.model or the CPT model directory)")
        if not os.path.isdir(model):
            log.info("BERTScore encoder %r is not a local directory; loading it as a hub name", model)
        _check_safetensors(model)
        config = AutoConfig.from_pretrained(model, trust_remote_code=False)
        self.model_name = model
        self.label = label or model
        self.num_layers = num_layers or default_num_layers(model, config)
        self.batch_size = batch_size
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        log.info("loading BERTScore encoder %s (layer %d) on %s", self.label, self.num_layers, device)
        self.scorer = BERTScorer(
            model_type=model, num_layers=self.num_layers, batch_size=batch_size, device=device,
            use_fast_tokenizer=True,
        )
        # NOTE: BERTScorer exposes its tokenizer only as the private `_tokenizer`;
        # it is fixed up in place because bert-score reads it on every call.
        tokenizer = self.scorer._tokenizer
        position_limit = getattr(config, "max_position_embeddings", None)
        limit = tokenizer.model_max_length if tokenizer.model_max_length and tokenizer.model_max_length < _NO_LIMIT else None
        if position_limit:
            limit = min(limit, position_limit) if limit else position_limit
        if not limit:
            raise ValueError(f"BERTScore encoder {model!r}: neither the tokenizer nor the config gives a maximum length")
        tokenizer.model_max_length = int(limit)
        if tokenizer.pad_token is None:
            if tokenizer.eos_token is None:
                raise ValueError(f"BERTScore encoder {model!r}: the tokenizer has neither a pad nor an eos token")
            tokenizer.pad_token = tokenizer.eos_token
        frame_like_bert(tokenizer, model)
        self.tokenizer = tokenizer
        self.max_length = int(limit)

    def signature(self) -> str:
        return (
            f"{METRIC}|model:{self.label}|layer:{self.num_layers}|idf:no|rescale:no|max-len:{self.max_length}"
            f"|bert-score:{package_version('bert-score')}|transformers:{package_version('transformers')}"
        )

    def count_over_length(self, texts) -> int:
        """Count texts whose token count exceeds the encoder's maximum length (bert-score cuts them)."""
        return sum(
            1 for text in texts
            if len(self.tokenizer.encode(text.strip(), add_special_tokens=True)) > self.max_length
        )

    def score(self, references: list[str], predictions: list[str]) -> tuple[list[float], dict]:
        """Return per-item BERTScore F1 on a 0-100 scale and counts for the report.

        An empty prediction scores 0, and so does a non-empty prediction against an
        empty reference, since bert-score has no tokens to match there.

        """
        scores = [0.0] * len(predictions)
        scored = [i for i, (ref, pred) in enumerate(zip(references, predictions)) if ref.strip() and pred.strip()]
        counts = {
            "empty_references": sum(1 for ref in references if not ref.strip()),
            "predictions_over_max_length": self.count_over_length([predictions[i] for i in scored]),
            "references_over_max_length": self.count_over_length([references[i] for i in scored]),
            "max_length": self.max_length,
        }
        if scored:
            _, _, f1 = self.scorer.score(
                [predictions[i] for i in scored], [references[i] for i in scored], batch_size=self.batch_size,
            )
            for i, value in zip(scored, f1.tolist()):
                scores[i] = 100.0 * float(value)
        return scores, counts
