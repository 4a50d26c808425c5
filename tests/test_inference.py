"""Batched greedy decoding: batching helpers, batched == one-by-one, adapters, the predict outputs.

The model tests use a Llama model of about 21k parameters over a character
vocabulary, trained for a second on eight records so that it reproduces their
outputs exactly and ends with EOS. Its outputs then stop at different lengths, which is
the case where left padding, the attention mask and position ids must be right.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from wenyan_mtl.inference import (
    PREDICTION_FIELDS,
    decode_records,
    generate_batch,
    left_pad,
    length_sorted_batches,
    load_model,
    predict_run,
    resolve_max_new_tokens,
    trim_at_stop,
)
from wenyan_mtl.prompting import encode_example, encode_prompt, ensure_chat_template
from wenyan_mtl.records import InputError, Record, write_jsonl

REPO = Path(__file__).resolve().parents[1]
CHARACTERS = "学而时习之不亦说乎有朋自远方来乐人知愠君子"
INSTRUCTION = "复述下文"
PAD, BOS, EOS, UNK = 0, 1, 2, 3


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def build_char_tokenizer():
    """A character-level fast tokenizer whose vocabulary covers the test texts and the default chat template."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": PAD, "<s>": BOS, "</s>": EOS, "<unk>": UNK}
    for char in sorted(set(CHARACTERS + INSTRUCTION + "### 指令：回答\n")):
        vocab.setdefault(char, len(vocab))
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    backend.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    ensure_chat_template(tokenizer)
    return tokenizer


def make_records(count: int, seed: int, task: str = "punctuation", prefix: str = "r") -> list[Record]:
    """Records with random inputs of 2-12 characters; the output of record i has i+1 characters."""
    rng = random.Random(seed)
    records = []
    for index in range(count):
        text = "".join(rng.choice(CHARACTERS) for _ in range(rng.randint(2, 12)))
        output = "".join(rng.choice(CHARACTERS) for _ in range(index + 1))
        records.append(
            Record(id=f"{task}/{prefix}{index}", task=task, instruction=INSTRUCTION, input=text, output=output,
                   source=f"test.txt:{index + 1}")
        )
    return records


TRAINED = make_records(8, seed=0)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """Train the tiny model to reproduce the outputs of TRAINED exactly and save it with its tokenizer as safetensors."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.set_num_threads(1)
    torch.manual_seed(0)
    tokenizer = build_char_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
        bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD,
    )
    model = LlamaForCausalLM(config)
    examples = [encode_example(tokenizer, record, 128) for record in TRAINED]
    width = max(len(example.input_ids) for example in examples)
    input_ids = torch.tensor([e.input_ids + [PAD] * (width - len(e.input_ids)) for e in examples])
    labels = torch.tensor([e.labels + [-100] * (width - len(e.labels)) for e in examples])
    attention_mask = (input_ids != PAD).long()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05, f"the tiny model did not learn its records (loss {loss.item():.3f})"

    directory = tmp_path_factory.mktemp("model")
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def loaded(model_dir):
    return load_model(model_dir, device="cpu")


def save_adapter(model_dir: Path, directory: Path, nonzero_b: bool) -> Path:
    """Save a LoRA adapter on all attention and MLP projections, with B zero (the LoRA init) or random."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    base = AutoModelForCausalLM.from_pretrained(model_dir)
    config = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", lora_dropout=0.0)
    peft_model = get_peft_model(base, config)
    if nonzero_b:
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                torch.nn.init.normal_(parameter, std=0.5)
    peft_model.save_pretrained(directory)
    return directory


def one_by_one(loaded, prompts, max_new_tokens):
    return [
        generate_batch(loaded.model, [ids], pad_token_id=loaded.pad_token_id,
                       stop_token_ids=loaded.stop_token_ids, max_new_tokens=max_new_tokens)[0]
        for ids in prompts
    ]


# Batching helpers


def test_length_sorted_batches_by_hand():
    assert length_sorted_batches([3, 7, 5, 7, 1], 2) == [[1, 3], [2, 0], [4]]


def test_length_sorted_batches_empty():
    assert length_sorted_batches([], 4) == []


def test_length_sorted_batches_rejects_zero_size():
    with pytest.raises(ValueError, match="batch_size"):
        length_sorted_batches([1, 2], 0)


@given(st.lists(st.integers(min_value=1, max_value=50), max_size=40), st.integers(min_value=1, max_value=9))
def test_length_sorted_batches_partition(lengths, batch_size):
    batches = length_sorted_batches(lengths, batch_size)
    flat = [index for batch in batches for index in batch]
    assert sorted(flat) == list(range(len(lengths)))
    assert all(1 <= len(batch) <= batch_size for batch in batches)
    assert all(len(batch) == batch_size for batch in batches[:-1])
    ordered = [lengths[index] for index in flat]
    assert ordered == sorted(ordered, reverse=True)


def test_left_pad_by_hand():
    input_ids, attention_mask = left_pad([[5, 6, 7], [8]], pad_token_id=0)
    assert input_ids.tolist() == [[5, 6, 7], [0, 0, 8]]
    assert attention_mask.tolist() == [[1, 1, 1], [0, 0, 1]]


def test_left_pad_rejects_empty_prompt():
    with pytest.raises(ValueError, match="at least one token"):
        left_pad([[1, 2], []], pad_token_id=0)


@settings(max_examples=50)
@given(st.lists(st.lists(st.integers(min_value=1, max_value=99), min_size=1, max_size=12), min_size=1, max_size=6))
def test_left_pad_recovers_prompts(prompts):
    input_ids, attention_mask = left_pad(prompts, pad_token_id=0)
    recovered = [row[mask.bool()].tolist() for row, mask in zip(input_ids, attention_mask)]
    assert recovered == prompts
    assert bool((attention_mask[:, -1] == 1).all())


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([4, 5, 2, 0, 0], ([4, 5, 2], True)),
        ([2, 9], ([2], True)),
        ([4, 5, 6], ([4, 5, 6], False)),
        ([], ([], False)),
        ([4, 7, 2], ([4, 7], True)),
    ],
)
def test_trim_at_stop(ids, expected):
    assert trim_at_stop(ids, (2, 7)) == expected


def test_max_new_tokens_catalogue_and_override():
    budgets = resolve_max_new_tokens(["punctuation", "event", "translation"], {"event": 20, "翻译": 99})
    assert budgets == {"punctuation": 256, "event": 20, "translation": 99}


def test_max_new_tokens_unknown_task():
    with pytest.raises(ValueError, match="evaluation.max_new_tokens.*unknown task 'punctation'"):
        resolve_max_new_tokens(["punctuation"], {"punctation": 10})


def test_max_new_tokens_invalid_value():
    with pytest.raises(ValueError, match="positive integer"):
        resolve_max_new_tokens(["punctuation"], {"punctuation": 0})


# Decoding with the tiny model


def test_loaded_model_facts(loaded):
    assert loaded.stop_token_ids == (EOS,)
    assert loaded.pad_token_id == PAD
    assert loaded.dtype == torch.float32
    assert loaded.device == torch.device("cpu")
    assert loaded.context_length == 256
    assert loaded.adapter_merged is False


@pytest.mark.parametrize("merge_adapter", [True, False])
def test_checkpoint_sampling_config_ignored(model_dir, tmp_path, merge_adapter):
    """A checkpoint that requests sampling and a repetition penalty is still decoded greedily."""
    from transformers import GenerationConfig

    sampling_dir = tmp_path / "sampling"
    shutil.copytree(model_dir, sampling_dir)
    GenerationConfig(
        do_sample=True, temperature=5.0, top_k=0, repetition_penalty=20.0, eos_token_id=[EOS, UNK]
    ).save_pretrained(sampling_dir)
    adapter_dir = save_adapter(sampling_dir, tmp_path / "adapter", nonzero_b=False)

    sampled = load_model(sampling_dir, adapter_dir, device="cpu", merge_adapter=merge_adapter)
    rows, _ = decode_records(sampled, TRAINED, task="punctuation", max_new_tokens=24, batch_size=8)

    assert sampled.stop_token_ids == (EOS, UNK)
    assert [row["prediction"] for row in rows] == [record.output for record in TRAINED]


def test_batched_equals_one_by_one(loaded):
    tokenizer = loaded.tokenizer
    long_record = Record(id="punctuation/long", task="punctuation", instruction=INSTRUCTION,
                         input=CHARACTERS * 4, output="", source="test.txt:99")
    records = TRAINED + make_records(5, seed=7, prefix="u") + [long_record]
    prompts = [encode_prompt(tokenizer, r.instruction, r.input) for r in records]
    assert len(prompts[-1]) > 2 * max(len(ids) for ids in prompts[:-1])

    batched = generate_batch(loaded.model, prompts, pad_token_id=loaded.pad_token_id,
                             stop_token_ids=loaded.stop_token_ids, max_new_tokens=24)
    single = one_by_one(loaded, prompts, 24)

    assert batched == single
    stopped_lengths = {len(ids) for ids, stopped in batched if stopped}
    assert len(stopped_lengths) >= 4, "rows should finish at different steps, so that some are padded after EOS"


def test_trained_answers_decoded_exactly(loaded):
    rows, stats = decode_records(loaded, TRAINED, task="punctuation", max_new_tokens=24, batch_size=3)
    assert [row["prediction"] for row in rows] == [record.output for record in TRAINED]
    assert [row["generated_tokens"] for row in rows] == [len(record.output) + 1 for record in TRAINED]
    assert stats.items_at_max_new_tokens == 0


def test_decode_records_restores_order(loaded):
    records = list(reversed(TRAINED)) + make_records(6, seed=3, prefix="v")
    rows, stats = decode_records(loaded, records, task="punctuation", max_new_tokens=16, batch_size=4, run_id="r")
    single_rows, _ = decode_records(loaded, records, task="punctuation", max_new_tokens=16, batch_size=1)

    assert [row["id"] for row in rows] == [record.id for record in records]
    assert [row["reference"] for row in rows] == [record.output for record in records]
    assert rows == single_rows
    assert stats.batches == 4
    assert stats.items == 14
    assert stats.generated_tokens == sum(row["generated_tokens"] for row in rows)
    assert stats.prompt_tokens == sum(row["prompt_tokens"] for row in rows)


def test_decode_records_row_contents(loaded):
    record = TRAINED[2]
    rows, _ = decode_records(loaded, [record], task="punctuation", max_new_tokens=16, batch_size=4)
    row = rows[0]
    assert tuple(row) == PREDICTION_FIELDS
    assert row["prompt"] == f"### 指令：\n{INSTRUCTION}\n{record.input}\n\n### 回答：\n"
    assert row["prompt_tokens"] == len(row["prompt"])
    assert "</s>" not in row["prediction"]


def test_decode_records_empty_split(loaded):
    rows, stats = decode_records(loaded, [], task="event", max_new_tokens=16, batch_size=4)
    assert rows == []
    assert stats.items == 0
    assert stats.batches == 0
    assert stats.generated_tokens == 0
    assert stats.tokens_per_second == 0.0


def test_decode_records_counts_max_new_tokens(loaded):
    rows, stats = decode_records(loaded, TRAINED[4:], task="punctuation", max_new_tokens=2, batch_size=8)
    assert [row["generated_tokens"] for row in rows] == [2, 2, 2, 2]
    assert stats.items_at_max_new_tokens == 4


def test_decode_records_flags_prompts_over_context(loaded, caplog):
    _, stats = decode_records(loaded, TRAINED[:2], task="punctuation", max_new_tokens=240, batch_size=2)
    assert stats.prompts_over_context == 2
    assert "exceed the model's max_position_embeddings 256" in caplog.text


# Adapters


def test_adapter_with_nonzero_b_changes_outputs(model_dir, loaded, tmp_path):
    adapter_dir = save_adapter(model_dir, tmp_path / "adapter", nonzero_b=True)
    merged = load_model(model_dir, adapter_dir, device="cpu", merge_adapter=True)
    unmerged = load_model(model_dir, adapter_dir, device="cpu", merge_adapter=False)
    assert merged.adapter_merged is True
    assert unmerged.adapter_merged is False

    base_rows, _ = decode_records(loaded, TRAINED, task="punctuation", max_new_tokens=12, batch_size=8)
    merged_rows, _ = decode_records(merged, TRAINED, task="punctuation", max_new_tokens=12, batch_size=8)
    unmerged_rows, _ = decode_records(unmerged, TRAINED, task="punctuation", max_new_tokens=12, batch_size=8)

    base_predictions = [row["prediction"] for row in base_rows]
    merged_predictions = [row["prediction"] for row in merged_rows]
    assert merged_predictions != base_predictions
    assert merged_predictions == [row["prediction"] for row in unmerged_rows]


def test_adapter_with_zero_b_keeps_outputs(model_dir, loaded, tmp_path):
    adapter_dir = save_adapter(model_dir, tmp_path / "adapter", nonzero_b=False)
    with_adapter = load_model(model_dir, adapter_dir, device="cpu")
    base_rows, _ = decode_records(loaded, TRAINED, task="punctuation", max_new_tokens=12, batch_size=8)
    adapter_rows, _ = decode_records(with_adapter, TRAINED, task="punctuation", max_new_tokens=12, batch_size=8)
    assert adapter_rows == base_rows


def test_load_model_missing_adapter(model_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="adapter directory not found"):
        load_model(model_dir, tmp_path / "nowhere", device="cpu")


# predict_run and the workflow rule


@pytest.fixture()
def run_inputs(model_dir, tmp_path):
    """Test splits of a two-task run (one of them empty) and a zero-B adapter."""
    punctuation = tmp_path / "data" / "punctuation" / "test.jsonl"
    event = tmp_path / "data" / "event" / "test.jsonl"
    write_jsonl(punctuation, list(reversed(TRAINED)))
    write_jsonl(event, [])
    adapter_dir = save_adapter(model_dir, tmp_path / "adapter", nonzero_b=False)
    return {"splits": {"punctuation": str(punctuation), "event": str(event)}, "adapter": adapter_dir}


def test_predict_run_outputs(model_dir, run_inputs, tmp_path):
    predictions = tmp_path / "out" / "predictions.jsonl"
    stats_path = tmp_path / "out" / "predict_stats.json"
    predict_run(
        model_dir=model_dir, adapter_dir=run_inputs["adapter"], test_splits=run_inputs["splits"],
        evaluation={"batch_size": 3, "max_new_tokens": {"punctuation": 24}},
        predictions_path=predictions, stats_path=stats_path, run_id="punctuation+event/seed42", device="cpu",
    )

    rows = [json.loads(line) for line in predictions.read_text("utf-8").splitlines()]
    assert [row["id"] for row in rows] == [record.id for record in reversed(TRAINED)]
    assert [row["prediction"] for row in rows] == [record.output for record in reversed(TRAINED)]
    assert all(tuple(row) == PREDICTION_FIELDS for row in rows)

    stats = json.loads(stats_path.read_text("utf-8"))
    assert stats["run"] == "punctuation+event/seed42"
    assert stats["device"] == "cpu"
    assert stats["dtype"] == "float32"
    assert stats["adapter_merged"] is True
    assert stats["load_seconds"] > 0
    assert list(stats["tasks"]) == ["punctuation", "event"]
    assert stats["tasks"]["punctuation"]["items"] == 8
    assert stats["tasks"]["punctuation"]["batches"] == 3
    assert stats["tasks"]["punctuation"]["max_new_tokens"] == 24
    assert stats["tasks"]["punctuation"]["generated_tokens"] == sum(len(r.output) + 1 for r in TRAINED)
    assert stats["tasks"]["event"]["items"] == 0
    assert stats["tasks"]["event"]["max_new_tokens"] == 128
    assert stats["items"] == 8
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_predict_run_rejects_foreign_task(model_dir, run_inputs, tmp_path):
    split = Path(run_inputs["splits"]["event"])
    write_jsonl(split, [TRAINED[0]])
    with pytest.raises(InputError, match="has task 'punctuation', expected 'event'"):
        predict_run(
            model_dir=model_dir, adapter_dir=run_inputs["adapter"], test_splits=run_inputs["splits"],
            evaluation={"batch_size": 3}, predictions_path=tmp_path / "p.jsonl", stats_path=tmp_path / "s.json",
            run_id="r", device="cpu",
        )
    assert not (tmp_path / "p.jsonl").exists()


@pytest.mark.slow
def test_predict_rule_in_workflow(model_dir, tmp_path):
    """Run the real `predict` rule of the Snakefile on prepared inputs, with every other rule disallowed."""
    workdir = tmp_path / "work"
    run_dir = workdir / "results" / "runs" / "punctuation" / "seed42"
    write_jsonl(workdir / "results" / "data" / "punctuation" / "test.jsonl", TRAINED)
    shutil.copytree(model_dir, workdir / "results" / "models" / "cpt")
    save_adapter(model_dir, run_dir / "adapter", nonzero_b=False)
    config = REPO / "config" / "config.yaml"
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(config), "--config", "tasks=[punctuation]", f"data_root={REPO / 'resources' / 'demo'}",
        "--allowed-rules", "predict", "--cores", "1", "--quiet",
        "--", "results/runs/punctuation/seed42/predictions.jsonl",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text("utf-8").splitlines()]
    assert [row["prediction"] for row in rows] == [record.output for record in TRAINED]
    stats = json.loads((run_dir / "predict_stats.json").read_text("utf-8"))
    assert stats["run"] == "punctuation/seed42"
    assert stats["tasks"]["punctuation"]["items"] == 8
    log_text = (workdir / "results" / "logs" / "predict" / "punctuation" / "seed42.log").read_text("utf-8")
    assert "run punctuation/seed42 task punctuation: 8 items" in log_text
