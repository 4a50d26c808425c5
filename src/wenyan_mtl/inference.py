"""Batched greedy decoding of the test splits of a fine-tuning run.

One job loads the merged CPT model and the run's LoRA adapter once, then decodes
the test split of every task of the run. Prompts come from the shared renderer in
`prompting`, so the model receives exactly the prompt ids the training side built.

Batches are formed after sorting the prompts by token length, so that prompts of
similar length share a batch and little compute goes to padding. Prompts are
padded on the left, so every row ends at the same column and the next token of
every row is predicted from the last column. `generate` derives position ids
from the attention mask, so a padded row decodes like the same prompt alone.
Outputs are written back in the order of the test split.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from .model.loading import check_model_dir
from .prompting import encode_prompt, end_token_id, ensure_chat_template, render_prompt
from .records import InputError, Record, read_records, write_json, write_jsonl
from .tasks import get_task

log = logging.getLogger(__name__)

PREDICTION_FIELDS = (
    "id",
    "task",
    "instruction",
    "input",
    "prompt",
    "reference",
    "prediction",
    "prompt_tokens",
    "generated_tokens",
)


def resolve_max_new_tokens(task_ids, overrides: dict | None) -> dict[str, int]:
    """Map each task to its generation budget: the catalogue value unless config overrides it.

    Override keys may be task ids or Chinese display names. A key that names no
    catalogue task raises ValueError, because a misspelt key would otherwise be
    ignored without notice.
    """
    resolved_overrides: dict[str, int] = {}
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ValueError(
            f"config evaluation.max_new_tokens: expected a mapping of task to a positive integer, got {overrides!r}"
        )
    for key, value in (overrides or {}).items():
        try:
            task_id = get_task(key).id
        except KeyError as error:
            raise ValueError(f"config evaluation.max_new_tokens: {error.args[0]}") from None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(
                f"config evaluation.max_new_tokens.{key}: expected a positive integer, got {value!r}"
            )
        resolved_overrides[task_id] = value
    budgets = {}
    for task in task_ids:
        spec = get_task(task)
        budgets[spec.id] = resolved_overrides.get(spec.id, spec.max_new_tokens)
    return budgets


def select_device(device: str | torch.device | None = None) -> torch.device:
    """Return the requested device, else the first CUDA device when one is visible, else the CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def select_dtype(device: torch.device) -> torch.dtype:
    """Return bf16 on a GPU that supports it and fp32 everywhere else.

    fp16 is never chosen: some model families overflow in fp16, and a silent
    overflow would corrupt the scores of every task.
    """
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    if device.type == "cuda":
        log.warning("device %s does not support bf16; decoding in fp32, which needs twice the memory", device)
    return torch.float32


@dataclass
class LoadedModel:
    """A model ready for decoding, with the token ids that decoding needs."""

    model: torch.nn.Module
    tokenizer: object
    device: torch.device
    dtype: torch.dtype
    stop_token_ids: tuple[int, ...]
    pad_token_id: int
    context_length: int | None
    load_seconds: float
    adapter_merged: bool


def _stop_token_ids(tokenizer, generation_config) -> tuple[int, ...]:
    """Collect the tokenizer's EOS token (the token that training appends to every output) and the model's own EOS ids."""
    ids = [end_token_id(tokenizer)]
    configured = getattr(generation_config, "eos_token_id", None)
    if isinstance(configured, int):
        configured = [configured]
    for token_id in configured or []:
        if token_id not in ids:
            ids.append(int(token_id))
    return tuple(ids)


def load_model(
    model_dir,
    adapter_dir=None,
    *,
    device: str | torch.device | None = None,
    merge_adapter: bool = True,
) -> LoadedModel:
    """Load a local model directory and, if given, a LoRA adapter directory, for greedy decoding.

    Nothing is downloaded and no remote code runs. With `merge_adapter` the LoRA
    weights are folded into the base weights, so each adapted linear layer runs
    one matmul per step instead of three. On the demo-shaped model this decodes
    1.5-1.9x faster (benchmarks/generation_batching.py, 2-core CPU). The model's own generation config is
    replaced with the library defaults, because a checkpoint's
    `generation_config.json` may turn on sampling or a repetition penalty, and the
    study decodes greedily.
    """
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model_dir = Path(model_dir)
    check_model_dir(model_dir)
    if adapter_dir is not None and not Path(adapter_dir).is_dir():
        raise FileNotFoundError(f"adapter directory not found: {adapter_dir}")

    device = select_device(device)
    dtype = select_dtype(device)
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=False)
    ensure_chat_template(tokenizer)
    load_kwargs = {"dtype": dtype, "trust_remote_code": False, "use_safetensors": True}
    # NOTE: the tests run on CPU only; the CUDA branch (bf16, device_map) has not been run by them.
    if device.type == "cuda":
        load_kwargs["device_map"] = {"": str(device)}
    model = AutoModelForCausalLM.from_pretrained(model_dir, **load_kwargs)
    if device.type != "cuda":
        model = model.to(device)
    stop_token_ids = _stop_token_ids(tokenizer, model.generation_config)
    # Reset before wrapping: an unmerged PeftModel generates through the base
    # model, which reads its own generation_config.
    model.generation_config = GenerationConfig()

    merged = False
    if adapter_dir is not None:
        model = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False)
        if merge_adapter:
            model = model.merge_and_unload()
            merged = True
    model.eval()

    pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stop_token_ids[0]
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    context_length = getattr(config, "max_position_embeddings", None)
    load_seconds = time.perf_counter() - started
    log.info(
        "loaded model %s%s on %s (%s) in %.1f s; stop token ids %s",
        model_dir,
        f" with adapter {adapter_dir}{' (merged)' if merged else ''}" if adapter_dir is not None else "",
        device,
        str(dtype).removeprefix("torch."),
        load_seconds,
        list(stop_token_ids),
    )
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        device=device,
        dtype=dtype,
        stop_token_ids=stop_token_ids,
        pad_token_id=int(pad_token_id),
        context_length=context_length,
        load_seconds=load_seconds,
        adapter_merged=merged,
    )


def length_sorted_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Group item indices into batches of similar length, longest first.

    The longest batch comes first so that an out-of-memory error shows up at the
    start of a job rather than after hours of decoding. Ties keep input order, so
    the batching is deterministic.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda index: (-lengths[index], index))
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def left_pad(batch_ids: list[list[int]], pad_token_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack prompts into `input_ids` and `attention_mask`, padded on the left."""
    if not batch_ids or any(len(ids) == 0 for ids in batch_ids):
        raise ValueError("every prompt of a batch needs at least one token")
    width = max(len(ids) for ids in batch_ids)
    input_ids = torch.full((len(batch_ids), width), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch_ids), width), dtype=torch.long)
    for row, ids in enumerate(batch_ids):
        input_ids[row, width - len(ids) :] = torch.tensor(ids, dtype=torch.long)
        attention_mask[row, width - len(ids) :] = 1
    return input_ids, attention_mask


def trim_at_stop(token_ids: list[int], stop_token_ids) -> tuple[list[int], bool]:
    """Cut generated ids after the first stop token; return the kept ids and whether a stop token ended them.

    The stop token stays in the returned ids because generating it took a
    decoding step, so token counts and tokens/s include it. Anything after it is
    padding that `generate` adds to rows that finished before the rest of their batch.
    """
    stops = set(stop_token_ids)
    for position, token_id in enumerate(token_ids):
        if token_id in stops:
            return token_ids[: position + 1], True
    return token_ids, False


@torch.inference_mode()
def generate_batch(
    model,
    batch_ids: list[list[int]],
    *,
    pad_token_id: int,
    stop_token_ids,
    max_new_tokens: int,
) -> list[tuple[list[int], bool]]:
    """Decode one batch greedily; return per prompt the generated ids (trimmed) and whether it stopped."""
    from transformers import GenerationConfig

    input_ids, attention_mask = left_pad(batch_ids, pad_token_id)
    device = next(model.parameters()).device
    generation_config = GenerationConfig(
        max_new_tokens=max_new_tokens,
        do_sample=False,
        num_beams=1,
        eos_token_id=list(stop_token_ids),
        pad_token_id=pad_token_id,
    )
    sequences = model.generate(
        input_ids=input_ids.to(device),
        attention_mask=attention_mask.to(device),
        generation_config=generation_config,
    )
    generated = sequences[:, input_ids.shape[1] :].tolist()
    return [trim_at_stop(row, stop_token_ids) for row in generated]


@dataclass
class TaskStats:
    """Decoding statistics of one task of one run."""

    task: str
    items: int = 0
    prompt_tokens: int = 0
    generated_tokens: int = 0
    padding_tokens: int = 0
    wall_seconds: float = 0.0
    tokens_per_second: float = 0.0
    items_per_second: float = 0.0
    batches: int = 0
    batch_size: int = 0
    max_new_tokens: int = 0
    items_at_max_new_tokens: int = 0
    prompts_over_context: int = 0
    device: str = ""

    def finish(self, wall_seconds: float) -> None:
        self.wall_seconds = round(wall_seconds, 3)
        self.tokens_per_second = round(self.generated_tokens / wall_seconds, 2) if wall_seconds > 0 else 0.0
        self.items_per_second = round(self.items / wall_seconds, 3) if wall_seconds > 0 else 0.0


def decode_records(
    loaded: LoadedModel,
    records: list[Record],
    *,
    task: str,
    max_new_tokens: int,
    batch_size: int,
    run_id: str = "",
) -> tuple[list[dict], TaskStats]:
    """Decode every record greedily in length-sorted batches; return prediction rows in input order."""
    tokenizer = loaded.tokenizer
    stats = TaskStats(
        task=task, items=len(records), batch_size=batch_size, max_new_tokens=max_new_tokens, device=str(loaded.device)
    )
    started = time.perf_counter()
    prompts = [render_prompt(tokenizer, record.instruction, record.input) for record in records]
    prompt_ids = [encode_prompt(tokenizer, record.instruction, record.input) for record in records]
    stats.prompt_tokens = sum(len(ids) for ids in prompt_ids)
    if loaded.context_length is not None:
        over = [i for i, ids in enumerate(prompt_ids) if len(ids) + max_new_tokens > loaded.context_length]
        stats.prompts_over_context = len(over)
        if over:
            log.warning(
                "run %s task %s: %d of %d prompts plus max_new_tokens %d exceed the model's "
                "max_position_embeddings %d (first: %s); they are decoded anyway",
                run_id, task, len(over), len(records), max_new_tokens, loaded.context_length, records[over[0]].id,
            )

    batches = length_sorted_batches([len(ids) for ids in prompt_ids], batch_size)
    stats.batches = len(batches)
    results: list[tuple[list[int], bool] | None] = [None] * len(records)
    with tqdm(total=len(records), desc=f"{run_id} {task}".strip(), unit="item", leave=False) as progress:
        for batch in batches:
            batch_prompt_ids = [prompt_ids[i] for i in batch]
            width = max(len(ids) for ids in batch_prompt_ids)
            stats.padding_tokens += sum(width - len(ids) for ids in batch_prompt_ids)
            outputs = generate_batch(
                loaded.model,
                batch_prompt_ids,
                pad_token_id=loaded.pad_token_id,
                stop_token_ids=loaded.stop_token_ids,
                max_new_tokens=max_new_tokens,
            )
            for index, output in zip(batch, outputs):
                results[index] = output
            progress.update(len(batch))

    rows = []
    for record, prompt, ids, result in zip(records, prompts, prompt_ids, results):
        generated, stopped = result
        stats.generated_tokens += len(generated)
        stats.items_at_max_new_tokens += 0 if stopped else 1
        rows.append(
            {
                "id": record.id,
                "task": task,
                "instruction": record.instruction,
                "input": record.input,
                "prompt": prompt,
                "reference": record.output,
                "prediction": tokenizer.decode(generated, skip_special_tokens=True).strip(),
                "prompt_tokens": len(ids),
                "generated_tokens": len(generated),
            }
        )
    stats.finish(time.perf_counter() - started)
    log.info(
        "run %s task %s: %d items in %d batches, %d prompt tokens, %d generated tokens, "
        "%.1f s, %.1f tokens/s, %d items reached max_new_tokens %d",
        run_id, task, stats.items, stats.batches, stats.prompt_tokens, stats.generated_tokens,
        stats.wall_seconds, stats.tokens_per_second, stats.items_at_max_new_tokens, max_new_tokens,
    )
    return rows, stats


def read_test_split(path, task: str) -> list[Record]:
    """Read a task's test split and check that every record belongs to `task`."""
    records = read_records(path)
    for record in records:
        if record.task != task:
            raise InputError(path, None, "task", f"record {record.id} has task {record.task!r}, expected {task!r}")
    return records


@dataclass
class RunStats:
    """Decoding statistics of one run: the model load and every task."""

    run: str
    model: str
    adapter: str | None
    adapter_merged: bool
    device: str
    dtype: str
    load_seconds: float
    tasks: dict[str, dict] = field(default_factory=dict)
    items: int = 0
    generated_tokens: int = 0
    wall_seconds: float = 0.0


def predict_run(
    *,
    model_dir,
    adapter_dir,
    test_splits: dict[str, str],
    evaluation: dict,
    predictions_path,
    stats_path,
    run_id: str,
    device: str | torch.device | None = None,
    merge_adapter: bool = True,
) -> RunStats:
    """Decode the test splits of all tasks of a run with one model load; write predictions and statistics.

    `test_splits` maps task ids to test split files, in the order the
    predictions are written. Each output is written atomically, so a failed job
    leaves no truncated file behind.
    """
    budgets = resolve_max_new_tokens(list(test_splits), evaluation.get("max_new_tokens"))
    batch_size = int(evaluation.get("batch_size", 16))
    splits = {task: read_test_split(path, task) for task, path in test_splits.items()}
    seen: dict[str, str] = {}
    for task, records in splits.items():
        for record in records:
            if record.id in seen:
                raise InputError(test_splits[task], None, "id", f"duplicate record id {record.id!r}")
            seen[record.id] = task
    log.info(
        "run %s: decoding %s with batch size %d",
        run_id, ", ".join(f"{task} ({len(records)} items)" for task, records in splits.items()), batch_size,
    )

    loaded = load_model(model_dir, adapter_dir, device=device, merge_adapter=merge_adapter)
    run_stats = RunStats(
        run=run_id,
        model=str(model_dir),
        adapter=None if adapter_dir is None else str(adapter_dir),
        adapter_merged=loaded.adapter_merged,
        device=str(loaded.device),
        dtype=str(loaded.dtype).removeprefix("torch."),
        load_seconds=round(loaded.load_seconds, 3),
    )
    rows: list[dict] = []
    for task, records in splits.items():
        task_rows, task_stats = decode_records(
            loaded, records, task=task, max_new_tokens=budgets[task], batch_size=batch_size, run_id=run_id
        )
        rows.extend(task_rows)
        run_stats.tasks[task] = asdict(task_stats)
        run_stats.items += task_stats.items
        run_stats.generated_tokens += task_stats.generated_tokens
        run_stats.wall_seconds += task_stats.wall_seconds
    run_stats.wall_seconds = round(run_stats.wall_seconds, 3)

    written = write_jsonl(predictions_path, rows)
    if written != run_stats.items:
        raise AssertionError(f"run {run_id}: wrote {written} predictions for {run_stats.items} test items")
    write_json(stats_path, asdict(run_stats))
    log.info(
        "run %s: wrote %d predictions to %s (%d generated tokens in %.1f s after a %.1f s model load)",
        run_id, written, predictions_path, run_stats.generated_tokens, run_stats.wall_seconds, loaded.load_seconds,
    )
    return run_stats

