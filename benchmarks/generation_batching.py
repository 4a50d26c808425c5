"""Benchmark greedy decoding one prompt at a time against length-sorted batches.

Both modes run the code path of rule `predict` (`wenyan_mtl.inference.generate_batch`)
on the same prompts and must produce the same tokens. By default the model is a
randomly initialised Llama of the demo's shape (vocab 3000, hidden 128, 2 layers)
in fp32. The prompts are then token ids of variable length, drawn from a
log-normal distribution (median about 60 tokens, clipped to 16-400) that
resembles rendered Classical Chinese passages. With --model and --records the benchmark uses
a real model directory and the prompts of a records file instead.

Besides the two headline modes it measures batches formed in random order (the
cost of padding without length sorting), several batch sizes, and a LoRA adapter
applied unmerged and merged into the weights.

    .venv/bin/python benchmarks/generation_batching.py --items 96 --max-new-tokens 64
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import sys
import time

import torch

from wenyan_mtl.inference import generate_batch, length_sorted_batches


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=96, help="number of prompts (default 96)")
    parser.add_argument("--batch-size", type=int, default=16, help="batch size of the batched mode (default 16)")
    parser.add_argument("--sweep", type=int, nargs="*", default=[4, 8, 32, 64],
                        help="further batch sizes to time, batched mode only (default 4 8 32 64)")
    parser.add_argument("--max-new-tokens", type=int, default=64, help="generation budget per prompt (default 64)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice, usually the number of cores)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random model and prompt lengths")
    parser.add_argument("--model", default=None, help="a local model directory instead of the random demo-shaped model")
    parser.add_argument("--records", default=None, help="a records JSONL file whose prompts to decode (needs --model)")
    parser.add_argument("--skip-lora", action="store_true", help="skip the unmerged versus merged LoRA comparison")
    parser.add_argument("--json-out", default=None, help="also write the measurements to this JSON file")
    args = parser.parse_args(argv)
    if args.records and not args.model:
        parser.error("--records needs --model, because the prompts are encoded with that model's tokenizer")
    return args


def build_demo_model(seed: int):
    """Build a randomly initialised Llama of the demo config's shape, with a clean generation config."""
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=3000, hidden_size=128, intermediate_size=384, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=1024, bos_token_id=1, eos_token_id=2, pad_token_id=0,
    )
    model = LlamaForCausalLM(config).eval()
    model.generation_config = GenerationConfig()
    return model


def synthetic_prompts(count: int, seed: int) -> list[list[int]]:
    """Draw token-id prompts with log-normal lengths, avoiding ids 0-3 (pad, BOS, EOS, UNK)."""
    rng = random.Random(seed)
    prompts = []
    for _ in range(count):
        length = int(min(400, max(16, rng.lognormvariate(4.1, 0.6))))
        prompts.append([rng.randrange(4, 3000) for _ in range(length)])
    return prompts


def load_real(model_dir: str, records_path: str, count: int):
    """Load a real model and encode the prompts of the first `count` records."""
    from wenyan_mtl.inference import load_model
    from wenyan_mtl.prompting import encode_prompt
    from wenyan_mtl.records import read_records

    loaded = load_model(model_dir, device="cpu")
    records = read_records(records_path)[:count]
    prompts = [encode_prompt(loaded.tokenizer, r.instruction, r.input) for r in records]
    return loaded.model, prompts, loaded.pad_token_id, loaded.stop_token_ids


def decode_all(model, prompts, *, batch_size, max_new_tokens, pad_token_id, stop_token_ids, sort=True, seed=0):
    """Decode every prompt in batches; return outputs in input order, wall and CPU seconds, and padding tokens.

    CPU seconds are the process time of all threads. On a machine shared with
    other jobs they vary less than wall seconds, because waiting for a core does
    not count.
    """
    if sort:
        batches = length_sorted_batches([len(ids) for ids in prompts], batch_size)
    else:
        order = list(range(len(prompts)))
        random.Random(seed).shuffle(order)
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    outputs = [None] * len(prompts)
    padding = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    for batch in batches:
        batch_prompts = [prompts[i] for i in batch]
        width = max(len(ids) for ids in batch_prompts)
        padding += sum(width - len(ids) for ids in batch_prompts)
        results = generate_batch(model, batch_prompts, pad_token_id=pad_token_id, stop_token_ids=stop_token_ids,
                                 max_new_tokens=max_new_tokens)
        for index, result in zip(batch, results):
            outputs[index] = result
    return outputs, time.perf_counter() - started, time.process_time() - cpu_started, padding


def measure(name, model, prompts, args, pad_token_id, stop_token_ids, batch_size, sort=True, max_new_tokens=None):
    """Time one decoding mode, print one table line and return it as a dict with the outputs."""
    outputs, seconds, cpu_seconds, padding = decode_all(
        model, prompts, batch_size=batch_size, max_new_tokens=max_new_tokens or args.max_new_tokens,
        pad_token_id=pad_token_id, stop_token_ids=stop_token_ids, sort=sort, seed=args.seed,
    )
    generated = sum(len(ids) for ids, _ in outputs)
    row = {
        "mode": name,
        "batch_size": batch_size,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "items_per_second": round(len(prompts) / seconds, 2),
        "generated_tokens": generated,
        "tokens_per_second": round(generated / seconds, 1),
        "tokens_per_cpu_second": round(generated / cpu_seconds, 1),
        "prompt_padding_tokens": padding,
    }
    print(
        f"{name:<26} {batch_size:>5} {seconds:9.2f} {cpu_seconds:9.2f} {row['items_per_second']:9.2f} "
        f"{row['tokens_per_second']:9.1f} {row['tokens_per_cpu_second']:9.1f} {padding:8d}",
        flush=True,
    )
    return row, outputs


def add_random_lora(model, seed: int):
    """Wrap `model` in a rank-8 all-linear LoRA adapter with non-zero B, as after fine-tuning."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    peft_model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", lora_dropout=0.0))
    for name, parameter in peft_model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(parameter, std=0.02)
    return peft_model.eval()


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    import transformers

    print("command:", shlex.join([sys.executable, *sys.argv]))
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, os.cpu_count()={os.cpu_count()}, "
        f"usable cores={len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else 'n/a'}, "
        f"torch threads={torch.get_num_threads()}"
    )
    print(f"python {platform.python_version()}, torch {torch.__version__}, transformers {transformers.__version__}")

    if args.model:
        model, prompts, pad_token_id, stop_token_ids = load_real(args.model, args.records, args.items)
    else:
        model = build_demo_model(args.seed)
        prompts = synthetic_prompts(args.items, args.seed)
        pad_token_id, stop_token_ids = 0, (2,)
    lengths = sorted(len(ids) for ids in prompts)
    parameters = sum(p.numel() for p in model.parameters())
    print(
        f"model: {args.model or 'random demo-shaped Llama'} ({parameters / 1e6:.2f} M parameters, fp32, CPU); "
        f"{len(prompts)} prompts of {lengths[0]}-{lengths[-1]} tokens (median {lengths[len(lengths) // 2]}), "
        f"max_new_tokens {args.max_new_tokens}"
    )

    rows = []
    print(f"{'mode':<26} {'batch':>5} {'wall s':>9} {'cpu s':>9} {'items/s':>9} {'tok/s':>9} {'tok/cpu s':>9} "
          f"{'padding':>8}")
    # A short warm-up, so that one-off allocations do not count against the first mode.
    decode_all(model, prompts[:2], batch_size=2, max_new_tokens=4, pad_token_id=pad_token_id,
               stop_token_ids=stop_token_ids)
    single, single_outputs = measure("one by one", model, prompts, args, pad_token_id, stop_token_ids, 1)
    batched, batched_outputs = measure("length-sorted batches", model, prompts, args, pad_token_id,
                                       stop_token_ids, args.batch_size)
    unsorted, _ = measure("random-order batches", model, prompts, args, pad_token_id, stop_token_ids,
                          args.batch_size, sort=False)
    prefill, _ = measure("length-sorted, 1 new token", model, prompts, args, pad_token_id, stop_token_ids,
                         args.batch_size, max_new_tokens=1)
    rows += [single, batched, unsorted, prefill]
    for size in args.sweep:
        row, _ = measure("length-sorted batches", model, prompts, args, pad_token_id, stop_token_ids, size)
        rows.append(row)

    mismatches = sum(a != b for a, b in zip(single_outputs, batched_outputs))
    stopped = sum(1 for _, did_stop in batched_outputs if did_stop)
    print(f"outputs identical to one by one: {len(prompts) - mismatches}/{len(prompts)}; "
          f"{stopped} prompts ended with EOS before max_new_tokens")
    speedup = batched["tokens_per_second"] / single["tokens_per_second"]
    cpu_speedup = batched["tokens_per_cpu_second"] / single["tokens_per_cpu_second"]
    print(f"speed-up of batch size {args.batch_size} over one by one: {speedup:.1f}x in wall time, "
          f"{cpu_speedup:.1f}x in CPU time; the prefill (1 new token) takes {prefill['seconds'] / batched['seconds']:.0%} "
          f"of the batched wall time")

    lora = {}
    if not args.skip_lora:
        peft_model = add_random_lora(model, args.seed)
        unmerged, _ = measure("LoRA unmerged", peft_model, prompts, args, pad_token_id, stop_token_ids,
                              args.batch_size)
        merged_model = peft_model.merge_and_unload()
        merged, _ = measure("LoRA merged", merged_model, prompts, args, pad_token_id, stop_token_ids,
                            args.batch_size)
        lora = {
            "unmerged": unmerged,
            "merged": merged,
            "merged_speedup": round(merged["tokens_per_second"] / unmerged["tokens_per_second"], 2),
            "merged_cpu_speedup": round(merged["tokens_per_cpu_second"] / unmerged["tokens_per_cpu_second"], 2),
        }
        print(f"merged LoRA over unmerged: {lora['merged_speedup']:.2f}x in wall time, "
              f"{lora['merged_cpu_speedup']:.2f}x in CPU time")

    if args.json_out:
        report = {
            "command": shlex.join([sys.executable, *sys.argv]),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "items": len(prompts),
            "max_new_tokens": args.max_new_tokens,
            "rows": rows,
            "speedup": round(speedup, 2),
            "cpu_speedup": round(cpu_speedup, 2),
            "mismatches": mismatches,
            "lora": lora,
        }
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
