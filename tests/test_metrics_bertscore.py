"""BERTScore with a tiny local Llama encoder built in the test (no hub access)."""

from pathlib import Path

import pytest

from wenyan_mtl.metrics import ScoringContext, aggregate, score_task
from wenyan_mtl.metrics.bertscore import BertScoreEncoder
from wenyan_mtl.metrics.runner import make_context

ENCODER_TEXT = "黄帝者少典之子姓公孙名曰轩辕生而神灵弱而能言幼而徇齐长而敦敏成而聪明李白字太白号青莲居士唐代诗人这首诗写景抒情"
MAX_POSITIONS = 64


def build_tiny_encoder(root: Path, max_positions: int = MAX_POSITIONS, layers: int = 3) -> Path:
    """Save a character-level tokenizer and a random tiny Llama (safetensors) under `root`."""
    import torch
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<unk>", "<s>", "</s>"]
    characters = sorted(set(ENCODER_TEXT + "，。、：；？！「」 abcdefghijklmnopqrstuvwxyz0123456789"))
    vocab = {token: index for index, token in enumerate(specials + characters)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    core.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", vocab["<s>"])])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", bos_token="<s>", eos_token="</s>")

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=layers,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=max_positions,
        bos_token_id=vocab["<s>"], eos_token_id=vocab["</s>"],
    )
    model_dir = root / "tiny_encoder"
    LlamaForCausalLM(config).save_pretrained(str(model_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(model_dir))
    return model_dir


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    return build_tiny_encoder(tmp_path_factory.mktemp("bertscore"))


@pytest.fixture(scope="module")
def context(encoder_dir):
    return make_context({"bertscore": {"model": None, "num_layers": None, "batch_size": 4}}, str(encoder_dir))


def _items(pairs):
    return [
        {"id": str(i), "input": "", "reference": reference, "prediction": prediction}
        for i, (reference, prediction) in enumerate(pairs)
    ]


def test_encoder_settings(context, encoder_dir):
    encoder = context.bertscore_encoder()
    assert encoder is context.bertscore_encoder()
    assert encoder.num_layers == 2  # round(3 * 2 / 3)
    assert encoder.max_length == MAX_POSITIONS
    assert encoder.tokenizer.pad_token is not None
    assert f"model:cpt-merged:{encoder_dir}" in encoder.signature()
    assert "layer:2" in encoder.signature()


def test_identical_is_100_and_empty_is_0(context):
    pairs = [("李白字太白", "李白字太白"), ("唐代诗人", "唐代诗人"), ("这首诗写景抒情", "")]
    result = score_task("historical_figure", _items(pairs), context)
    scores = [record["stats"]["score"] for record in result.items]
    assert scores[0] == pytest.approx(100.0, abs=1e-3)
    assert scores[1] == pytest.approx(100.0, abs=1e-3)
    assert scores[2] == 0.0
    assert result.empty_predictions == 1
    assert aggregate("bertscore_f1", [record["stats"] for record in result.items]) == result.score


def test_different_text_scores_below_identical(context):
    result = score_task("reverse_dictionary", _items([("黄帝者", "李白字")]), context)
    assert 0.0 < result.score < 100.0


def test_over_length_is_counted(context):
    long_reference = ENCODER_TEXT * 2  # about 110 characters against 64 positions
    result = score_task("poetry_appreciation", _items([(long_reference, "这首诗写景抒情"), ("唐代诗人", long_reference)]), context)
    assert result.details["references_over_max_length"] == 1
    assert result.details["predictions_over_max_length"] == 1
    assert result.details["max_length"] == MAX_POSITIONS


def test_configured_encoder_name_in_signature(encoder_dir):
    context = ScoringContext({"bertscore": {"model": str(encoder_dir), "num_layers": 1, "batch_size": 4}})
    encoder = context.bertscore_encoder()
    assert encoder.num_layers == 1
    assert f"model:{encoder_dir}|layer:1" in encoder.signature()


def test_rejects_directory_without_safetensors(tmp_path):
    (tmp_path / "config.json").write_text("{}", "utf-8")
    with pytest.raises(ValueError, match="safetensors"):
        BertScoreEncoder(str(tmp_path))


def test_single_character_reference_is_not_empty(context):
    # A decoder tokenizer adds only BOS; bert-score treats any two-token text as
    # empty, so "李" against "李" used to score 0 instead of 100.
    result = score_task("reverse_dictionary", _items([("李", "李"), ("白", "李")]), context)
    scores = [record["stats"]["score"] for record in result.items]
    assert scores[0] == pytest.approx(100.0, abs=1e-3)
    assert 0.0 < scores[1] < 100.0


def test_decoder_tokenizer_is_framed_like_bert(context):
    tokenizer = context.bertscore_encoder().tokenizer
    ids = tokenizer.encode("李白", add_special_tokens=True)
    assert ids[0] == tokenizer.cls_token_id == tokenizer.bos_token_id
    assert ids[-1] == tokenizer.sep_token_id == tokenizer.eos_token_id
    assert len(ids) == 4
