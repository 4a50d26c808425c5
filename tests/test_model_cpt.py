import json
from pathlib import Path

import torch

from test_model_fixtures import build_tiny_model
from wenyan_mtl.model.cpt import CptSpec, run_cpt, safetensors_layout

CPT_SETTINGS = {
    "cutoff_len": 64,
    "learning_rate": 1e-2,
    "per_device_train_batch_size": 8,
    "gradient_accumulation_steps": 1,
    "warmup_ratio": 0.1,
    "num_train_epochs": 1,
    "lora": {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "all-linear"},
    "precision": "fp32",
}


def weights_size(model_dir):
    return sum(path.stat().st_size for path in Path(model_dir).glob("*.safetensors"))


def test_cpt_merge_keeps_bf16_dtype_and_size(tmp_path):
    torch.set_num_threads(1)
    corpus, base = build_tiny_model(tmp_path, dtype="bf16")
    manifest = run_cpt(
        CptSpec(
            corpus=str(corpus),
            base_dir=str(base),
            output_dir=str(tmp_path / "cpt"),
            train_log=str(tmp_path / "cpt_train_log.jsonl"),
            manifest=str(tmp_path / "cpt_manifest.json"),
            settings=CPT_SETTINGS,
            checkpoint_dir=str(tmp_path / "checkpoints"),
        )
    )
    base_layout = safetensors_layout(base)
    merged_layout = safetensors_layout(tmp_path / "cpt")
    assert merged_layout == base_layout
    assert {dtype for dtype, _ in merged_layout.values()} == {"BF16"}
    assert abs(weights_size(tmp_path / "cpt") - weights_size(base)) < 1024

    from safetensors.torch import load_file

    before = load_file(str(base / "model.safetensors"))
    after = load_file(str(tmp_path / "cpt" / "model.safetensors"))
    changed = [name for name in before if not torch.equal(before[name], after[name])]
    assert any("q_proj" in name for name in changed), "the merged LoRA update changed no weight"

    log_lines = [json.loads(line) for line in (tmp_path / "cpt_train_log.jsonl").read_text().splitlines()]
    assert [line["step"] for line in log_lines] == list(range(1, manifest["global_steps"] + 1))
    assert all(line["tokens_per_second"] > 0 for line in log_lines)
    assert json.loads((tmp_path / "cpt_manifest.json").read_text())["blocks"] == manifest["blocks"]
    assert not (tmp_path / "checkpoints").exists()
    assert (tmp_path / "cpt" / "tokenizer.json").is_file()
