"""Fine-tuning throughput: the project's training path against a naive padded baseline.

Both variants train the same tiny Llama model (the demo's `model.tiny` sizes)
with LoRA on the same synthetic records, whose input and output lengths follow
a log-normal distribution with a long tail, as task data does. Throughput is
real (non-padding) tokens per second of `Trainer.train`, so padding counts as
waste.

- baseline: HF Trainer, random batches padded to their longest example, no packing.
- project: the fine-tuning job's path (wenyan_mtl.model): padding-free packing
  of each batch into one row, attention per packed example (attention.py) and
  output-head logits only where a target exists (data.SupervisedLogitsCollator).

Usage: .venv/bin/python benchmarks/finetune_throughput.py [--records 400] [--steps 30] [--threads N]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wenyan_mtl.records import Record  # noqa: E402

CHARACTERS = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜金生丽水玉出昆冈"


def synthetic_text(rng: random.Random, median: int, sigma: float, cap: int) -> str:
    length = max(2, min(cap, int(rng.lognormvariate(math.log(median), sigma))))
    return "".join(rng.choice(CHARACTERS) for _ in range(length))


def synthetic_records(count: int, seed: int) -> list[Record]:
    rng = random.Random(seed)
    records = []
    for index in range(count):
        records.append(
            Record(
                id=f"bench/{index}",
                task="translation",
                instruction="请把下面的文言文翻译成现代汉语。",
                input=synthetic_text(rng, 60, 0.9, 700),
                output=synthetic_text(rng, 50, 0.9, 500),
                source=f"synthetic:{index}",
            )
        )
    return records


def build_model_dir(root: Path, records: list[Record]) -> Path:
    import torch
    from transformers import LlamaForCausalLM

    from wenyan_mtl.model.tiny import tiny_config
    from wenyan_mtl.model.tokenizer import train_tokenizer

    tiny = {
        "vocab_size": 3000,
        "hidden_size": 128,
        "intermediate_size": 384,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 2048,
    }
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(record.input + record.output for record in records), encoding="utf-8")
    tokenizer = train_tokenizer(corpus, tiny["vocab_size"], tiny["max_position_embeddings"])
    torch.manual_seed(0)
    model = LlamaForCausalLM(tiny_config(tiny, tokenizer))
    model.save_pretrained(str(root / "model"), safe_serialization=True)
    tokenizer.save_pretrained(str(root / "model"))
    return root / "model"


def measure(model_dir: Path, examples: list[dict], packing: bool, steps: int, batch_size: int, workdir: Path) -> dict:
    """Train `steps` optimizer steps and return real tokens per second."""
    from transformers import Trainer, TrainingArguments

    from wenyan_mtl.model.attention import register_packed_attention
    from wenyan_mtl.model.data import ListDataset, PaddingCollator, make_collator
    from wenyan_mtl.model.loading import load_causal_lm, load_tokenizer
    from wenyan_mtl.model.lora import wrap_with_lora

    tokenizer = load_tokenizer(model_dir)
    model = load_causal_lm(model_dir, dtype="auto")
    model.config.use_cache = False
    if packing:
        model.set_attn_implementation(register_packed_attention())
    model = wrap_with_lora(model, {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": "all-linear"})
    args = TrainingArguments(
        output_dir=str(workdir),
        per_device_train_batch_size=batch_size,
        gradient_accumulation_steps=1,
        learning_rate=1e-4,
        max_steps=steps,
        logging_steps=steps,
        save_strategy="no",
        report_to="none",
        remove_unused_columns=False,
        include_num_input_tokens_seen="all" if packing else "non_padding",
        use_cpu=True,
        seed=42,
        disable_tqdm=True,
    )
    collator = make_collator(tokenizer, packing=True) if packing else PaddingCollator(tokenizer.pad_token_id)
    trainer = Trainer(model=model, args=args, train_dataset=ListDataset(examples), data_collator=collator)
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    tokens = trainer.state.num_input_tokens_seen
    return {"tokens": tokens, "seconds": seconds, "tokens_per_second": tokens / seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=400, help="synthetic records to draw batches from")
    parser.add_argument("--steps", type=int, default=30, help="optimizer steps per variant")
    parser.add_argument("--batch-size", type=int, default=8, help="examples per batch (the study uses 8)")
    parser.add_argument("--cutoff-len", type=int, default=1024, help="maximum tokens per example (the study uses 1024)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()

    import torch

    from wenyan_mtl.model.data import encode_records
    from wenyan_mtl.model.loading import load_tokenizer, set_offline

    set_offline()
    if args.threads:
        torch.set_num_threads(args.threads)
    records = synthetic_records(args.records, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model_dir = build_model_dir(root, records)
        examples = encode_records(load_tokenizer(model_dir), records, args.cutoff_len).examples
        lengths = sorted(len(example["input_ids"]) for example in examples)
        baseline = measure(model_dir, examples, False, args.steps, args.batch_size, root / "baseline")
        project = measure(model_dir, examples, True, args.steps, args.batch_size, root / "project")

    print(f"command: {' '.join([sys.executable] + sys.argv)}")
    print(f"machine: {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(
        f"data: {len(examples)} records, tokens per example median {lengths[len(lengths) // 2]}, "
        f"max {lengths[-1]}; batch {args.batch_size}, {args.steps} steps per variant"
    )
    for name, result in (("baseline (padded, random batches)", baseline), ("project (packed, padding-free)", project)):
        print(f"{name}: {result['tokens']} tokens in {result['seconds']:.2f} s = {result['tokens_per_second']:.0f} tokens/s")
    print(f"speed-up: {project['tokens_per_second'] / baseline['tokens_per_second']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
