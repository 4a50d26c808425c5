"""Bad inputs to the model and evaluation stages, as a careless or hostile user would give them.

Each case expects a clear error that names the file, line and field (or the
record id or setting), or a fallback that is counted and reported.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch

from test_model_fixtures import build_tiny_model, finetune_settings, make_records, write_records
from wenyan_mtl.metrics import ScoringContext, score_task
from wenyan_mtl.metrics.bertscore import BertScoreEncoder
from wenyan_mtl.metrics.judge import OpenAIBackend, make_backend
from wenyan_mtl.metrics.runner import read_predictions, score_run
from wenyan_mtl.records import InputError

POEM = "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"
POEM_INPUT = "题目：登鹳雀楼\n体裁：五言绝句"
SECRET = "sk-hostile-test-secret"


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory) -> Path:
    torch.set_num_threads(1)
    _, model_dir = build_tiny_model(tmp_path_factory.mktemp("hostile"))
    return model_dir


def _copy(base_dir: Path, target: Path) -> Path:
    shutil.copytree(base_dir, target)
    return target


# --- model directories and tokenizers ---------------------------------------------


def test_base_dir_missing(tmp_path):
    from wenyan_mtl.model.loading import load_causal_lm, load_tokenizer

    missing = tmp_path / "no-such-model"
    expected = f"model directory {missing} not found; expected a local Hugging Face model directory"
    with pytest.raises(FileNotFoundError) as model_error:
        load_causal_lm(missing)
    assert str(model_error.value) == expected
    with pytest.raises(FileNotFoundError) as tokenizer_error:
        load_tokenizer(missing)
    assert str(tokenizer_error.value) == expected


def test_base_dir_pickle_weights_rejected(base_dir, tmp_path):
    from wenyan_mtl.model.loading import load_causal_lm

    model_dir = _copy(base_dir, tmp_path / "pickled")
    state = load_causal_lm(base_dir).state_dict()
    torch.save(state, model_dir / "pytorch_model.bin")
    (model_dir / "model.safetensors").unlink()
    with pytest.raises(ValueError) as error:
        load_causal_lm(model_dir)
    assert str(error.value) == (
        f"model directory {model_dir} has no *.safetensors weights (found pytorch_model.bin); only safetensors "
        "are loaded, so convert the weights with save_pretrained(safe_serialization=True)"
    )


def test_base_dir_custom_code_rejected(base_dir, tmp_path):
    from wenyan_mtl.model.loading import load_causal_lm

    model_dir = _copy(base_dir, tmp_path / "custom")
    config_path = model_dir / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["auto_map"] = {"AutoModelForCausalLM": "modeling_custom.CustomModel"}
    config_path.write_text(json.dumps(config), encoding="utf-8")
    marker = tmp_path / "remote-code-ran"
    (model_dir / "modeling_custom.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")

    with pytest.raises(ValueError) as error:
        load_causal_lm(model_dir)
    assert str(error.value) == (
        f"{config_path}: field 'auto_map' asks for custom model code, which is never run "
        "(trust_remote_code is off); use a model that transformers supports natively"
    )
    assert not marker.exists()


def _strip_tokenizer_config(model_dir: Path, keys) -> None:
    path = model_dir / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    for key in keys:
        config.pop(key, None)
    path.write_text(json.dumps(config), encoding="utf-8")
    for extra in [*model_dir.glob("chat_template*"), model_dir / "special_tokens_map.json"]:
        if extra.exists():
            extra.unlink()


def test_tokenizer_without_eos_or_pad(base_dir, tmp_path):
    from wenyan_mtl.model.loading import load_tokenizer

    model_dir = _copy(base_dir, tmp_path / "no-eos")
    _strip_tokenizer_config(model_dir, ["eos_token", "pad_token", "chat_template"])
    with pytest.raises(ValueError) as error:
        load_tokenizer(model_dir)
    assert str(error.value) == f"tokenizer in {model_dir}: it has neither a pad token nor an eos token"


def test_tokenizer_without_pad_or_template(base_dir, tmp_path):
    from wenyan_mtl.model.loading import load_tokenizer
    from wenyan_mtl.prompting import DEFAULT_CHAT_TEMPLATE

    model_dir = _copy(base_dir, tmp_path / "no-pad")
    _strip_tokenizer_config(model_dir, ["pad_token", "chat_template"])
    tokenizer = load_tokenizer(model_dir)
    assert tokenizer.pad_token == "</s>"
    assert tokenizer.pad_token_id == tokenizer.eos_token_id
    assert tokenizer.chat_template == DEFAULT_CHAT_TEMPLATE


# --- LoRA target modules --------------------------------------------------------------

LINEAR_NAMES = "down_proj, gate_proj, k_proj, o_proj, q_proj, up_proj, v_proj"


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (
            ["q_proj", "qkv_proj"],
            f"lora.target_modules: 'qkv_proj' match no module of the model; its linear layers are named "
            f"{LINEAR_NAMES} (or use 'all-linear')",
        ),
        ([], "lora.target_modules is empty; list module names or use 'all-linear'"),
        (
            ["input_layernorm"],
            f"lora.target_modules: 'input_layernorm' (LlamaRMSNorm) name layers that LoRA cannot wrap; "
            f"its linear layers are named {LINEAR_NAMES} (or use 'all-linear')",
        ),
    ],
)
def test_lora_bad_targets(base_dir, targets, message):
    from wenyan_mtl.model.loading import load_causal_lm
    from wenyan_mtl.model.lora import wrap_with_lora

    model = load_causal_lm(base_dir)
    with pytest.raises(ValueError) as error:
        wrap_with_lora(model, {"r": 2, "alpha": 4, "target_modules": targets})
    assert str(error.value) == message


# --- encoding, splits and mixing ---------------------------------------------------


def test_cutoff_below_prompt_names_record(base_dir):
    from wenyan_mtl.model.loading import load_tokenizer
    from wenyan_mtl.prompting import encode_example, encode_prompt

    tokenizer = load_tokenizer(base_dir)
    record = make_records("punctuation", 1)[0]
    bare_prompt = len(encode_prompt(tokenizer, record.instruction, ""))
    with pytest.raises(ValueError) as error:
        encode_example(tokenizer, record, 5)
    assert str(error.value) == (
        f"record punctuation/0000: the prompt alone takes {bare_prompt} tokens, more than cutoff_len 5"
    )


def test_output_over_cutoff_counted(base_dir, caplog):
    from wenyan_mtl.model.data import encode_records
    from wenyan_mtl.model.loading import load_tokenizer
    from wenyan_mtl.prompting import IGNORE_INDEX, encode_prompt

    tokenizer = load_tokenizer(base_dir)
    short, long_record = make_records("punctuation", 2)
    long_record = replace(long_record, output="天地玄黄" * 60)
    cutoff = 120
    output_tokens = len(tokenizer(long_record.output, add_special_tokens=False)["input_ids"]) + 1
    room = cutoff - len(encode_prompt(tokenizer, long_record.instruction, ""))
    with caplog.at_level(logging.WARNING, logger="wenyan_mtl.model"):
        encoded = encode_records(tokenizer, [short, long_record], cutoff)

    assert len(encoded.examples) == 2
    assert encoded.truncated_output_records == {"punctuation": 1}
    assert encoded.truncated_output_tokens == {"punctuation": output_tokens - room}
    assert encoded.truncated_input_records == {"punctuation": 1}
    assert len(encoded.examples[1]["input_ids"]) == cutoff
    assert sum(label != IGNORE_INDEX for label in encoded.examples[1]["labels"]) == room
    assert (
        f"task punctuation: 1 records lost {output_tokens - room} output tokens to cutoff_len {cutoff} "
        f"(first: {long_record.id})" in caplog.text
    )


def test_empty_train_split(tmp_path):
    from wenyan_mtl.model.finetune import read_task_records

    path = tmp_path / "train.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_task_records("punctuation", path)
    assert str(error.value) == f"{path}: the train split of task 'punctuation' has no records"


def test_train_split_wrong_task_line(tmp_path):
    from wenyan_mtl.model.finetune import read_task_records

    path = write_records(tmp_path / "train.jsonl", make_records("punctuation", 2) + make_records("pos", 1))
    with pytest.raises(InputError) as error:
        read_task_records("punctuation", path)
    assert str(error.value) == f"{path}, line 3, field 'task': expected task 'punctuation', got 'pos'"


def test_temperature_mixing_one_task():
    from wenyan_mtl.model.mixing import mix_records

    records = make_records("punctuation", 3)
    mixed = mix_records({"punctuation": records}, "temperature", 2.0, seed=1)
    assert mixed.available == {"punctuation": 3}
    assert mixed.selected == {"punctuation": 3}
    assert sorted(record.id for record in mixed.records) == [record.id for record in records]


def test_stale_checkpoint_discarded(base_dir, tmp_path, caplog):
    from wenyan_mtl.model.finetune import FinetuneSpec, prepare
    from wenyan_mtl.model.training import FINGERPRINT_FILE

    train = write_records(tmp_path / "train.jsonl", make_records("punctuation", 4))
    checkpoints = tmp_path / "ckpt"

    def spec(settings):
        return FinetuneSpec(
            run_id="punctuation", seed=42, tasks=["punctuation"], train_files={"punctuation": str(train)},
            model_dir=str(base_dir), adapter_dir=str(tmp_path / "out" / "adapter"),
            train_log=str(tmp_path / "out" / "train_log.jsonl"), manifest=str(tmp_path / "out" / "manifest.json"),
            settings=settings, checkpoint_dir=str(checkpoints),
        )

    def fake_checkpoint():
        step = checkpoints / "checkpoint-2"
        step.mkdir(parents=True)
        (step / "trainer_state.json").write_text("{}", encoding="utf-8")
        return step

    prepare(spec(finetune_settings()))
    same = fake_checkpoint()
    prepare(spec(finetune_settings()))
    assert same.is_dir()

    with caplog.at_level(logging.WARNING, logger="wenyan_mtl.model"):
        changed = prepare(spec(finetune_settings(learning_rate=1e-3)))
    assert not same.exists()
    assert f"checkpoints in {checkpoints} belong to other settings or data; starting over" in caplog.text
    stored = json.loads((checkpoints / FINGERPRINT_FILE).read_text(encoding="utf-8"))
    assert stored == json.loads(json.dumps(changed.fingerprint))
    # A checkpoint without any fingerprint (an older layout or a foreign directory) is not resumed either.
    foreign = fake_checkpoint()
    (checkpoints / FINGERPRINT_FILE).unlink()
    prepare(spec(finetune_settings(learning_rate=1e-3)))
    assert not foreign.exists()


# --- predictions.jsonl ------------------------------------------------------------------


def _prediction(item_id="punctuation/1", task="punctuation", prediction="天地，玄黄。", **changes) -> dict:
    line = {
        "id": item_id, "task": task, "instruction": "加标点", "input": "天地玄黄", "prompt": "p",
        "reference": "天地，玄黄。", "prediction": prediction, "prompt_tokens": 3, "generated_tokens": 4,
    }
    line.update(changes)
    return line


def _write_lines(path: Path, lines) -> Path:
    text = [line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def _without(line: dict, name: str) -> dict:
    return {key: value for key, value in line.items() if key != name}


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ("{bad json", "line 2: invalid JSON: Expecting property name enclosed in double quotes at column 2"),
        ("[1, 2]", "line 2: expected a JSON object, got list"),
        (_without(_prediction("punctuation/2"), "prediction"), "line 2, field 'prediction': missing field or not a string"),
        (_prediction("punctuation/2", reference=None), "line 2, field 'reference': missing field or not a string"),
        (_prediction("pos/1", task="pos"), "line 2, field 'task': task 'pos' is not one of this run's tasks ['punctuation']"),
        (_prediction(), "line 2, field 'id': duplicate id 'punctuation/1' of task 'punctuation' (first on line 1)"),
    ],
)
def test_predictions_bad_line(tmp_path, second_line, message):
    path = _write_lines(tmp_path / "predictions.jsonl", [_prediction(), second_line])
    with pytest.raises(InputError) as error:
        read_predictions(path, ["punctuation"])
    assert str(error.value) == f"{path}, {message}"


def test_predictions_missing_task(tmp_path):
    path = _write_lines(tmp_path / "predictions.jsonl", [_prediction()])
    with pytest.raises(InputError) as error:
        read_predictions(path, ["punctuation", "pos"])
    assert str(error.value) == f"{path}, field 'task': no predictions for task(s) ['pos']"


def test_hostile_predictions_scored_and_counted(tmp_path):
    huge = "天地玄黄，" * 20000
    lines = [
        _prediction("punctuation/1"),
        _prediction("punctuation/2", prediction=""),
        _prediction("punctuation/3", prediction=huge),
        _prediction("punctuation/4", prediction="𠀀𪚥，玄黄。"),
        _prediction("punctuation/5", prediction="天地\x00\x1b[31m，玄\u202e黄。\x7f"),
        _prediction("pos/1", task="pos", reference="天/n 地/n", prediction="天地"),
        _prediction("pos/2", task="pos", reference="天/n 地/n", prediction="天/n 地/n"),
        _prediction("translation/1", task="translation", reference="天地黑黄", prediction="𠀀𪚥，玄黄。"),
    ]
    path = _write_lines(tmp_path / "predictions.jsonl", lines)
    started = time.perf_counter()
    scores = score_run(path, ["punctuation", "pos", "translation"], {}, None, "hostile", 1,
                       tmp_path / "scores.json", tmp_path / "items.jsonl", judge_cache_dir=None)
    elapsed = time.perf_counter() - started

    punctuation = scores["tasks"]["punctuation"]
    assert punctuation["n_items"] == 5
    assert punctuation["empty_predictions"] == 1
    assert punctuation["malformed"] == 0
    assert punctuation["details"]["altered_text_items"] == 4
    # Gold has 2 marks per item (10). Items 1, 4 and 5 find both; item 3 predicts 20000 marks,
    # one of them at a gold position with the wrong mark, and item 2 predicts none.
    assert punctuation["details"]["tp"] == 6
    assert punctuation["details"]["fn"] == 4
    pos = scores["tasks"]["pos"]
    assert pos["n_items"] == 2
    assert pos["malformed"] == 1
    # The untagged "天地" counts as one wrong word (fp 1) and misses both gold words (fn 2).
    assert (pos["details"]["tp"], pos["details"]["fp"], pos["details"]["fn"]) == (2, 1, 2)
    assert pos["score"] == pytest.approx(400 / 7)
    translation = scores["tasks"]["translation"]
    # The BLEU tokenizer splits every CJK character, Extension B included: 6 tokens.
    assert translation["details"]["sys_len"] == 6
    assert translation["details"]["ref_len"] == 4
    items = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) == len(lines)
    assert elapsed < 20


# --- test splits and decoding --------------------------------------------------------


def test_test_split_missing_field(base_dir, tmp_path):
    from wenyan_mtl.inference import predict_run

    records = [json.loads(record.to_json()) for record in make_records("punctuation", 2)]
    del records[1]["output"]
    split = _write_lines(tmp_path / "test.jsonl", records)
    with pytest.raises(InputError) as error:
        predict_run(model_dir=base_dir, adapter_dir=None, test_splits={"punctuation": split}, evaluation={},
                    predictions_path=tmp_path / "p.jsonl", stats_path=tmp_path / "s.json", run_id="r")
    assert str(error.value) == f"{split}, line 2, field 'output': missing field"


def test_max_new_tokens_one(base_dir, tmp_path):
    from wenyan_mtl.inference import predict_run

    split = write_records(tmp_path / "test.jsonl", make_records("punctuation", 3))
    predictions = tmp_path / "predictions.jsonl"
    stats = predict_run(
        model_dir=base_dir, adapter_dir=None, test_splits={"punctuation": split},
        evaluation={"batch_size": 2, "max_new_tokens": {"punctuation": 1}},
        predictions_path=predictions, stats_path=tmp_path / "stats.json", run_id="r/seed1",
    )
    rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    task_stats = stats.tasks["punctuation"]
    assert len(rows) == 3
    assert all(row["generated_tokens"] <= 1 for row in rows)
    assert task_stats["max_new_tokens"] == 1
    # An untrained model stops on its first token only if that token is EOS.
    assert task_stats["items_at_max_new_tokens"] == sum(row["generated_tokens"] == 1 for row in rows)
    scores = score_run(predictions, ["punctuation"], {}, None, "r", 1, tmp_path / "sc.json", tmp_path / "it.jsonl",
                       judge_cache_dir=None)
    assert scores["tasks"]["punctuation"]["n_items"] == 3


def test_max_new_tokens_not_mapping(tmp_path):
    from wenyan_mtl.inference import resolve_max_new_tokens

    with pytest.raises(ValueError) as error:
        resolve_max_new_tokens(["punctuation"], 1)
    assert str(error.value) == (
        "config evaluation.max_new_tokens: expected a mapping of task to a positive integer, got 1"
    )


# --- BERTScore encoder ---------------------------------------------------------------


def test_bertscore_encoder_without_safetensors(base_dir, tmp_path):
    encoder = _copy(base_dir, tmp_path / "encoder")
    (encoder / "model.safetensors").unlink()
    with pytest.raises(ValueError) as error:
        BertScoreEncoder(str(encoder))
    assert str(error.value) == (
        f"BERTScore encoder directory {str(encoder)!r} has no *.safetensors weights; only safetensors are loaded"
    )


def test_bertscore_encoder_without_tokenizer(base_dir, tmp_path):
    encoder = _copy(base_dir, tmp_path / "encoder")
    for path in [*encoder.glob("tokenizer*"), *encoder.glob("special_tokens*")]:
        path.unlink()
    with pytest.raises(ValueError) as error:
        BertScoreEncoder(str(encoder))
    assert str(error.value) == (
        f"BERTScore encoder directory {str(encoder)!r} has no tokenizer (none of tokenizer.json, "
        "tokenizer_config.json, vocab.txt); save the tokenizer into the same directory"
    )


def test_bertscore_encoder_missing_dir(tmp_path):
    missing = str(tmp_path / "no-encoder")
    with pytest.raises(FileNotFoundError) as error:
        BertScoreEncoder(missing)
    assert str(error.value) == f"BERTScore encoder directory {missing!r} not found (evaluation.bertscore.model)"


# --- LLM judge ------------------------------------------------------------------------


def test_judge_without_api_key(monkeypatch):
    monkeypatch.delenv("HOSTILE_JUDGE_KEY", raising=False)
    with pytest.raises(ValueError) as error:
        make_backend({"backend": "openai", "base_url": "http://127.0.0.1:9", "model": "m",
                      "api_key_env": "HOSTILE_JUDGE_KEY"})
    assert str(error.value) == (
        "judge backend 'openai': environment variable HOSTILE_JUDGE_KEY (evaluation.judge.api_key_env) is not set; "
        "export the API key in it (any non-empty value for a local server that needs no key)"
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_judge_closed_port(monkeypatch, caplog):
    port = _closed_port()
    monkeypatch.setenv("HOSTILE_JUDGE_KEY", SECRET)
    backend = make_backend({"backend": "openai", "base_url": f"http://127.0.0.1:{port}/v1", "model": "m",
                            "api_key_env": "HOSTILE_JUDGE_KEY"})
    backend.retry_delay = 0.01
    started = time.perf_counter()
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(RuntimeError) as error:
            backend.complete("题目", 0.0)
    elapsed = time.perf_counter() - started
    message = str(error.value)
    assert message.startswith(f"judge request to http://127.0.0.1:{port}/v1/chat/completions failed 4 times, last: ")
    assert "Connection refused" in message
    assert caplog.text.count("retry") == 3
    assert SECRET not in caplog.text
    assert elapsed < 5


class _ProseJudge:
    """A chat-completions server on 127.0.0.1 that always replies in prose instead of JSON."""

    def __init__(self):
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests += 1
                payload = json.dumps({"choices": [{"message": {"content": "这首诗意境深远，堪称佳作。"}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_judge_reply_not_json(tmp_path, monkeypatch):
    server = _ProseJudge()
    monkeypatch.setenv("HOSTILE_JUDGE_KEY", SECRET)
    evaluation = {"judge": {"backend": "openai", "base_url": server.url, "model": "prose",
                            "api_key_env": "HOSTILE_JUDGE_KEY", "max_retries": 1}}
    items = [{"id": "poem/1", "input": POEM_INPUT, "reference": POEM, "prediction": POEM}]
    try:
        result = score_task("poetry_generation", items, ScoringContext(evaluation, judge_cache_dir=tmp_path))
    finally:
        server.close()
    assert result.score == 0.0
    assert result.malformed == 1
    assert result.details["unparseable"] == 1
    assert server.requests == 2
    assert not any(tmp_path.rglob("*.json"))
