"""The embedded demo base model: a small Llama pretrained from scratch on the cleaned corpus."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

log = logging.getLogger("wenyan_mtl.model")


def tiny_config(tiny: dict, tokenizer):
    """Build the LlamaConfig of the embedded model from config `model.tiny`."""
    from transformers import LlamaConfig

    heads = int(tiny.get("num_attention_heads", 4))
    kv_heads = int(tiny.get("num_key_value_heads", 2))
    hidden = int(tiny.get("hidden_size", 128))
    if hidden % heads or heads % kv_heads:
        raise ValueError(
            f"model.tiny: hidden_size {hidden} must be divisible by num_attention_heads {heads}, "
            f"and that by num_key_value_heads {kv_heads}"
        )
    return LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=int(tiny.get("intermediate_size", 384)),
        num_hidden_layers=int(tiny.get("num_hidden_layers", 2)),
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        max_position_embeddings=int(tiny.get("max_position_embeddings", 512)),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        use_cache=True,
    )


def pretrain_tiny(corpus_path, tokenizer_dir, output_dir, tiny: dict, seed: int = 0) -> dict:
    """Pretrain the tiny model from scratch on corpus blocks and save it with the tokenizer.

    A plain AdamW loop with linear warm-up and cosine decay: the model only has
    to be a plausible starting point for CPT, so no checkpointing is needed.
    """
    import torch
    from transformers import LlamaForCausalLM, get_cosine_schedule_with_warmup, set_seed
    from tqdm import tqdm

    from .data import pack_corpus
    from .loading import load_tokenizer

    set_seed(seed)
    tokenizer = load_tokenizer(tokenizer_dir)
    config = tiny_config(tiny, tokenizer)
    block_size = min(int(tiny.get("pretrain_block_size", 128)), config.max_position_embeddings)
    corpus = pack_corpus(tokenizer, corpus_path, block_size)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = LlamaForCausalLM(config).to(device)
    model.train()

    batch_size = int(tiny.get("pretrain_batch_size", 16))
    blocks = torch.tensor(corpus.blocks, dtype=torch.long)
    steps_per_epoch = math.ceil(len(blocks) / batch_size)
    total_steps = max(1, math.ceil(steps_per_epoch * float(tiny.get("pretrain_epochs", 1))))
    optimizer = torch.optim.AdamW(model.parameters(), lr=float(tiny.get("pretrain_learning_rate", 3e-3)))
    scheduler = get_cosine_schedule_with_warmup(optimizer, max(1, total_steps // 10), total_steps)
    generator = torch.Generator().manual_seed(seed)

    started = time.time()
    order = torch.randperm(len(blocks), generator=generator)
    position = 0
    loss_value = float("nan")
    for step in tqdm(range(total_steps), desc="pretrain tiny", mininterval=5):
        if position >= len(order):
            order = torch.randperm(len(blocks), generator=generator)
            position = 0
        batch = blocks[order[position : position + batch_size]].to(device)
        position += batch_size
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        loss_value = loss.item()
        if step % 50 == 0:
            log.info("pretrain step %d/%d: loss %.4f", step + 1, total_steps, loss_value)

    output_dir = Path(output_dir)
    model.cpu().save_pretrained(str(output_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(output_dir))
    summary = {
        "parameters": model.num_parameters(),
        "blocks": len(blocks),
        "steps": total_steps,
        "final_loss": loss_value,
        "seconds": time.time() - started,
    }
    log.info("pretrained the tiny model (%.2fM parameters): %s", summary["parameters"] / 1e6, summary)
    return summary
