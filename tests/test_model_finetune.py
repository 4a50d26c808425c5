import json
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from test_model_fixtures import build_tiny_model, finetune_settings, make_records, write_records
from wenyan_mtl.model.finetune import FinetuneSpec, run_finetune
from wenyan_mtl.model.training import complete_checkpoints


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("finetune")
    _, model_dir = build_tiny_model(root)
    files = {
        "punctuation": write_records(root / "punctuation.jsonl", make_records("punctuation", 48)),
        "pos": write_records(root / "pos.jsonl", make_records("pos", 16)),
    }
    return root, model_dir, files


def make_spec(workspace, name, **settings) -> FinetuneSpec:
    root, model_dir, files = workspace
    out = root / name
    return FinetuneSpec(
        run_id="punctuation+pos",
        seed=42,
        tasks=["punctuation", "pos"],
        train_files={task: str(path) for task, path in files.items()},
        model_dir=str(model_dir),
        adapter_dir=str(out / "adapter"),
        train_log=str(out / "train_log.jsonl"),
        manifest=str(out / "manifest.json"),
        settings=finetune_settings(**settings),
        checkpoint_dir=str(root / "checkpoints" / name),
    )


def adapter_weights(spec):
    return load_file(str(Path(spec.adapter_dir) / "adapter_model.safetensors"))


def test_finetune_writes_outputs_and_manifest(workspace):
    spec = make_spec(workspace, "plain")
    manifest = run_finetune(spec)
    assert (Path(spec.adapter_dir) / "adapter_config.json").is_file()
    assert manifest["records_selected"] == {"punctuation": 48, "pos": 16}
    assert manifest["records_available"] == {"punctuation": 48, "pos": 16}
    assert manifest["mixing"]["strategy"] == "concat"
    assert manifest["world_size"] == 1
    assert 0 < manifest["supervised_tokens_all"] < manifest["total_tokens_all"]
    assert manifest["tokens_seen"] == manifest["total_tokens_all"]
    assert set(manifest["data_sha256"]) == {"punctuation", "pos"}
    log_lines = [json.loads(line) for line in Path(spec.train_log).read_text().splitlines()]
    assert [line["step"] for line in log_lines] == list(range(1, manifest["global_steps"] + 1))
    assert {"loss", "lr", "tokens_per_second"} <= set(log_lines[0])
    assert not Path(spec.checkpoint_dir).exists()


def test_finetune_padded_batches_train(workspace):
    manifest = run_finetune(make_spec(workspace, "padded", packing=False))
    assert manifest["packing"] is False
    assert manifest["tokens_seen"] == manifest["total_tokens_all"]


@pytest.mark.slow
def test_killed_run_resumes_to_same_adapter(workspace):
    reference = make_spec(workspace, "reference", max_steps=24, save_steps=4)
    run_finetune(reference)

    resumed = make_spec(workspace, "resumed", max_steps=24, save_steps=4)
    spec_path = Path(resumed.checkpoint_dir).parent / "resumed_spec.json"
    spec_path.parent.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(json.dumps(asdict(resumed)))
    command = [sys.executable, "-m", "wenyan_mtl.model.finetune", "--spec", str(spec_path), "--all-phases"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not complete_checkpoints(resumed.checkpoint_dir) and process.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert not Path(resumed.manifest).exists(), "the run finished before it could be killed"
    killed_at = int(complete_checkpoints(resumed.checkpoint_dir)[-1].name.split("-")[1])
    assert 0 < killed_at < 24

    manifest = run_finetune(resumed)
    assert manifest["resumed_from_step"] == killed_at
    assert manifest["global_steps"] == 24
    expected = adapter_weights(reference)
    actual = adapter_weights(resumed)
    assert expected.keys() == actual.keys()
    for name in expected:
        assert torch.allclose(expected[name], actual[name], atol=1e-6), name
    steps = [json.loads(line)["step"] for line in Path(resumed.train_log).read_text().splitlines()]
    assert steps == list(range(1, 25))


def test_stale_checkpoints_are_discarded(workspace):
    spec = make_spec(workspace, "stale")
    stale = Path(spec.checkpoint_dir) / "checkpoint-2"
    stale.mkdir(parents=True)
    (stale / "trainer_state.json").write_text("{}")
    manifest = run_finetune(spec)
    assert manifest["resumed_from_step"] == 0


@pytest.mark.slow
def test_two_process_ddp_on_cpu(workspace):
    spec = make_spec(workspace, "ddp")
    spec.nproc = 2
    manifest = run_finetune(spec)
    assert manifest["world_size"] == 2
    assert (Path(spec.adapter_dir) / "adapter_model.safetensors").is_file()
    assert manifest["tokens_seen"] >= manifest["total_tokens_all"]
