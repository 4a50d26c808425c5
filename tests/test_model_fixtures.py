"""Builders for the model tests: a corpus, records, a tokenizer and a tiny model, all made here."""

from __future__ import annotations

import random
from pathlib import Path

from wenyan_mtl.records import Record, write_jsonl

CHARACTERS = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜金生丽水玉出昆冈剑号巨阙珠称夜光果珍李柰菜重芥姜海咸河淡鳞潜羽翔子曰学而时习之不亦说乎"
MARKS = "，。；"
# Extension B characters, which a tokenizer with a fixed character vocabulary would map to unknown.
RARE = "𠀀𠀁𪚥"

TINY = {
    "vocab_size": 400,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 256,
    "pretrain_epochs": 1,
    "pretrain_learning_rate": 3e-3,
    "pretrain_batch_size": 8,
    "pretrain_block_size": 64,
}


def sentence(rng: random.Random, low: int = 4, high: int = 30) -> str:
    text = "".join(rng.choice(CHARACTERS) for _ in range(rng.randint(low, high)))
    return text + rng.choice(MARKS)


def write_corpus(path: Path, lines: int = 200, seed: int = 0) -> Path:
    rng = random.Random(seed)
    rows = [sentence(rng) + sentence(rng) for _ in range(lines)]
    rows.append("生僻字" + RARE)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def make_records(task: str, count: int, seed: int = 0) -> list[Record]:
    rng = random.Random(f"{task}-{seed}")
    records = []
    for index in range(count):
        text = sentence(rng, 4, 40)
        records.append(
            Record(
                id=f"{task}/{index:04d}",
                task=task,
                instruction=f"请处理下面的古文（{task}）。",
                input=text,
                output=sentence(rng, 2, 20),
                source=f"synthetic.txt:{index + 1}",
            )
        )
    return records


def write_records(path: Path, records) -> Path:
    write_jsonl(path, records)
    return path


def build_tiny_model(root: Path, dtype: str = "fp32") -> tuple[Path, Path]:
    """Train a tokenizer and save an untrained tiny Llama model; return (corpus, model dir)."""
    import torch
    from transformers import LlamaForCausalLM

    from wenyan_mtl.model.tiny import tiny_config
    from wenyan_mtl.model.tokenizer import train_tokenizer

    corpus = write_corpus(root / "corpus.txt")
    tokenizer = train_tokenizer(corpus, TINY["vocab_size"], TINY["max_position_embeddings"])
    torch.manual_seed(0)
    model = LlamaForCausalLM(tiny_config(TINY, tokenizer))
    if dtype == "bf16":
        model = model.to(torch.bfloat16)
    model_dir = root / "base"
    model.save_pretrained(str(model_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(model_dir))
    return corpus, model_dir


def finetune_settings(**overrides) -> dict:
    settings = {
        "cutoff_len": 128,
        "learning_rate": 2e-3,
        "per_device_train_batch_size": 4,
        "gradient_accumulation_steps": 2,
        "lr_scheduler_type": "cosine",
        "warmup_ratio": 0.1,
        "num_train_epochs": 1,
        "max_steps": -1,
        "lora": {"r": 4, "alpha": 8, "dropout": 0.05, "target_modules": "all-linear"},
        "precision": "fp32",
        "mixing": {"strategy": "concat", "temperature": 2.0},
        "packing": True,
        "save_steps": 3,
        "seeds": [42],
    }
    settings.update(overrides)
    return settings
