import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from wenyan_mtl.model.lora import wrap_with_lora


def tiny_model():
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=64,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=32,
    )
    return LlamaForCausalLM(config)


def lora_names(model):
    from peft.tuners.lora import LoraLayer

    return sorted(name for name, module in model.named_modules() if isinstance(module, LoraLayer))


def test_all_linear_wraps_every_projection():
    model = wrap_with_lora(tiny_model(), {"r": 2, "alpha": 4, "target_modules": "all-linear"})
    names = lora_names(model)
    assert len(names) == 2 * 7
    assert not any(name.endswith("lm_head") for name in names)


def test_listed_modules_are_all_wrapped():
    model = wrap_with_lora(tiny_model(), {"r": 2, "target_modules": ["q_proj", "v_proj"]})
    suffixes = sorted(name.rsplit(".", 1)[-1] for name in lora_names(model))
    assert suffixes == ["q_proj", "q_proj", "v_proj", "v_proj"]


def test_unknown_module_name_raises():
    with pytest.raises(ValueError, match="'qproj' match no module"):
        wrap_with_lora(tiny_model(), {"r": 2, "target_modules": ["q_proj", "qproj"]})
