"""Attention for padding-free packed batches that costs no more than separate examples.

Stock sdpa attends over a packed row with a block-diagonal mask of size
(total tokens)^2, so packing eight examples costs up to eight times the
attention of running them one by one. `packed_sdpa` instead runs causal sdpa
on each example's slice of the row, using the boundaries (`cu_seq_lens_q`) that
DataCollatorWithFlattening(return_flash_attn_kwargs=True) adds to the batch;
no mask is ever built. It is registered with transformers' attention and mask
interfaces (5.x) under the name PACKED_SDPA.
"""

from __future__ import annotations

PACKED_SDPA = "wenyan_packed_sdpa"


def segment_bounds(kwargs, length: int) -> list[int]:
    """Return example boundaries in the packed row: cu_seq_lens_q, else whole-row causal."""
    bounds = kwargs.get("cu_seq_lens_q")
    if bounds is None:
        return [0, length]
    return [int(value) for value in bounds.tolist()]


def packed_sdpa_attention(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None, **kwargs):
    """Causal attention per packed example; query/key/value are (batch, heads, tokens, head_dim)."""
    import torch

    if attention_mask is not None:
        raise ValueError(f"{PACKED_SDPA} serves padding-free packed batches only, but got an attention mask")
    if query.shape[0] != 1:
        raise ValueError(f"{PACKED_SDPA} expects one packed row per batch, got {query.shape[0]}")
    bounds = segment_bounds(kwargs, query.shape[2])
    dropout_p = dropout if module.training else 0.0
    gqa = key.shape[1] != query.shape[1]
    pieces = []
    for start, end in zip(bounds[:-1], bounds[1:]):
        pieces.append(
            torch.nn.functional.scaled_dot_product_attention(
                query[:, :, start:end],
                key[:, :, start:end],
                value[:, :, start:end],
                dropout_p=dropout_p,
                scale=scaling,
                is_causal=True,
                enable_gqa=gqa,
            )
        )
    output = torch.cat(pieces, dim=2)
    return output.transpose(1, 2).contiguous(), None


def no_mask(*args, **kwargs):
    """Mask builder for PACKED_SDPA: the attention needs only the example boundaries."""
    return None


def register_packed_attention() -> str:
    """Register PACKED_SDPA with transformers (idempotent) and return its name."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface

    AttentionInterface.register(PACKED_SDPA, packed_sdpa_attention)
    AttentionMaskInterface.register(PACKED_SDPA, no_mask)
    return PACKED_SDPA
