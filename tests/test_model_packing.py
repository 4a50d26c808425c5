import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from wenyan_mtl.model.attention import register_packed_attention
from wenyan_mtl.model.data import PaddingCollator, make_collator
from wenyan_mtl.prompting import IGNORE_INDEX


def tiny_model(attention):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=100,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        attn_implementation=attention,
        use_cache=False,
    )
    return LlamaForCausalLM(config).eval()


@pytest.mark.parametrize("attention", ["sdpa", "eager", "packed"])
def test_packed_forward_matches_separate(attention):
    if attention == "packed":
        model = tiny_model("sdpa")
        model.set_attn_implementation(register_packed_attention())
    else:
        model = tiny_model(attention)
    sequences = [[1, 5, 7, 9, 3], [4, 8, 2], [11, 12, 13, 14, 15, 16, 17]]
    features = [{"input_ids": ids, "labels": ids} for ids in sequences]
    batch = make_collator(None, packing=True)(features)
    assert batch["input_ids"].shape == (1, 15)
    assert batch["position_ids"][0].tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 0, 1, 2, 3, 4, 5, 6]
    with torch.no_grad():
        packed = model(
            input_ids=batch["input_ids"],
            position_ids=batch["position_ids"],
            cu_seq_lens_q=batch["cu_seq_lens_q"],
            cu_seq_lens_k=batch["cu_seq_lens_k"],
        ).logits[0]
        separate = torch.cat([model(input_ids=torch.tensor([ids])).logits[0] for ids in sequences])
    assert torch.allclose(packed, separate, atol=1e-5)


@pytest.mark.parametrize("packing", [True, False])
def test_supervised_logits_give_same_loss(packing):
    model = tiny_model("sdpa")
    if packing:
        model.set_attn_implementation(register_packed_attention())
    features = [
        {"input_ids": [1, 5, 7, 9, 3], "labels": [IGNORE_INDEX, IGNORE_INDEX, 7, 9, 3]},
        {"input_ids": [4, 8, 2], "labels": [IGNORE_INDEX, 8, 2]},
    ]

    class Tokenizer:
        pad_token_id = 0

    full = make_collator(Tokenizer, packing, supervised_logits_only=False)(features)
    reduced = make_collator(Tokenizer, packing)(features)
    assert reduced["shift_labels"].ne(IGNORE_INDEX).sum() == 5
    with torch.no_grad():
        expected = model(**full).loss
        actual = model(**reduced).loss
    assert torch.allclose(expected, actual, atol=1e-6)


def test_packed_labels_never_predict_across_examples():
    batch = make_collator(None, packing=True)([{"input_ids": [1, 2], "labels": [1, 2]}, {"input_ids": [3, 4], "labels": [3, 4]}])
    # The first token of each example is a separator in labels, so no loss links two examples.
    assert batch["labels"][0].tolist() == [IGNORE_INDEX, 2, IGNORE_INDEX, 4]


def test_padding_collator_pads_right():
    batch = PaddingCollator(pad_token_id=0)([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [8], "labels": [8]}])
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [8, -100, -100]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
