"""LoRA fine-tuning of one planned run and seed on the merged CPT model.

The job has three phases. `prepare` runs in one process and hashes the inputs,
then keeps or clears the checkpoints. `train` runs in every process (under
torchrun for several GPUs), and rank 0 stages the adapter and statistics in the
checkpoint directory. `publish` runs in one process, moves the adapter and log
into place and writes the manifest last, so a manifest exists only for a
finished job.

Run as `python -m wenyan_mtl.model.finetune --spec SPEC.json` for one training process
(add --all-phases to run the whole job).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..records import InputError, iter_jsonl, record_from_dict, write_json
from . import launch, training
from .loading import set_offline

log = logging.getLogger("wenyan_mtl.model")

FINAL_DIR = "final"
STATS_FILE = "stats.json"
SPEC_FILE = "spec.json"


@dataclass
class FinetuneSpec:
    """Everything one fine-tuning job needs, serializable for the torchrun workers."""

    run_id: str
    seed: int
    tasks: list[str]
    train_files: dict[str, str]
    model_dir: str
    adapter_dir: str
    train_log: str
    manifest: str
    settings: dict
    checkpoint_dir: str
    nproc: int = 1
    fingerprint: dict = field(default_factory=dict)


def read_task_records(task: str, path) -> list:
    """Read a task's train split, rejecting records that belong to another task."""
    records = []
    for line, obj in iter_jsonl(path):
        record = record_from_dict(obj, path, line)
        if record.task != task:
            raise InputError(path, line, "task", f"expected task {task!r}, got {record.task!r}")
        records.append(record)
    if not records:
        raise InputError(path, None, None, f"the train split of task {task!r} has no records")
    return records


def model_files_signature(model_dir) -> list:
    """Name, size and modification time of each model file: cheap, and it changes when CPT reruns."""
    root = Path(model_dir)
    return sorted(
        (path.name, path.stat().st_size, path.stat().st_mtime_ns) for path in root.iterdir() if path.is_file()
    )


def training_settings(settings: dict) -> dict:
    """Keep the settings that shape the trained adapter (seeds is the list of all runs' seeds)."""
    return {key: value for key, value in settings.items() if key != "seeds"}


def prepare(spec: FinetuneSpec) -> FinetuneSpec:
    """Hash the inputs and keep matching checkpoints or clear stale ones."""
    from .manifest import config_hash, sha256_file

    data_hashes = {task: sha256_file(path) for task, path in spec.train_files.items()}
    fingerprint = {
        "run_id": spec.run_id,
        "seed": spec.seed,
        "tasks": list(spec.tasks),
        "config_hash": config_hash(training_settings(spec.settings)),
        "data_sha256": data_hashes,
        "model_files": model_files_signature(spec.model_dir),
        "nproc": spec.nproc,
    }
    spec.fingerprint = fingerprint
    resume = training.prepare_checkpoint_dir(spec.checkpoint_dir, fingerprint)
    final = Path(spec.checkpoint_dir) / FINAL_DIR
    if final.exists():
        shutil.rmtree(final)
    if resume:
        log.info("run %s seed %s: resuming from %s", spec.run_id, spec.seed, resume)
    return spec


def load_training_set(spec: FinetuneSpec, tokenizer):
    """Read, mix and encode the run's train splits."""
    from .data import encode_records
    from .mixing import mix_records

    by_task = {task: read_task_records(task, spec.train_files[task]) for task in spec.tasks}
    mixing = spec.settings.get("mixing", {})
    mixed = mix_records(
        by_task,
        strategy=mixing.get("strategy", "concat"),
        temperature=float(mixing.get("temperature", 2.0)),
        seed=spec.seed,
    )
    encoded = encode_records(tokenizer, mixed.records, int(spec.settings.get("cutoff_len", 1024)))
    return mixed, encoded


def train(spec: FinetuneSpec) -> None:
    """Train the adapter. Rank 0 stages it with the job statistics under `checkpoint_dir/final`."""
    import torch
    from transformers import Trainer, set_seed

    from .attention import register_packed_attention
    from .data import ListDataset, make_collator
    from .loading import load_causal_lm, load_tokenizer, resolve_precision, torch_dtype
    from .lora import wrap_with_lora

    set_offline()
    started = time.time()
    set_seed(spec.seed)
    settings = spec.settings
    packing = bool(settings.get("packing", True))
    precision = resolve_precision(settings.get("precision", "auto"))
    checkpoint_dir = Path(spec.checkpoint_dir)
    log_path = checkpoint_dir / training.LOG_FILE

    tokenizer = load_tokenizer(spec.model_dir)
    mixed, encoded = load_training_set(spec, tokenizer)
    log.info(
        "run %s seed %s: %d examples (%s), %d supervised of %d tokens",
        spec.run_id,
        spec.seed,
        len(encoded.examples),
        ", ".join(f"{task} {count}" for task, count in mixed.selected.items()),
        sum(encoded.supervised_tokens.values()),
        sum(encoded.total_tokens.values()),
    )

    # bf16/fp16 runs keep the frozen base in that dtype, and peft (0.21) keeps the LoRA weights in fp32.
    model = load_causal_lm(spec.model_dir, dtype=torch_dtype(precision))
    model.config.use_cache = False
    if packing:
        model.set_attn_implementation(register_packed_attention())
    model = wrap_with_lora(model, settings.get("lora", {}))

    args = training.training_arguments(
        settings, checkpoint_dir, spec.seed, precision, not packing, int(settings.get("save_steps", 200))
    )
    resume = training.complete_checkpoints(checkpoint_dir)
    resume_from = str(resume[-1]) if resume else None
    if launch.is_main_process():
        training.trim_log(log_path, training.checkpoint_step(resume_from))
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=ListDataset(encoded.examples),
        data_collator=make_collator(tokenizer, packing),
        processing_class=tokenizer,
        callbacks=[training.make_log_callback(log_path, f"run {spec.run_id} seed {spec.seed}")],
    )
    training.quiet_progress(trainer)
    result = trainer.train(resume_from_checkpoint=resume_from)

    if not trainer.is_world_process_zero():
        return
    final = checkpoint_dir / FINAL_DIR
    final.mkdir(parents=True, exist_ok=True)
    trainer.model.save_pretrained(str(final / "adapter"), safe_serialization=True)
    wall = time.time() - started
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    stats = {
        "records_available": mixed.available,
        "records_selected": mixed.selected,
        "supervised_tokens": encoded.supervised_tokens,
        "total_tokens": encoded.total_tokens,
        "truncation": {
            "records_with_input_cut": encoded.truncated_input_records,
            "records_with_output_cut": encoded.truncated_output_records,
            "output_tokens_cut": encoded.truncated_output_tokens,
        },
        "precision": precision,
        "packing": packing,
        "global_steps": trainer.state.global_step,
        "train_loss": result.training_loss,
        "tokens_seen": int(trainer.state.num_input_tokens_seen),
        "resumed_from_step": training.checkpoint_step(resume_from),
        "world_size": launch.world_size(),
        "wall_seconds": wall,
        "uses_gpu": gpus > 0,
    }
    write_json(final / STATS_FILE, stats)


def publish(spec: FinetuneSpec, wall_seconds: float) -> dict:
    """Move the staged adapter into place, then publish the log and the manifest."""
    final = Path(spec.checkpoint_dir) / FINAL_DIR
    stats = json.loads((final / STATS_FILE).read_text(encoding="utf-8"))
    staged_adapter = final / "adapter"
    for name in ("adapter_model.safetensors", "adapter_config.json"):
        if not (staged_adapter / name).is_file():
            raise RuntimeError(f"run {spec.run_id}: training finished without writing {staged_adapter / name}")

    training.replace_path(staged_adapter, spec.adapter_dir)

    manifest = {
        "run_id": spec.run_id,
        "seed": spec.seed,
        "tasks": list(spec.tasks),
        "base_model": spec.model_dir,
        "mixing": spec.settings.get("mixing", {"strategy": "concat"}),
        "config_hash": spec.fingerprint["config_hash"],
        "settings": training_settings(spec.settings),
        "data_sha256": spec.fingerprint["data_sha256"],
        "train_files": spec.train_files,
        **{key: stats[key] for key in ("records_available", "records_selected", "supervised_tokens", "total_tokens")},
        "supervised_tokens_all": sum(stats["supervised_tokens"].values()),
        "total_tokens_all": sum(stats["total_tokens"].values()),
        "truncation": stats["truncation"],
        "precision": stats["precision"],
        "packing": stats["packing"],
        "global_steps": stats["global_steps"],
        "train_loss": stats["train_loss"],
        "tokens_seen": stats["tokens_seen"],
        "resumed_from_step": stats["resumed_from_step"],
        "world_size": stats["world_size"],
    }
    return training.publish_run(spec.checkpoint_dir, spec.train_log, spec.manifest, manifest, stats, wall_seconds)


def run_finetune(spec: FinetuneSpec) -> dict:
    """Run one fine-tuning job end to end and return its manifest."""
    set_offline()
    started = time.time()
    spec = prepare(spec)
    if spec.nproc > 1:
        spec_path = launch.write_spec(asdict(spec), Path(spec.checkpoint_dir) / SPEC_FILE)
        launch.run_distributed("wenyan_mtl.model.finetune", spec_path, spec.nproc)
    else:
        train(spec)
    manifest = publish(spec, time.time() - started)
    log.info(
        "run %s seed %s: finished in %.1f s, %d steps, train loss %.4f",
        spec.run_id,
        spec.seed,
        manifest["wall_seconds"],
        manifest["global_steps"],
        manifest["train_loss"],
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Entry point of one torchrun worker: train from a spec file."""
    from ..logutil import setup_logging

    parser = argparse.ArgumentParser(description="Train one fine-tuning run from a spec file (a torchrun worker).")
    parser.add_argument("--spec", required=True, help="JSON file written by run_finetune")
    parser.add_argument(
        "--all-phases",
        action="store_true",
        help="run the whole job (prepare, train, publish) in this process, as the workflow script does",
    )
    args = parser.parse_args(argv)
    setup_logging()
    spec = FinetuneSpec(**launch.read_spec(args.spec))
    if args.all_phases:
        run_finetune(spec)
    else:
        train(spec)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
