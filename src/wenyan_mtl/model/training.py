"""Trainer set-up shared by continued pretraining and fine-tuning.

Both jobs train LoRA adapters with the Hugging Face `Trainer`, which saves and
restores optimizer, scheduler, RNG and data order in its checkpoints. This
module builds the arguments from a config section, logs loss, learning rate and
tokens/s to JSON Lines, finds the checkpoint to resume from and publishes
outputs atomically.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path

log = logging.getLogger("wenyan_mtl.model")

FINGERPRINT_FILE = "fingerprint.json"
LOG_FILE = "train_log.jsonl"
CHECKPOINT_PREFIX = "checkpoint-"
# Two checkpoints are kept so that one complete checkpoint survives a kill during a save.
SAVE_TOTAL_LIMIT = 2


def training_arguments(
    section: dict, output_dir, seed: int, precision: str, group_by_length: bool, save_steps: int | None
):
    """Build TrainingArguments from a `cpt` or `finetune` config section."""
    import torch
    from transformers import TrainingArguments

    has_cuda = torch.cuda.is_available()
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    warmup_ratio = float(section.get("warmup_ratio", 0.1))
    return TrainingArguments(
        output_dir=str(output_dir),
        per_device_train_batch_size=int(section.get("per_device_train_batch_size", 8)),
        gradient_accumulation_steps=int(section.get("gradient_accumulation_steps", 1)),
        learning_rate=float(section.get("learning_rate", 1e-4)),
        lr_scheduler_type=section.get("lr_scheduler_type", "cosine"),
        # transformers reads a value below 1 as a ratio of the total steps and 1 or more as a
        # step count, so a ratio of exactly 1 is passed as the largest float below 1.
        warmup_steps=min(warmup_ratio, 1 - 1e-12),
        num_train_epochs=float(section.get("num_train_epochs", 1)),
        max_steps=int(section.get("max_steps", -1)),
        weight_decay=0.0,
        logging_steps=1,
        logging_strategy="steps",
        save_strategy="steps" if save_steps else "no",
        save_steps=save_steps or 500,
        save_total_limit=SAVE_TOTAL_LIMIT,
        seed=seed,
        data_seed=seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=not has_cuda,
        # Setting a backend outside torchrun makes accelerate expect a process group.
        ddp_backend="gloo" if distributed and not has_cuda else None,
        ddp_find_unused_parameters=False,
        report_to="none",
        remove_unused_columns=False,
        # Padded batches carry an attention mask to count real tokens by. Packed ones have no padding.
        include_num_input_tokens_seen="non_padding" if group_by_length else "all",
        train_sampling_strategy="group_by_length" if group_by_length else "random",
        dataloader_num_workers=0,
        disable_tqdm=False,
    )


def make_log_callback(log_path, label: str):
    """Return a callback that appends one JSON line per logging step on the main process.

    It also logs one INFO line (`label`, step, loss, tokens/s) about every tenth of
    the run, so a job log shows progress without one line per step.
    """
    from transformers import TrainerCallback

    class JsonlLogCallback(TrainerCallback):
        def __init__(self):
            self.last_time = None
            self.last_tokens = 0
            self.info_time = None
            self.info_tokens = 0

        def on_train_begin(self, args, state, control, **kwargs):
            self.last_time = self.info_time = time.perf_counter()
            self.last_tokens = self.info_tokens = state.num_input_tokens_seen

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs or "loss" not in logs:
                return
            now = time.perf_counter()
            tokens = state.num_input_tokens_seen
            elapsed = max(now - self.last_time, 1e-9)
            entry = {
                "step": state.global_step,
                "epoch": round(float(state.epoch or 0.0), 6),
                "loss": float(logs["loss"]),
                "lr": float(logs.get("learning_rate", 0.0)),
                "grad_norm": float(logs["grad_norm"]) if logs.get("grad_norm") is not None else None,
                "tokens": int(tokens),
                "tokens_per_second": (tokens - self.last_tokens) / elapsed,
            }
            self.last_time = now
            self.last_tokens = tokens
            with open(log_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")

            every = max(1, state.max_steps // 10)
            if state.global_step % every == 0 or state.global_step == state.max_steps:
                speed = (tokens - self.info_tokens) / max(now - self.info_time, 1e-9)
                log.info(
                    "%s step %d/%d: loss %.4f, %.0f tokens/s",
                    label, state.global_step, state.max_steps, entry["loss"], speed,
                )
                self.info_time = now
                self.info_tokens = tokens

    return JsonlLogCallback()


def quiet_progress(trainer) -> None:
    """Keep the Trainer's progress bar but stop it printing the logs of every step.

    With `logging_steps=1` the default progress callback writes one dict per step
    into the job log. The JSON Lines log and the INFO lines carry those numbers.
    """
    from transformers.trainer_callback import ProgressCallback

    class StepProgressCallback(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            return

    if trainer.pop_callback(ProgressCallback) is not None:
        trainer.add_callback(StepProgressCallback)


def complete_checkpoints(checkpoint_dir) -> list[Path]:
    """List checkpoints that finished saving (trainer_state.json is written last), oldest first."""
    root = Path(checkpoint_dir)
    if not root.is_dir():
        return []
    found = []
    for path in root.glob(CHECKPOINT_PREFIX + "*"):
        step = path.name[len(CHECKPOINT_PREFIX) :]
        if path.is_dir() and step.isdigit() and (path / "trainer_state.json").is_file():
            found.append((int(step), path))
    return [path for _, path in sorted(found)]


def prepare_checkpoint_dir(checkpoint_dir, fingerprint: dict, is_main: bool = True) -> str | None:
    """Return the checkpoint to resume from, or None for a fresh start.

    Checkpoints of other settings or data (a different fingerprint) are removed,
    because resuming from them would silently mix two trainings.
    """
    root = Path(checkpoint_dir)
    fingerprint_path = root / FINGERPRINT_FILE
    # Compare in JSON form, where tuples have become lists.
    fingerprint = json.loads(json.dumps(fingerprint))
    if root.exists() and is_main:
        stored = None
        if fingerprint_path.is_file():
            stored = json.loads(fingerprint_path.read_text(encoding="utf-8"))
        if stored != fingerprint:
            log.warning("checkpoints in %s belong to other settings or data; starting over", root)
            shutil.rmtree(root)
    if is_main:
        root.mkdir(parents=True, exist_ok=True)
        fingerprint_path.write_text(json.dumps(fingerprint, indent=2), encoding="utf-8")
    checkpoints = complete_checkpoints(root)
    if not checkpoints:
        return None
    return str(checkpoints[-1])


def trim_log(log_path, last_step: int) -> None:
    """Drop log lines past the step a resumed run restarts from, so no step is logged twice."""
    path = Path(log_path)
    if not path.is_file():
        return
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if line and json.loads(line)["step"] <= last_step]
    path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")


def checkpoint_step(checkpoint: str | None) -> int:
    return int(Path(checkpoint).name[len(CHECKPOINT_PREFIX) :]) if checkpoint else 0


def replace_path(source, target) -> None:
    """Move a finished file or directory onto `target`, replacing what is there."""
    target = Path(target)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def staging_dir(target) -> Path:
    """Return a fresh temporary directory beside `target`, on the same file system for os.replace."""
    target = Path(target)
    path = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def read_log(log_path) -> list[dict]:
    path = Path(log_path)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def publish_run(checkpoint_dir, train_log, manifest_path, manifest: dict, stats: dict, wall_seconds: float) -> dict:
    """Publish the training log and the manifest, then delete the checkpoints.

    The manifest is written last: it exists only when every output is in place.
    This step adds the device, library versions, wall time and GPU-hours.
    """
    from ..records import write_json
    from .manifest import device_description, library_versions

    checkpoint_dir = Path(checkpoint_dir)
    staged_log = checkpoint_dir / "train_log.published.jsonl"
    lines = read_log(checkpoint_dir / LOG_FILE)
    staged_log.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    replace_path(staged_log, train_log)

    manifest = {
        **manifest,
        "device": device_description(),
        "libraries": library_versions(),
        "wall_seconds": wall_seconds,
        # GPU-hours count every process's GPU for the job's whole wall time. CPU runs use none.
        "gpu_hours": wall_seconds / 3600 * stats["world_size"] if stats["uses_gpu"] else 0.0,
    }
    write_json(manifest_path, manifest)
    shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return manifest
