"""Continued pretraining (CPT) with LoRA on the cleaned corpus, merged into the base model.

Phases as in fine-tuning: `prepare` keeps or clears checkpoints, `train` runs in
every process (torchrun for several GPUs) and stages the adapter, and the merge
and publishing run in one process. The merged model keeps the base model's
tensor dtypes, so a bf16 base stays bf16 and the same size, even though LoRA
training on a CPU runs in fp32.

Run as `python -m wenyan_mtl.model.cpt --spec SPEC.json` for one training process.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..records import write_json
from . import launch, training
from .loading import set_offline

log = logging.getLogger("wenyan_mtl.model")

FINAL_DIR = "final"
STATS_FILE = "stats.json"
# The config has no CPT save interval; this one bounds lost work on a long run to 500 steps.
CPT_SAVE_STEPS = 500
CPT_SEED = 42


@dataclass
class CptSpec:
    """Everything one CPT job needs, serializable for the torchrun workers."""

    corpus: str
    base_dir: str
    output_dir: str
    train_log: str
    manifest: str
    settings: dict
    checkpoint_dir: str
    chat_template: str | None = None
    nproc: int = 1
    save_steps: int = CPT_SAVE_STEPS
    seed: int = CPT_SEED
    fingerprint: dict = field(default_factory=dict)


def prepare(spec: CptSpec) -> CptSpec:
    from .finetune import model_files_signature
    from .manifest import config_hash, sha256_file

    spec.fingerprint = {
        "config_hash": config_hash({"cpt": spec.settings, "chat_template": spec.chat_template, "seed": spec.seed}),
        "corpus_sha256": sha256_file(spec.corpus),
        "model_files": model_files_signature(spec.base_dir),
        "nproc": spec.nproc,
    }
    resume = training.prepare_checkpoint_dir(spec.checkpoint_dir, spec.fingerprint)
    final = Path(spec.checkpoint_dir) / FINAL_DIR
    if final.exists():
        shutil.rmtree(final)
    if resume:
        log.info("CPT: resuming from %s", resume)
    return spec


def train(spec: CptSpec) -> None:
    """Train the CPT adapter. Rank 0 stages it with statistics under `checkpoint_dir/final`."""
    from transformers import Trainer, set_seed

    from .data import ListDataset, PaddingCollator, pack_corpus
    from .loading import load_causal_lm, load_tokenizer, resolve_precision, torch_dtype
    from .lora import wrap_with_lora

    set_offline()
    set_seed(spec.seed)
    settings = spec.settings
    precision = resolve_precision(settings.get("precision", "auto"))
    checkpoint_dir = Path(spec.checkpoint_dir)
    log_path = checkpoint_dir / training.LOG_FILE

    tokenizer = load_tokenizer(spec.base_dir, spec.chat_template)
    corpus = pack_corpus(tokenizer, spec.corpus, int(settings.get("cutoff_len", 1024)))
    examples = [{"input_ids": block, "labels": block} for block in corpus.blocks]

    model = load_causal_lm(spec.base_dir, dtype=torch_dtype(precision))
    model.config.use_cache = False
    model = wrap_with_lora(model, settings.get("lora", {}))
    args = training.training_arguments(settings, checkpoint_dir, spec.seed, precision, False, spec.save_steps)
    checkpoints = training.complete_checkpoints(checkpoint_dir)
    resume_from = str(checkpoints[-1]) if checkpoints else None
    if launch.is_main_process():
        training.trim_log(log_path, training.checkpoint_step(resume_from))
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=ListDataset(examples),
        data_collator=PaddingCollator(tokenizer.pad_token_id),
        processing_class=tokenizer,
        callbacks=[training.make_log_callback(log_path, "CPT")],
    )
    training.quiet_progress(trainer)
    result = trainer.train(resume_from_checkpoint=resume_from)
    if not trainer.is_world_process_zero():
        return
    final = checkpoint_dir / FINAL_DIR
    final.mkdir(parents=True, exist_ok=True)
    trainer.model.save_pretrained(str(final / "adapter"), safe_serialization=True)
    tokenizer.save_pretrained(str(final / "tokenizer"))
    write_json(
        final / STATS_FILE,
        {
            "corpus_lines": corpus.lines,
            "corpus_tokens": corpus.tokens,
            "blocks": len(corpus.blocks),
            "dropped_tail_tokens": corpus.dropped_tail_tokens,
            "precision": precision,
            "global_steps": trainer.state.global_step,
            "train_loss": result.training_loss,
            "tokens_seen": int(trainer.state.num_input_tokens_seen),
            "resumed_from_step": training.checkpoint_step(resume_from),
            "world_size": launch.world_size(),
            "uses_gpu": args.device.type == "cuda",
        },
    )


def safetensors_layout(model_dir) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Map each tensor name in a model directory's safetensors files to its dtype and shape."""
    from safetensors import safe_open

    layout = {}
    files = sorted(Path(model_dir).glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"model directory {model_dir}: no *.safetensors weights found")
    for path in files:
        with safe_open(str(path), framework="pt") as handle:
            for name in handle.keys():
                tensor_slice = handle.get_slice(name)
                layout[name] = (tensor_slice.get_dtype(), tuple(tensor_slice.get_shape()))
    return layout


def merge_adapter(base_dir, adapter_dir, tokenizer_dir, output_dir) -> None:
    """Merge a LoRA adapter into the base model and save it in the base's dtypes.

    The base is loaded in its stored dtype (not upcast), because a model upcast
    to fp32 before merging would be saved at twice the size. The saved tensors
    are checked against the base: the same names, dtypes and shapes.
    """
    from peft import PeftModel
    from transformers import AutoTokenizer

    from .loading import load_causal_lm

    base = load_causal_lm(base_dir, dtype="auto")
    merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    merged.config.use_cache = True
    staging = training.staging_dir(output_dir)
    merged.save_pretrained(str(staging), safe_serialization=True)
    AutoTokenizer.from_pretrained(str(tokenizer_dir), trust_remote_code=False, local_files_only=True).save_pretrained(
        str(staging)
    )
    expected = safetensors_layout(base_dir)
    actual = safetensors_layout(staging)
    if actual != expected:
        changed = sorted(name for name in set(expected) | set(actual) if expected.get(name) != actual.get(name))
        shutil.rmtree(staging)
        raise RuntimeError(
            f"merged model differs from the base {base_dir} in {len(changed)} tensors "
            f"(name, dtype or shape), e.g. {changed[:3]}"
        )
    training.replace_path(staging, output_dir)


def publish(spec: CptSpec, wall_seconds: float) -> dict:
    """Merge the staged adapter into the base, then publish the log and the manifest."""
    final = Path(spec.checkpoint_dir) / FINAL_DIR
    stats = json.loads((final / STATS_FILE).read_text(encoding="utf-8"))
    merge_adapter(spec.base_dir, final / "adapter", final / "tokenizer", spec.output_dir)

    manifest = {
        "base_model": spec.base_dir,
        "corpus": spec.corpus,
        "corpus_sha256": spec.fingerprint["corpus_sha256"],
        "config_hash": spec.fingerprint["config_hash"],
        "settings": spec.settings,
        "seed": spec.seed,
        **stats,
    }
    return training.publish_run(spec.checkpoint_dir, spec.train_log, spec.manifest, manifest, stats, wall_seconds)


def run_cpt(spec: CptSpec) -> dict:
    """Run CPT end to end (prepare, train, merge, publish) and return the manifest."""
    set_offline()
    started = time.time()
    spec = prepare(spec)
    if spec.nproc > 1:
        spec_path = launch.write_spec(asdict(spec), Path(spec.checkpoint_dir) / "spec.json")
        launch.run_distributed("wenyan_mtl.model.cpt", spec_path, spec.nproc)
    else:
        train(spec)
    manifest = publish(spec, time.time() - started)
    log.info(
        "CPT finished in %.1f s: %d steps, train loss %.4f, merged model in %s",
        manifest["wall_seconds"],
        manifest["global_steps"],
        manifest["train_loss"],
        spec.output_dir,
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Entry point of one torchrun worker: train from a spec file."""
    from ..logutil import setup_logging

    parser = argparse.ArgumentParser(description="Train the CPT adapter from a spec file (a torchrun worker).")
    parser.add_argument("--spec", required=True, help="JSON file written by run_cpt")
    args = parser.parse_args(argv)
    setup_logging()
    train(CptSpec(**launch.read_spec(args.spec)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
