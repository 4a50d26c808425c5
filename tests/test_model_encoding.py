from pathlib import Path

import pytest

from test_model_fixtures import RARE, TINY, make_records, write_corpus
from wenyan_mtl.model.data import encode_records, pack_corpus
from wenyan_mtl.model.tokenizer import train_tokenizer
from wenyan_mtl.prompting import IGNORE_INDEX
from wenyan_mtl.records import Record

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    corpus = write_corpus(tmp_path_factory.mktemp("tok") / "corpus.txt")
    return train_tokenizer(corpus, TINY["vocab_size"], TINY["max_position_embeddings"])


def check_masking(tokenizer, records, cutoff_len):
    encoded = encode_records(tokenizer, records, cutoff_len)
    for record, example in zip(records, encoded.examples):
        supervised = [label for label in example["labels"] if label != IGNORE_INDEX]
        assert supervised, f"record {record.id} has no supervised token"
        assert len(example["input_ids"]) <= cutoff_len
        reference = tokenizer(record.output, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        # A cut output keeps its first tokens, and an uncut one ends with EOS.
        assert supervised == reference[: len(supervised)], record.id
        assert example["labels"][-len(supervised) :] == supervised
    return encoded


def test_tokenizer_has_no_unknown_characters(tokenizer):
    text = "子曰：学而时习之" + RARE + "龘"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text
    assert tokenizer.unk_token_id is None or tokenizer.unk_token_id not in ids
    assert tokenizer.model_max_length == TINY["max_position_embeddings"]
    assert tokenizer.chat_template


def test_masking_supervises_output_only(tokenizer):
    records = make_records("punctuation", 30)
    encoded = check_masking(tokenizer, records, cutoff_len=256)
    for record, example in zip(records, encoded.examples):
        supervised = [label for label in example["labels"] if label != IGNORE_INDEX]
        assert tokenizer.decode(supervised[:-1]) == record.output


def test_masking_counts_truncation(tokenizer):
    long_record = Record("t/1", "translation", "请翻译。", "天地玄黄" * 40, "日月盈昃" * 40, "x.txt:1")
    encoded = check_masking(tokenizer, [long_record], cutoff_len=48)
    assert encoded.truncated_input_records == {"translation": 1}
    assert encoded.truncated_output_records == {"translation": 1}
    assert encoded.truncated_output_tokens["translation"] > 0
    assert encoded.total_tokens == {"translation": 48}


def demo_task_records():
    """Build every configured task's records from the demo data, skipping tasks whose files are absent."""
    import yaml

    from wenyan_mtl.build import build_task

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    data_root = REPO / config["data_root"]
    built = {}
    for task in config["tasks"]:
        try:
            built[task] = build_task(task, config["task_sources"][task], data_root, None).records
        except ValueError as error:
            if "matches no file" not in str(error):
                raise
    return built, int(config["finetune"]["cutoff_len"])


def test_masking_on_every_demo_record(tokenizer):
    built, cutoff_len = demo_task_records()
    if not built:
        pytest.skip("no demo task data under resources/demo")
    for task, records in built.items():
        assert records, f"demo task {task} built no records"
        check_masking(tokenizer, records, cutoff_len)


def test_pack_corpus_blocks(tokenizer, tmp_path):
    corpus = write_corpus(tmp_path / "c.txt", lines=30)
    blocks = pack_corpus(tokenizer, corpus, 32)
    assert all(len(block) == 32 for block in blocks.blocks)
    assert len(blocks.blocks) * 32 + blocks.dropped_tail_tokens == blocks.tokens
    assert blocks.lines == 31
