"""Hostile input to the data stage: every bad file gives a clear error or a counted quarantine entry.

Each case checks the exact error (file, line, field, reason) or the exact
quarantine entries, and that items in = kept + rejected. The Snakemake cases at
the end run the data rules on scratch directories, never on the checkout's results/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from wenyan_mtl.build import build_task, reason_category
from wenyan_mtl.corpus.clean import LineCleaner
from wenyan_mtl.corpus.decode import detect_encoding
from wenyan_mtl.corpus.sources import clean_source
from wenyan_mtl.corpus.stats import merge_corpus
from wenyan_mtl.importers import import_source
from wenyan_mtl.records import InputError, Record, make_record_id
from wenyan_mtl.split import check_split_sizes, split_records

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
ANALECTS = "子曰學而時習之不亦說乎有朋自遠方來不亦樂乎人不知而不慍不亦君子乎"


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def clean(tmp_path: Path, name: str, data: bytes, fmt: str = "text") -> tuple[dict, str, list[dict]]:
    """Clean one file as a corpus source; return (stats, cleaned text, quarantine entries)."""
    path = write(tmp_path / "raw" / name, data)
    out = tmp_path / "out"
    stats = clean_source("hostile", fmt, [path], tmp_path / "raw", out / "clean.txt", out / "stats.json", out / "q.jsonl")
    quarantine = [json.loads(line) for line in (out / "q.jsonl").read_text("utf-8").splitlines()]
    assert stats["lines_in"] == stats["paragraphs_kept"] + sum(stats["dropped"].values())
    assert len(quarantine) == sum(stats["dropped"].values())
    return stats, (out / "clean.txt").read_text("utf-8"), quarantine


def build(tmp_path: Path, task: str, fmt: str, *patterns: str, options: dict | None = None):
    """Build one task from one source entry under tmp_path and check that its counts add up."""
    entry = {"format": fmt, "paths": list(patterns)}
    if options is not None:
        entry["options"] = options
    result = build_task(task, [entry], tmp_path)
    stats = result.stats
    assert stats["items_in"] == stats["records"] + stats["rejected"]
    assert stats["records"] == len(result.records)
    assert stats["rejected"] == len(result.quarantine)
    return result


def quarantined(result) -> list[tuple]:
    return [(item.source, item.line, item.field, item.reason) for item in result.quarantine]


# Corpus cleaning ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "label"),
    [
        ((ANALECTS + "\n").encode("gb18030"), "gb18030"),
        (b"\xff\xfe" + (ANALECTS + "\r\n").encode("utf-16-le"), "utf-16le-bom"),
        (b"\xfe\xff" + (ANALECTS + "\n").encode("utf-16-be"), "utf-16be-bom"),
    ],
)
def test_corpus_decodes_gb18030_and_utf16(tmp_path, data, label):
    stats, text, quarantine = clean(tmp_path, "a.txt", data)
    assert stats["encodings"] == {label: 1}
    assert text == ANALECTS + "\n"
    assert quarantine == []


@pytest.mark.parametrize(
    ("data", "utf8_byte", "gb_byte"),
    [
        ("ｱｲｳｴｵ\nかな\n".encode("shift_jis"), "byte 0xB1 at offset 0", "byte 0xB5 at offset 4"),
        ("café déjà vu\n".encode("latin-1"), "byte 0xE9 at offset 3", "byte 0xE9 at offset 3"),
    ],
)
def test_corpus_undecodable_file_raises(tmp_path, data, utf8_byte, gb_byte):
    with pytest.raises(InputError) as caught:
        clean(tmp_path, "bad.txt", data)
    message = str(caught.value)
    assert caught.value.line == 1
    assert message.startswith(f"{tmp_path / 'raw' / 'bad.txt'}, line 1: cannot decode: not UTF-8 (first invalid {utf8_byte}")
    assert f"not GB18030 (first invalid {gb_byte}" in message


def test_corpus_decode_error_names_line(tmp_path):
    # CRLF, CR and LF each end a line, so the bad byte is on line 4.
    path = write(tmp_path / "a.txt", "一。\r\n二。\r三。\n".encode() + b"\xff\xfe\n")
    with pytest.raises(InputError) as caught:
        detect_encoding(path)
    assert caught.value.line == 4


def test_corpus_truncated_utf8_rejected(tmp_path):
    data = "子曰學而時習之\n".encode() + "說".encode()[:2]
    with pytest.raises(InputError) as caught:
        clean(tmp_path, "cut.txt", data)
    assert str(caught.value) == (
        f"{tmp_path / 'raw' / 'cut.txt'}, line 2: invalid UTF-8: the file ends inside a multi-byte character "
        "that starts with byte 0xE8 at offset 22 (unexpected end of data), so it was probably cut off; "
        "restore the file or remove the incomplete last character"
    )


def test_corpus_empty_and_blank_files(tmp_path):
    stats, text, quarantine = clean(tmp_path, "empty.txt", b"")
    assert (stats["lines_in"], stats["paragraphs_kept"], text) == (0, 0, "")
    assert quarantine == []

    stats, text, quarantine = clean(tmp_path, "blank.txt", b"\n  \n\t\n\r\n")
    assert stats["lines_in"] == 4
    assert stats["dropped"]["empty"] == 4
    assert [(entry["line"], entry["reason"]) for entry in quarantine] == [(n, "empty") for n in (1, 2, 3, 4)]


def test_corpus_html_lines(tmp_path):
    data = "<p>子曰：<b>學</b>而時習之&nbsp;</p>\n<h2>卷一</h2>\n<!-- 注 -->\n<br/>\n&lt;豕龍&gt;\n".encode()
    stats, text, quarantine = clean(tmp_path, "html.txt", data)
    assert text == "子曰：學而時習之\n<豕龍>\n"
    assert stats["dropped"]["heading"] == 1
    assert stats["dropped"]["markup_only"] == 2
    assert [(entry["line"], entry["reason"]) for entry in quarantine] == [
        (2, "heading"), (3, "markup_only"), (4, "markup_only")
    ]


def test_corpus_unclosed_comments_linear_time():
    line = "<!--" * 50_000 + "子曰"
    started = time.perf_counter()
    text, reason = LineCleaner().clean(line)
    assert time.perf_counter() - started < 5
    assert reason is None
    assert text == line


def test_corpus_huge_single_line(tmp_path):
    line = ANALECTS * (3_000_000 // len(ANALECTS.encode()))
    stats, text, _ = clean(tmp_path, "huge.txt", line.encode())
    assert stats["lines_in"] == 1
    assert stats["paragraphs_kept"] == 1
    assert text == line + "\n"


def test_corpus_mixed_line_endings(tmp_path):
    stats, text, quarantine = clean(tmp_path, "eol.txt", "一行。\r\n二行。\n\r三行。\r四行。".encode())
    assert stats["lines_in"] == 5
    assert text == "一行。\n二行。\n三行。\n四行。\n"
    assert [(entry["line"], entry["reason"]) for entry in quarantine] == [(3, "empty")]


def test_corpus_nul_bytes_removed_and_counted(tmp_path):
    stats, text, _ = clean(tmp_path, "nul.txt", "子曰\x00學而\x00時習之。\n\x00\n".encode())
    assert text == "子曰學而時習之。\n"
    assert stats["edits"]["removed_characters"]["control"] == 3
    assert stats["dropped"]["markup_only"] == 1


def test_corpus_poetry_json_errors(tmp_path):
    with pytest.raises(InputError) as caught:
        clean(tmp_path, "obj.json", b'{"paragraphs": ["a"]}', fmt="chinese_poetry_json")
    assert str(caught.value).endswith("obj.json, line 1: invalid JSON: expected a JSON array of poems at column 1")

    with pytest.raises(InputError) as caught:
        clean(tmp_path, "deep.json", b'[{"paragraphs": []},\n' + b"[" * 100_000 + b"]" * 100_000 + b"]",
              fmt="chinese_poetry_json")
    assert caught.value.line == 2
    assert caught.value.reason == "invalid JSON: the entry is nested too deeply to parse"


def test_merge_empty_corpus_raises(tmp_path):
    stats, _, _ = clean(tmp_path, "blank.txt", b"\n\n")
    out = tmp_path / "out"
    with pytest.raises(ValueError) as caught:
        merge_corpus([out / "clean.txt"], [out / "stats.json"], tmp_path / "c.txt", tmp_path / "t.csv", tmp_path / "t.md")
    assert str(caught.value) == (
        "merge: the cleaned corpus would be empty, because no source kept a paragraph (hostile: 2 lines in); "
        "check corpus.sources and the quarantine.jsonl of each source"
    )
    assert not (tmp_path / "c.txt").exists()


# Task importers and build_task ------------------------------------------------------------------------------


def test_lone_cr_ends_a_line(tmp_path):
    write(tmp_path / "s.txt", "子曰，可。\r颜回曰，善。\r\n孟子曰：仁也。\n")
    result = build(tmp_path, "punctuation", "classical_modern_source", "s.txt")
    assert [(r.input, r.source) for r in result.records] == [
        ("子曰可", "s.txt:1"), ("颜回曰善", "s.txt:2"), ("孟子曰仁也", "s.txt:3")
    ]


def test_nul_byte_in_record_quarantined(tmp_path):
    write(tmp_path / "s.txt", "子曰\x00，可。\n颜回曰，善。\n")
    result = build(tmp_path, "punctuation", "classical_modern_source", "s.txt")
    assert [r.input for r in result.records] == ["颜回曰善"]
    assert quarantined(result) == [("s.txt", 1, "input", "control character: U+0000 at character 3")]
    assert result.stats["rejected_by_reason"] == {"control character": 1}

    items = [{"instruction": "译。", "input": "甲", "output": "乙\x07"}, {"instruction": "译。", "input": "丙", "output": "丁"}]
    write(tmp_path / "a.jsonl", "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items))
    result = build(tmp_path, "translation", "alpaca", "a.jsonl")
    assert quarantined(result) == [("a.jsonl", 1, "output", "control character: U+0007 at character 2")]


def test_gb18030_task_file_raises(tmp_path):
    write(tmp_path / "s.txt", "子曰，可。\n颜回曰，善。\n".encode("gb18030"))
    with pytest.raises(InputError) as caught:
        build(tmp_path, "punctuation", "classical_modern_source", "s.txt")
    assert str(caught.value) == (
        f"{tmp_path / 's.txt'}, line 1: the file is not UTF-8 but decodes as GB18030; "
        "convert it to UTF-8 (e.g. iconv -f GB18030 -t UTF-8)"
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_task_file_raises(tmp_path, codec):
    write(tmp_path / "s.txt", "\ufeff子曰，可。\n".encode(codec))
    with pytest.raises(InputError) as caught:
        build(tmp_path, "punctuation", "classical_modern_source", "s.txt")
    assert caught.value.line == 1
    assert caught.value.reason == "the file is UTF-16 or UTF-32; convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)"


def test_truncated_utf8_last_line_quarantined(tmp_path):
    write(tmp_path / "s.txt", "子曰，可。\n颜回曰，善。\n".encode() + "說".encode()[:2])
    result = build(tmp_path, "punctuation", "classical_modern_source", "s.txt")
    assert result.stats["items_in"] == 3
    assert len(result.records) == 2
    assert quarantined(result) == [("s.txt", 3, None, "invalid UTF-8: the line is not valid UTF-8 text")]
    assert result.quarantine[0].content == "e8 aa"
    assert result.stats["rejected_by_reason"] == {"invalid UTF-8": 1}


@pytest.mark.parametrize("data", [b"", b"\n \r\n\t\n"])
def test_empty_source_file_fails(tmp_path, data):
    write(tmp_path / "s.txt", data)
    with pytest.raises(ValueError) as caught:
        build_task("punctuation", [{"format": "classical_modern_source", "paths": ["s.txt"]}], tmp_path)
    assert str(caught.value) == (
        "task 'punctuation': the 1 source file(s) contain no input item (empty or blank files?): s.txt; "
        "check task_sources.punctuation"
    )


def test_malformed_jsonl_line_in_middle(tmp_path):
    good = {"text": "王伐楚", "events": [{"id": "e1", "trigger": "伐", "label": "战争", "start_offset": 1, "end_offset": 2}]}
    lines = [json.dumps(good, ensure_ascii=False), '{"text": "王伐楚", "events": [', json.dumps({"text": "秦灭韩", "events": []})]
    write(tmp_path / "c.jsonl", "\n".join(lines) + "\n")
    result = build(tmp_path, "event", "ched", "c.jsonl")
    assert [(r.input, r.output) for r in result.records] == [("王伐楚", "伐|战争"), ("秦灭韩", "无")]
    assert quarantined(result) == [("c.jsonl", 2, None, "invalid JSON: Expecting value at column 28")]


def test_ched_offsets_checked(tmp_path):
    def line(start, end, trigger="伐"):
        event = {"id": "e1", "trigger": trigger, "label": "战争", "start_offset": start, "end_offset": end}
        return json.dumps({"text": "王伐楚", "events": [event]}, ensure_ascii=False)

    write(tmp_path / "c.jsonl", "\n".join([line(1, 2), line(0, 1), line(1, 99), line(-2, -1), line(2, 1)]) + "\n")
    result = build(tmp_path, "event", "ched", "c.jsonl")
    assert len(result.records) == 1
    assert quarantined(result) == [
        ("c.jsonl", 2, "events[0].trigger", "trigger mismatch: event e1: text[0:1] is '王', trigger is '伐'"),
        ("c.jsonl", 3, "events[0].start_offset",
         "offsets out of range: event e1: [1, 99) is not a non-empty span of the 3-character text"),
        ("c.jsonl", 4, "events[0].start_offset",
         "offsets out of range: event e1: [-2, -1) is not a non-empty span of the 3-character text"),
        ("c.jsonl", 5, "events[0].start_offset",
         "offsets out of range: event e1: [2, 1) is not a non-empty span of the 3-character text"),
    ]


def test_evahan_token_without_tag(tmp_path):
    write(tmp_path / "e.txt", "\ufeff子/n 曰/v\r\n\r\n时/n 习/\r\n之\r\n/w 乎/y\r\n")
    result = build(tmp_path, "pos", "evahan", "e.txt")
    assert [r.output for r in result.records] == ["子/n 曰/v"]
    assert quarantined(result) == [
        ("e.txt", 3, "token 2", "malformed token: '习/' has no tag"),
        ("e.txt", 4, "token 1", "malformed token: '之' has no tag"),
        ("e.txt", 5, "token 1", "malformed token: '/w' has no word"),
    ]


def test_guner_bad_braces(tmp_path):
    lines = ["{孔子|PER}曰可", "{孔{子|PER}|PER}曰", "{孔子|PER曰", "孔子|PER}}曰", "{ |PER}曰", "{孔子| }曰"]
    write(tmp_path / "g.txt", "\n".join(lines) + "\n")
    result = build(tmp_path, "ner", "guner", "g.txt")
    assert [(r.input, r.output) for r in result.records] == [("孔子曰可", "{孔子|PER}曰可")]
    assert quarantined(result) == [
        ("g.txt", 2, "output", "malformed entity markup: 2 brace(s) outside a {mention|TYPE} entity"),
        ("g.txt", 3, "output", "malformed entity markup: 1 brace(s) outside a {mention|TYPE} entity"),
        ("g.txt", 4, "output", "malformed entity markup: 2 brace(s) outside a {mention|TYPE} entity"),
        ("g.txt", 5, "output", "empty entity mention: the mention at character 1 is blank"),
        ("g.txt", 6, "output", "unknown entity type: '' (expected one of BOOK, OFI, PER)"),
    ]


def test_bitext_block_missing_modern(tmp_path):
    text = "古文：子曰可。\n\n古文：颜回曰善。\n现代文：颜回说好。\n\n现代文：孤儿。\n古文：\n现代文：空。\n"
    write(tmp_path / "b.txt", text)
    result = build(tmp_path, "translation", "classical_modern_bitext", "b.txt")
    assert [(r.input, r.output, r.source) for r in result.records] == [("颜回曰善。", "颜回说好。", "b.txt:3")]
    assert quarantined(result) == [
        ("b.txt", 1, "现代文", "missing side: no 现代文 line follows the 古文 line"),
        ("b.txt", 6, "古文", "missing side: no 古文 line before the 现代文 line"),
        ("b.txt", 7, "input", "empty input"),
    ]


def test_alpaca_missing_and_nonstring_fields(tmp_path):
    items = [
        {"instruction": "译。", "input": "甲"},
        {"instruction": "译。", "input": 5, "output": "乙"},
        {"instruction": ["译"], "input": "丙", "output": "丁"},
        {"instruction": "译。", "input": "戊", "output": ""},
        "not an object",
        {"instruction": "译。", "input": "己", "output": "庚"},
    ]
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items) + "{bad json\n"
    write(tmp_path / "a.jsonl", text)
    result = build(tmp_path, "translation", "alpaca", "a.jsonl")
    assert [(r.input, r.output) for r in result.records] == [("己", "庚")]
    assert quarantined(result) == [
        ("a.jsonl", 1, "output", "missing field"),
        ("a.jsonl", 2, "input", "invalid field: expected a string, got int"),
        ("a.jsonl", 3, "instruction", "invalid field: expected a string, got list"),
        ("a.jsonl", 5, None, "invalid item: expected a JSON object, got str"),
        ("a.jsonl", 7, None, "invalid JSON: Expecting property name enclosed in double quotes at column 2"),
        ("a.jsonl", 4, "output", "empty output"),
    ]


def test_json_array_errors(tmp_path):
    write(tmp_path / "cp.json", '{"title": "静夜思", "paragraphs": ["床前明月光。"]}')
    with pytest.raises(InputError) as caught:
        build(tmp_path, "poetry_generation", "chinese_poetry", "cp.json")
    assert str(caught.value) == f"{tmp_path / 'cp.json'}, line 1: expected a JSON array, got dict"

    write(tmp_path / "deep.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError) as caught:
        build(tmp_path, "poetry_generation", "chinese_poetry", "deep.json")
    assert caught.value.reason == "invalid JSON: the document is nested too deeply to parse"

    write(tmp_path / "u16.json", '\ufeff[{"title": "x", "paragraphs": ["床前明月光。"]}]'.encode("utf-16-le"))
    with pytest.raises(InputError) as caught:
        build(tmp_path, "poetry_generation", "chinese_poetry", "u16.json")
    assert caught.value.reason == "the file is UTF-16 or UTF-32; convert it to UTF-8"

    write(tmp_path / "gb.json", '[\n{"title": "静夜思", "paragraphs": ["床前明月光。"]}]'.encode("gb18030"))
    with pytest.raises(InputError) as caught:
        build(tmp_path, "poetry_generation", "chinese_poetry", "gb.json")
    assert str(caught.value) == (
        f"{tmp_path / 'gb.json'}, line 2: invalid UTF-8 at byte offset 13 (invalid start byte); convert the file to UTF-8"
    )


def test_alpaca_bad_array_and_deep_line(tmp_path):
    write(tmp_path / "bad.json", '[{"instruction": "译。",\n "input": "甲", "output": }]')
    result = import_source("alpaca", [tmp_path / "bad.json"], task="translation", data_root=tmp_path)
    assert [(r.source, r.line, r.reason) for r in result.rejected] == [
        ("bad.json", 2, "invalid JSON array: Expecting value at column 26")
    ]

    write(tmp_path / "deep.jsonl", '{"instruction": "译。", "input": "甲", "output": "乙"}\n' + "[" * 100_000 + "\n")
    result = import_source("alpaca", [tmp_path / "deep.jsonl"], task="translation", data_root=tmp_path)
    assert result.items_in == 2
    assert len(result.records) == 1
    assert [(r.line, r.reason) for r in result.rejected] == [(2, "invalid JSON: the value is nested too deeply to parse")]


def test_duplicates_across_two_files(tmp_path):
    write(tmp_path / "a/source.txt", "子曰，可。\n颜回曰，善。\n")
    write(tmp_path / "b/source.txt", "颜回曰：善。\n孟子曰，仁也。\n")
    result = build(tmp_path, "punctuation", "classical_modern_source", "**/source.txt")
    first = make_record_id("punctuation", "颜回曰善")
    assert [r.input for r in result.records] == ["子曰可", "颜回曰善", "孟子曰仁也"]
    assert quarantined(result) == [
        ("b/source.txt", 1, "id",
         f"duplicate of {first} (first kept at a/source.txt:2; same passage, different content)"),
    ]
    assert result.stats["rejected_by_reason"] == {"duplicate": 1}


def test_every_record_rejected_fails(tmp_path, caplog):
    write(tmp_path / "e.txt", "子 曰/v\n学/\n")
    with pytest.raises(ValueError) as caught:
        build_task("pos", [{"format": "evahan", "paths": ["e.txt"]}], tmp_path)
    assert str(caught.value) == (
        "task 'pos': all 2 input items were rejected, so the task has no record; most common reasons: "
        "malformed token (2); first: e.txt, line 1, field token 1: malformed token: '子' has no tag"
    )
    assert "task pos: rejected e.txt:2 field token 1: malformed token: '学/' has no tag" in caplog.text


def test_importer_options_checked(tmp_path):
    write(tmp_path / "c.jsonl", json.dumps({"text": "王伐楚", "events": []}) + "\n")
    with pytest.raises(ValueError) as caught:
        build(tmp_path, "event", "ched", "c.jsonl", options={"lables": "label.jsonl"})
    assert str(caught.value) == "format 'ched': unknown option 'lables' under options; options of this format: labels"

    with pytest.raises(InputError) as caught:
        build(tmp_path, "event", "ched", "c.jsonl", options={"labels": "label.jsonl"})
    assert (caught.value.path, caught.value.field) == (str(tmp_path / "label.jsonl"), "options.labels")
    assert caught.value.reason == "label file not found under data_root"

    write(tmp_path / "g.txt", "{孔子|PER}曰\n")
    with pytest.raises(ValueError) as caught:
        build(tmp_path, "ner", "guner", "g.txt", options={"types": "PER"})
    assert str(caught.value) == "format 'guner': option 'types' must be a non-empty list of entity type names, got 'PER'"

    with pytest.raises(ValueError, match="format 'evahan': unknown option 'labels' under options; options of this format: none"):
        build(tmp_path, "pos", "evahan", "g.txt", options={"labels": "x"})


def test_missing_data_root_and_empty_glob(tmp_path):
    sources = [{"format": "classical_modern_source", "paths": ["*.txt"]}]
    with pytest.raises(ValueError) as caught:
        build_task("punctuation", sources, tmp_path / "nowhere")
    assert str(caught.value) == (
        f"task_sources.punctuation[1] (classical_modern_source): data_root {str(tmp_path / 'nowhere')!r} "
        "does not exist or is not a directory"
    )
    with pytest.raises(ValueError) as caught:
        build_task("punctuation", sources, tmp_path)
    assert str(caught.value) == (
        f"task_sources.punctuation[1] (classical_modern_source): pattern '*.txt' matches no file under "
        f"data_root {str(tmp_path)!r}"
    )


def test_paths_with_spaces_and_chinese(tmp_path):
    write(tmp_path / "my data" / "古文 一" / "source 1.txt", "子曰，可。\n")
    result = build(tmp_path, "punctuation", "classical_modern_source", "my data/古文 一/*.txt")
    assert [r.source for r in result.records] == ["my data/古文 一/source 1.txt:1"]


def test_idiom_csv_decoding_errors(tmp_path):
    # Line 1 is 31 bytes of UTF-8; on line 2, "2," is 2 bytes and 三 is C8 FD in GB18030, so FD at offset 33 fails.
    write(tmp_path / "i.csv", "1,一心一意,yi,专心,d,e,a\n".encode() + "2,三心二意,s,不专心,d,e,a\n".encode("gb18030"))
    with pytest.raises(InputError) as caught:
        build(tmp_path, "reverse_dictionary", "idiom_csv", "i.csv")
    assert str(caught.value) == (
        f"{tmp_path / 'i.csv'}, line 2: invalid UTF-8 at byte offset 33 (invalid continuation byte); "
        "convert the file to UTF-8"
    )

    write(tmp_path / "q.csv", '1,一心一意,yi,专心,d,e,a\n2,"open quote\n')
    with pytest.raises(InputError) as caught:
        build(tmp_path, "reverse_dictionary", "idiom_csv", "q.csv")
    assert (caught.value.line, caught.value.reason) == (2, "invalid CSV: unexpected end of data")


def test_reason_category_folds_counts_only():
    assert reason_category("invalid UTF-8: the line is not valid UTF-8 text") == "invalid UTF-8"
    assert reason_category("control character: U+0000 at character 3") == "control character"
    assert reason_category("expected 7 columns, got 6") == "expected N columns, got N"


# Split ---------------------------------------------------------------------------------------------------------


def make_records(count: int) -> list[Record]:
    return [
        Record(make_record_id("pos", f"句{n}"), "pos", "标注。", f"句{n}", f"句{n}/n", f"e.txt:{n}")
        for n in range(count)
    ]


def test_small_task_empty_test_split_raises():
    _, stats = split_records(make_records(2), ratios=[8, 1, 1], seed=13)
    assert stats["counts"] == {"train": 1, "dev": 1, "test": 0}
    with pytest.raises(ValueError) as caught:
        check_split_sizes(stats)
    assert str(caught.value) == (
        "task 'pos': the test split is empty (2 records, ratios [8, 1, 1], split counts "
        "{'train': 1, 'dev': 1, 'test': 0}); add records to the task or change split.ratios"
    )


def test_zero_train_ratio_raises():
    _, stats = split_records(make_records(5), ratios=[0, 1, 1], seed=13)
    with pytest.raises(ValueError, match=r"^task 'pos': the train split is empty \(5 records, ratios \[0, 1, 1\]"):
        check_split_sizes(stats)


def test_empty_dev_split_warns():
    _, stats = split_records(make_records(40), ratios=[1, 0, 1], seed=13)
    stats["task"] = "pos"
    assert check_split_sizes(stats) == [
        f"task 'pos': the dev split is empty (40 records, ratios [1, 0, 1], split counts {stats['counts']})"
    ]
    _, stats = split_records(make_records(40), ratios=[8, 1, 1], seed=13)
    assert all(stats["counts"].values())
    assert check_split_sizes(stats) == []


# Config validation ---------------------------------------------------------------------------------------------


def demo_config() -> dict:
    return yaml.safe_load((REPO / "config/config.yaml").read_text("utf-8"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["tasks"].append("poetry"), "'poetry' is not one of"),
        (lambda c: c["instructions"].update({"translate": ["译。"]}), "'translate' is not one of"),
        (lambda c: c["instructions"].update({"translation": [""]}), "'' should be non-empty"),
        (lambda c: c["task_sources"]["pos"][0].update({"format": "conll"}), "'conll' is not one of"),
        (lambda c: c["task_sources"]["pos"][0].update({"paths": []}), "[] should be non-empty"),
    ],
)
def test_config_schema_rejects(edit, message):
    config = demo_config()
    config.setdefault("instructions", {})
    edit(config)
    with pytest.raises(Exception) as caught:
        validate(config, str(SCHEMA))
    assert message in str(caught.value)


# Snakemake -------------------------------------------------------------------------------------------------------


def run_snakemake(workdir: Path, config: dict, *targets: str, dry_run: bool = False) -> subprocess.CompletedProcess:
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    command = [str(SNAKEMAKE), *targets, "--cores", "1", "-d", str(workdir), "--snakefile", str(REPO / "Snakefile"),
               "--configfile", str(workdir / "config.yaml")]
    if dry_run:
        command.append("-n")
    env = dict(os.environ, PATH=f"{SNAKEMAKE.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300, check=False)


def small_config(data_root: str) -> dict:
    return {
        "data_root": data_root,
        "tasks": ["punctuation", "pos"],
        "corpus": {"sources": [{"name": "c", "format": "text", "paths": ["corpus.txt"]}]},
        "task_sources": {
            "punctuation": [{"format": "classical_modern_source", "paths": ["我的 数据/*.txt"]}],
            "pos": [{"format": "evahan", "paths": ["pos.txt"]}],
        },
    }


@pytest.mark.slow
def test_snakemake_config_errors(tmp_path):
    write(tmp_path / "data/corpus.txt", "子曰。\n")
    write(tmp_path / "data/我的 数据/s.txt", "子曰，可。\n")
    write(tmp_path / "data/pos.txt", "子/n 曰/v\n")

    config = small_config("nowhere")
    result = run_snakemake(tmp_path, config, "results/data/table3.csv", dry_run=True)
    assert result.returncode != 0
    assert "config: data_root 'nowhere' does not exist or is not a directory" in result.stdout

    config = small_config("data")
    config["tasks"].append("ner")
    result = run_snakemake(tmp_path, config, "results/data/table3.csv", dry_run=True)
    assert result.returncode != 0
    assert "config: task 'ner' is listed under 'tasks' but has no entry under 'task_sources'" in result.stdout

    config = small_config("data")
    config["task_sources"]["pos"][0]["paths"] = ["pos/*.txt"]
    result = run_snakemake(tmp_path, config, "results/data/table3.csv", dry_run=True)
    assert result.returncode != 0
    assert "config: task_sources.pos: pattern 'pos/*.txt' matches no file under data_root 'data'" in result.stdout


@pytest.mark.slow
def test_snakemake_small_task_stops_at_split(tmp_path):
    """A one-record task builds, then split_task fails with the reason in its log; nothing downstream runs."""
    write(tmp_path / "data/corpus.txt", "子曰。\n")
    write(tmp_path / "data/我的 数据/s.txt", "".join(f"子曰{n}，可。\n" for n in range(40)))
    write(tmp_path / "data/pos.txt", "子/n 曰/v\n")
    result = run_snakemake(tmp_path, small_config("data"), "results/data/table3.csv")
    assert result.returncode != 0
    stats = json.loads((tmp_path / "results/data/pos/import_stats.json").read_text("utf-8"))
    assert (stats["items_in"], stats["records"], stats["rejected"]) == (1, 1, 0)
    log = (tmp_path / "results/logs/split_task/pos.log").read_text("utf-8")
    assert "ValueError: task 'pos': the " in log
    assert "split is empty (1 records, ratios [8, 1, 1]" in log
    assert not (tmp_path / "results/data/pos/train.jsonl").exists()
    assert not (tmp_path / "results/data/table3.csv").exists()
