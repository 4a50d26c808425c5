"""Loading of local models and tokenizers: no remote code, safetensors only, never the hub."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger("wenyan_mtl.model")

PRECISIONS = ("auto", "bf16", "fp16", "fp32")


def set_offline() -> None:
    """Forbid hub access for this process and its children, so nothing is downloaded."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_precision(precision: str) -> str:
    """Map `auto` to bf16 on a GPU that supports it, else fp32; check explicit choices."""
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"invalid precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
    has_cuda = torch.cuda.is_available()
    if precision == "auto":
        return "bf16" if has_cuda and torch.cuda.is_bf16_supported() else "fp32"
    if precision == "fp16" and not has_cuda:
        raise ValueError("precision fp16 needs a CUDA GPU; use fp32 or auto on a CPU")
    return precision


def torch_dtype(precision: str):
    """Return the torch dtype of a resolved precision name."""
    import torch

    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[precision]


def check_model_dir(path, weights: bool = True) -> None:
    """Reject a model directory that is missing, needs custom code or has no safetensors weights.

    transformers reads a missing local path as a hub repository id and fails with
    a hub error, reports pickle-only weights as a missing model.safetensors, and
    with trust_remote_code off loads the stock class for a config that requests
    custom code (auto_map), which can be a different model. These checks name the
    directory and the fix instead.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"model directory {root} not found; expected a local Hugging Face model directory")
    config_path = root / "config.json"
    if weights and not config_path.is_file():
        raise FileNotFoundError(f"model directory {root}: config.json not found")
    if config_path.is_file():
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{config_path}: invalid JSON: {error.msg} at line {error.lineno}") from None
        if isinstance(config, dict) and config.get("auto_map"):
            raise ValueError(
                f"{config_path}: field 'auto_map' asks for custom model code, which is never run "
                "(trust_remote_code is off); use a model that transformers supports natively"
            )
    if weights and not any(root.glob("*.safetensors")):
        found = sorted(path.name for path in root.glob("*.bin")) + sorted(path.name for path in root.glob("*.pt"))
        raise ValueError(
            f"model directory {root} has no *.safetensors weights"
            + (f" (found {', '.join(found)})" if found else "")
            + "; only safetensors are loaded, so convert the weights with save_pretrained(safe_serialization=True)"
        )


def load_tokenizer(path, chat_template: str | None = None):
    """Load a local tokenizer and make sure it has a chat template and a pad token."""
    from transformers import AutoTokenizer

    from ..prompting import ensure_chat_template

    check_model_dir(path, weights=False)
    tokenizer = AutoTokenizer.from_pretrained(str(path), trust_remote_code=False, local_files_only=True)
    ensure_chat_template(tokenizer, chat_template)
    if tokenizer.pad_token_id is None:
        if tokenizer.eos_token_id is None:
            raise ValueError(f"tokenizer in {path}: it has neither a pad token nor an eos token")
        # Padding positions never reach the loss (labels are -100 there), so EOS can serve as pad.
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(path, dtype=None, attn_implementation: str = "sdpa"):
    """Load a local causal LM from safetensors weights, never running remote code."""
    from transformers import AutoModelForCausalLM

    check_model_dir(path)
    model = AutoModelForCausalLM.from_pretrained(
        str(path),
        trust_remote_code=False,
        use_safetensors=True,
        local_files_only=True,
        dtype=dtype if dtype is not None else "auto",
        attn_implementation=attn_implementation,
    )
    log.info("loaded model %s (%s, %.1fM parameters)", path, model.dtype, model.num_parameters() / 1e6)
    return model
