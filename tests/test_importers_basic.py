"""Importers of the basic tasks and translation, on small inline files and on the public data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from wenyan_mtl.formats import parse_ner, parse_pos, parse_punctuation, render_ner, render_pos
from wenyan_mtl.importers import FORMATS, get_importer, import_source
from wenyan_mtl.records import InputError, make_record_id

BOM = "\ufeff"


def write(path: Path, text: str, *, crlf: bool = False, bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes(((BOM if bom else "") + text).encode("utf-8"))
    return path


def run(format_name, paths, root, task, options=None):
    return import_source(format_name, paths, task=task, data_root=root, options=options or {})


# --- registry --------------------------------------------------------------------------------


def test_registry_rejects_unknown_format():
    with pytest.raises(ValueError, match="unknown source format 'conll'"):
        get_importer("conll")


def test_registry_lists_schema_formats():
    schema_text = (Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml").read_text("utf-8")
    for name in FORMATS:
        assert name in schema_text


# --- classical_modern_source (punctuation) ----------------------------------------------------


def test_punctuation_records_bom_crlf(tmp_path):
    path = write(tmp_path / "book/source.txt", "颜回曰： 「善。」 \n\n子曰：可。\n", crlf=True, bom=True)
    result = run("classical_modern_source", [path], tmp_path, "punctuation")
    assert result.items_in == 2
    assert [r.input for r in result.records] == ["颜回曰善", "子曰可"]
    assert [r.output for r in result.records] == ["颜回曰：「善。」", "子曰：可。"]
    assert [r.source for r in result.records] == ["book/source.txt:1", "book/source.txt:3"]
    assert result.records[0].id == make_record_id("punctuation", "颜回曰善")
    assert result.records[0].instruction == ""
    assert result.rejected == []


def test_punctuation_rejects_bare_and_mark_only_lines(tmp_path):
    path = write(tmp_path / "source.txt", "。。\n子曰可\n子曰：可。\n")
    result = run("classical_modern_source", [path], tmp_path, "punctuation")
    assert result.items_in == 3
    assert len(result.records) == 1
    assert [(r.line, r.field) for r in result.rejected] == [(1, "input"), (2, "output")]
    assert result.rejected[0].reason.startswith("empty input")
    assert result.rejected[1].reason.startswith("no punctuation")


def test_punctuation_rejects_invalid_utf8_line(tmp_path):
    path = tmp_path / "source.txt"
    path.write_bytes("子曰：可。\n".encode("utf-8") + b"\xff\xfe\x00bad\n" + "曰：善。\n".encode("utf-8"))
    result = run("classical_modern_source", [path], tmp_path, "punctuation")
    assert result.items_in == 3
    assert len(result.records) == 2
    assert result.rejected[0].line == 2
    assert result.rejected[0].reason.startswith("invalid UTF-8")


def test_utf16_file_raises_input_error(tmp_path):
    path = tmp_path / "source.txt"
    path.write_bytes("子曰：可。\n".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        run("classical_modern_source", [path], tmp_path, "punctuation")


def test_punctuation_output_round_trips(tmp_path):
    lines = ["「善哉！」子曰。", "问曰：何谓也？", "…夫子之道，忠恕而已矣。"]
    path = write(tmp_path / "source.txt", "\n".join(lines) + "\n")
    result = run("classical_modern_source", [path], tmp_path, "punctuation")
    for line, record in zip(lines, result.records):
        assert record.output == line
        assert parse_punctuation(record.output).text == record.input


# --- evahan (pos) --------------------------------------------------------------------------


def test_evahan_records_bom_crlf(tmp_path):
    text = "春秋/n 左傳/n\n\n惠公/nr 元妃/n 孟子/nr 。/w\n"
    path = write(tmp_path / "pos.txt", text, crlf=True, bom=True)
    result = run("evahan", [path], tmp_path, "pos")
    assert result.items_in == 2
    assert [r.input for r in result.records] == ["春秋左傳", "惠公元妃孟子。"]
    assert result.records[1].output == "惠公/nr 元妃/n 孟子/nr 。/w"
    assert result.records[1].source == "pos.txt:3"
    assert parse_pos(result.records[1].output).tokens == (("惠公", "nr"), ("元妃", "n"), ("孟子", "nr"), ("。", "w"))


def test_evahan_token_without_tag_is_quarantined(tmp_path):
    text = "公/nr 伐/v 齊/ns\n公/nr 伐/v 齊 。/w\n/nr 至/v\n"
    path = write(tmp_path / "pos.txt", text, crlf=True, bom=True)
    result = run("evahan", [path], tmp_path, "pos")
    assert result.items_in == 3
    assert len(result.records) == 1
    first, second = result.rejected
    assert (first.source, first.line, first.field) == ("pos.txt", 2, "token 3")
    assert first.reason == "malformed token: '齊' has no tag"
    assert (second.line, second.field) == (3, "token 1")
    assert second.reason == "malformed token: '/nr' has no word"


def test_evahan_slash_word(tmp_path):
    path = write(tmp_path / "pos.txt", "甲/n //w 乙/n\n")
    result = run("evahan", [path], tmp_path, "pos")
    assert result.records[0].input == "甲/乙"
    assert result.records[0].output == "甲/n //w 乙/n"


# --- guner (ner) ----------------------------------------------------------------------------


def test_guner_records_crlf(tmp_path):
    text = "帝曰：{玄齡|PER}爲{尚書|OFI}，讀{漢書|BOOK}。\n是歲大旱。\n"
    path = write(tmp_path / "ner.txt", text, crlf=True)
    result = run("guner", [path], tmp_path, "ner")
    assert result.items_in == 2
    assert [r.input for r in result.records] == ["帝曰：玄齡爲尚書，讀漢書。", "是歲大旱。"]
    assert result.records[0].output == "帝曰：{玄齡|PER}爲{尚書|OFI}，讀{漢書|BOOK}。"
    assert render_ner(parse_ner(result.records[0].output)) == result.records[0].output
    assert result.records[1].output == "是歲大旱。"


def test_guner_malformed_braces_quarantined(tmp_path):
    text = "{玄齡|PER爲相。\n{如晦|PER}}至。\n{師合|LOC}至。\n{房|PER}至。\n"
    path = write(tmp_path / "ner.txt", text, crlf=True)
    result = run("guner", [path], tmp_path, "ner")
    assert result.items_in == 4
    assert len(result.records) == 1
    assert [r.line for r in result.rejected] == [1, 2, 3]
    assert result.rejected[0].reason.startswith("malformed entity markup")
    assert result.rejected[1].reason.startswith("malformed entity markup")
    assert result.rejected[2].reason.startswith("unknown entity type: LOC")


def test_guner_types_option(tmp_path):
    path = write(tmp_path / "ner.txt", "{長安|LOC}大雪。\n")
    result = run("guner", [path], tmp_path, "ner", {"types": ["PER", "LOC"]})
    assert len(result.records) == 1


# --- ched (event) ---------------------------------------------------------------------------


def ched_line(text, events, sen_id=1):
    return json.dumps({"sen_id": sen_id, "doc_id": 1, "text": text, "events": events}, ensure_ascii=False)


def event(event_id, trigger, label, start):
    end = start + len(trigger)
    return {"id": event_id, "trigger": trigger, "label": label, "start_offset": start, "end_offset": end}


def test_ched_orders_events_by_offset(tmp_path):
    lines = [
        ched_line("己酉，命习水战于新池。", [event(2, "战", "军事-演练", 6), event(1, "命", "交流-诏令", 3)]),
        ched_line("秋七月。", []),
    ]
    path = write(tmp_path / "train.jsonl", "\n".join(lines) + "\n", crlf=True)
    result = run("ched", [path], tmp_path, "event")
    assert result.items_in == 2
    assert result.records[0].input == "己酉，命习水战于新池。"
    assert result.records[0].output == "命|交流-诏令；战|军事-演练"
    assert result.records[1].output == "无"
    assert result.records[1].source == "train.jsonl:2"


def test_ched_offset_mismatch_quarantines_sentence(tmp_path):
    lines = [
        ched_line("己酉，命习水战。", [event(7, "命", "交流-诏令", 3)]),
        ched_line("己酉，命习水战。", [{"id": 9768, "trigger": "命", "label": "交流-诏令", "start_offset": 2, "end_offset": 3}]),
        ched_line("己酉，命。", [{"id": 5, "trigger": "命", "label": "交流-诏令", "start_offset": 3, "end_offset": 40}]),
    ]
    path = write(tmp_path / "train.jsonl", "\n".join(lines) + "\n", crlf=True)
    result = run("ched", [path], tmp_path, "event")
    assert result.items_in == 3
    assert len(result.records) == 1
    mismatch, out_of_range = result.rejected
    assert (mismatch.line, mismatch.field) == (2, "events[0].trigger")
    assert mismatch.reason == "trigger mismatch: event 9768: text[2:3] is '，', trigger is '命'"
    assert out_of_range.line == 3
    assert "out of range" in out_of_range.reason


def test_ched_malformed_line_quarantined(tmp_path):
    lines = [ched_line("己酉，命。", [event(1, "命", "交流-诏令", 3)]), '{"sen_id": 2, "text": "秋', "[1, 2]"]
    path = write(tmp_path / "train.jsonl", "\n".join(lines) + "\n", crlf=True)
    result = run("ched", [path], tmp_path, "event")
    assert result.items_in == 3
    assert len(result.records) == 1
    assert [r.line for r in result.rejected] == [2, 3]
    assert result.rejected[0].reason.startswith("invalid JSON")
    assert result.rejected[1].reason.startswith("invalid line: expected a JSON object")


def test_ched_missing_field_named(tmp_path):
    lines = [
        json.dumps({"sen_id": 1, "events": []}),
        ched_line("己酉，命。", [{"id": 3, "trigger": "命", "label": "交流-诏令", "start_offset": "3", "end_offset": 4}]),
    ]
    path = write(tmp_path / "train.jsonl", "\n".join(lines) + "\n")
    result = run("ched", [path], tmp_path, "event")
    assert [(r.field, r.reason) for r in result.rejected] == [
        ("text", "missing field"),
        ("events[0].start_offset", "invalid field: expected an integer, got str"),
    ]


def test_ched_label_file_option(tmp_path):
    write(tmp_path / "label.jsonl", '{"label_id": 1, "label": "交流-诏令"}\n', crlf=True)
    lines = [ched_line("己酉，命。", [event(1, "命", "交流-诏令", 3)]), ched_line("己酉，战。", [event(2, "战", "军事", 3)])]
    path = write(tmp_path / "train.jsonl", "\n".join(lines) + "\n")
    result = run("ched", [path], tmp_path, "event", {"labels": "label.jsonl"})
    assert len(result.records) == 1
    assert result.rejected[0].reason == "unknown label: event 2: '军事' is not in the label file"


# --- classical_modern_bitext (translation) ---------------------------------------------------


def test_bitext_pairs(tmp_path):
    text = "古文：黄帝者，少典之子。\n现代文：黄帝是少典的儿子。\n\n古文：生而神灵。\n现代文：他生来就有灵性。\n"
    path = write(tmp_path / "史记/bitext.txt", text)
    result = run("classical_modern_bitext", [path], tmp_path, "translation")
    assert result.items_in == 2
    assert [(r.input, r.output) for r in result.records] == [
        ("黄帝者，少典之子。", "黄帝是少典的儿子。"),
        ("生而神灵。", "他生来就有灵性。"),
    ]
    assert [r.source for r in result.records] == ["史记/bitext.txt:1", "史记/bitext.txt:4"]


def test_bitext_missing_side_quarantined(tmp_path):
    text = (
        "古文：甲。\n\n"  # no modern side
        "现代文：乙。\n\n"  # no classical side
        "古文：丙。\n古文：丁。\n现代文：戊。\n\n"  # first classical line left without its modern side
        "注：其他。\n"  # neither side
        "古文：己。\n"  # modern side missing at the end of the file
    )
    path = write(tmp_path / "bitext.txt", text, crlf=True, bom=True)
    result = run("classical_modern_bitext", [path], tmp_path, "translation")
    assert result.items_in == 6
    assert [(r.input, r.output) for r in result.records] == [("丁。", "戊。")]
    assert [(r.line, r.field) for r in result.rejected] == [
        (1, "现代文"), (3, "古文"), (5, "现代文"), (9, None), (10, "现代文")
    ]
    assert result.rejected[0].reason == "missing side: no 现代文 line follows the 古文 line"
    assert result.rejected[3].reason.startswith("unexpected line")


# --- alpaca ---------------------------------------------------------------------------------


def test_alpaca_jsonl_keeps_instruction(tmp_path):
    lines = [
        json.dumps({"instruction": "译为白话。", "input": "吾不如也。", "output": "我比不上。"}, ensure_ascii=False),
        json.dumps({"instruction": "何谓仁？", "output": "爱人。"}, ensure_ascii=False),
        json.dumps({"instruction": "意译。", "input": "吾不如也。", "output": "我不行。"}, ensure_ascii=False),
        '{"instruction": "x", "input": 3, "output": "y"}',
        '{"instruction": "x"',
    ]
    path = write(tmp_path / "mine.jsonl", "\n".join(lines) + "\n", crlf=True, bom=True)
    result = run("alpaca", [path], tmp_path, "translation")
    assert result.items_in == 5
    assert [r.instruction for r in result.records] == ["译为白话。", "何谓仁？", "意译。"]
    assert result.records[1].input == ""
    base = make_record_id("translation", "吾不如也。")
    assert [r.id for r in result.records] == [base, make_record_id("translation", "何谓仁？"), base + "#1"]
    assert [(r.line, r.field) for r in result.rejected] == [(4, "input"), (5, None)]
    assert result.rejected[0].reason == "invalid field: expected a string, got int"
    assert result.rejected[1].reason.startswith("invalid JSON")


def test_alpaca_json_array(tmp_path):
    items = [{"instruction": "a", "input": "b", "output": "c"}, {"instruction": "a", "input": "d"}]
    path = write(tmp_path / "mine.json", json.dumps(items))
    result = run("alpaca", [path], tmp_path, "pos")
    assert result.items_in == 2
    assert result.records[0].source == "mine.json:0"
    assert (result.rejected[0].line, result.rejected[0].field) == (1, "output")


# --- public data ----------------------------------------------------------------------------


def shared_data_root() -> Path | None:
    candidates = [os.environ.get("WENYAN_SHARED_DATA"), Path(__file__).resolve().parents[2] / "shared" / "data"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="module")
def shared_data():
    root = shared_data_root()
    if root is None:
        pytest.skip("public data not found: set WENYAN_SHARED_DATA or place shared/data beside the repository")
    return root


# (format, task, glob, options, expected items in, expected rejected), counted on the shared subsets.
PUBLIC_CASES = [
    ("classical_modern_source", "punctuation", "t01_punctuation/**/source.txt", {}, 4253, 0),
    ("evahan", "pos", "t02_pos/**/*.txt", {}, 4853, 2),
    ("guner", "ner", "t03_ner/**/*.txt", {}, 2000, 0),
    ("ched", "event", "t04_event_detection/CHED/train.jsonl",
     {"labels": "t04_event_detection/CHED/label.jsonl"}, 4000, 0),
    ("classical_modern_bitext", "translation", "t05_translation/**/bitext.txt", {}, 4935, 0),
]


@pytest.mark.parametrize("format_name,task,pattern,options,items_in,rejected", PUBLIC_CASES)
def test_importer_on_public_data(shared_data, format_name, task, pattern, options, items_in, rejected):
    paths = sorted(p for p in shared_data.glob(pattern) if p.is_file())
    assert paths, f"no file matches {pattern} under {shared_data}"
    result = run(format_name, paths, shared_data, task, options)
    assert result.items_in == items_in
    assert len(result.rejected) == rejected
    assert len(result.records) == items_in - rejected
    assert all(record.input and record.output for record in result.records)
