"""Per-source cleaning runs: accounting, quarantine, JSON poems, the demo and the real corpus."""

import csv
import glob
import json
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml

from wenyan_mtl.corpus.clean import DROP_REASONS
from wenyan_mtl.corpus.decode import detect_encoding, iter_lines
from wenyan_mtl.corpus.sources import clean_source
from wenyan_mtl.corpus.stats import merge_corpus
from wenyan_mtl.records import InputError

REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path | None:
    root = Path(os.environ.get("WENYAN_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    return root if (root / "raw_corpus").is_dir() else None


def run(tmp_path, fmt, files, root, opencc=None, name="src"):
    out = tmp_path / "out" / name
    stats = clean_source(
        name, fmt, files, root, out / "clean.txt", out / "stats.json", out / "quarantine.jsonl", opencc=opencc
    )
    paragraphs = (out / "clean.txt").read_text("utf-8").splitlines()
    quarantine = [json.loads(line) for line in (out / "quarantine.jsonl").read_text("utf-8").splitlines()]
    return stats, paragraphs, quarantine


def check_accounting(stats, paragraphs, quarantine):
    assert stats["lines_in"] == stats["paragraphs_kept"] + sum(stats["dropped"].values())
    assert len(paragraphs) == stats["paragraphs_kept"]
    assert sum(len(p) for p in paragraphs) == stats["characters_kept"]
    assert Counter(record["reason"] for record in quarantine) == +Counter(stats["dropped"])
    assert len(set(paragraphs)) == len(paragraphs)


def test_text_source_exact_accounting(tmp_path):
    path = tmp_path / "book.txt"
    path.write_text(
        "三國志\n\n## 卷一\n　　太祖，沛國譙人也。〔一〕\n\n太祖，沛國譙人也。\n<br/>\n闲?南楼\n", encoding="utf-8"
    )
    stats, paragraphs, quarantine = run(tmp_path, "text", [path], tmp_path)
    assert paragraphs == ["三國志", "太祖，沛國譙人也。", "闲？南楼"]
    assert stats["lines_in"] == 8
    assert stats["dropped"] == {
        "empty": 2, "heading": 1, "markup_only": 1, "duplicate": 1, "missing_paragraphs": 0, "invalid_entry": 0
    }
    assert quarantine == [
        {"file": "book.txt", "line": 2, "reason": "empty", "text": ""},
        {"file": "book.txt", "line": 3, "reason": "heading", "text": "## 卷一"},
        {"file": "book.txt", "line": 5, "reason": "empty", "text": ""},
        {"file": "book.txt", "line": 6, "reason": "duplicate", "text": "太祖，沛國譙人也。"},
        {"file": "book.txt", "line": 7, "reason": "markup_only", "text": "<br/>"},
    ]
    assert stats["characters_kept"] == 3 + 9 + 4
    assert stats["edits"]["footnote_markers"] == 1
    assert stats["edits"]["punctuation_widened"] == 1
    check_accounting(stats, paragraphs, quarantine)


def test_duplicates_dropped_across_files_of_a_source(tmp_path):
    (tmp_path / "a.txt").write_text("甲乙丙。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes("　甲乙丙。\r\n".encode("gb18030"))
    stats, paragraphs, quarantine = run(tmp_path, "text", [tmp_path / "a.txt", tmp_path / "b.txt"], tmp_path)
    assert paragraphs == ["甲乙丙。"]
    assert quarantine == [{"file": "b.txt", "line": 1, "reason": "duplicate", "text": "　甲乙丙。"}]
    assert stats["encodings"] == {"gb18030": 1, "utf-8": 1}


def test_opencc_conversion_before_deduplication(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("三國志\n三国志\n", encoding="utf-8")
    stats, paragraphs, quarantine = run(tmp_path, "text", [path], tmp_path, opencc="t2s")
    assert paragraphs == ["三国志"]
    assert stats["dropped"]["duplicate"] == 1


def test_unknown_opencc_config_rejected(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("甲\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'t2x' is not an OpenCC conversion"):
        run(tmp_path, "text", [path], tmp_path, opencc="t2x")


POEMS = """[
  {"title": "甲", "author": "某", "paragraphs": ["秦川雄帝宅，函谷壯皇居。", "綺殿千尋起，離宮百雉餘。"]},
  {"title": "乙", "author": "某"},
  "not a poem",
  {"title": "丙", "paragraphs": ["一", 2]},
  {"title": "丁", "paragraphs": []},
  {"title": "戊", "paragraphs": ["秦川雄帝宅，函谷壯皇居。綺殿千尋起，", "離宮百雉餘。①"]}
]
"""


def test_poetry_json_entries(tmp_path):
    path = tmp_path / "poet.json"
    path.write_text(POEMS, encoding="utf-8")
    stats, paragraphs, quarantine = run(tmp_path, "chinese_poetry_json", [path], tmp_path)
    assert paragraphs == ["秦川雄帝宅，函谷壯皇居。綺殿千尋起，離宮百雉餘。"]
    assert [(r["line"], r["entry"], r["reason"]) for r in quarantine] == [
        (3, 2, "missing_paragraphs"),
        (4, 3, "invalid_entry"),
        (5, 4, "invalid_entry"),
        (6, 5, "empty"),
        (7, 6, "duplicate"),
    ]
    assert json.loads(quarantine[0]["text"]) == {"title": "乙", "author": "某"}
    assert stats["lines_in"] == 6
    check_accounting(stats, paragraphs, quarantine)


@pytest.mark.parametrize(
    "content, where",
    [
        ('[\n  {"paragraphs": ["甲"]},\n  {"paragraphs": ["乙"]\n]\n', "line 4: invalid JSON: Expecting ',' delimiter at column 1"),
        ('{"paragraphs": ["甲"]}', "line 1"),
        ('[\n {"paragraphs": ["甲"]}\n {"paragraphs": ["乙"]}\n]', "line 3"),
        ('[{"paragraphs": ["甲"]}', "line 1"),
        ('[]\n]', "line 2"),
    ],
)
def test_malformed_json_names_file_and_line(tmp_path, content, where):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run(tmp_path, "chinese_poetry_json", [path], tmp_path)
    assert str(path) in str(caught.value)
    assert where in str(caught.value)


def demo_sources():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text("utf-8"))
    root = REPO / config["data_root"]
    for source in config["corpus"]["sources"]:
        files = []
        for pattern in source["paths"]:
            files += sorted(p for p in glob.glob(str(root / pattern), recursive=True) if os.path.isfile(p))
        yield source["name"], source["format"], files, root


@pytest.mark.parametrize("name, fmt, files, root", list(demo_sources()), ids=lambda v: v if isinstance(v, str) else "")
def test_demo_source_accounting(tmp_path, name, fmt, files, root):
    stats, paragraphs, quarantine = run(tmp_path, fmt, files, root, name=name)
    check_accounting(stats, paragraphs, quarantine)
    assert stats["dropped"]["duplicate"] > 0
    assert stats["dropped"]["empty"] > 0
    for paragraph in paragraphs:
        assert not set(paragraph) & set("<\u3000\u200b\x07①"), paragraph
        assert "〔一〕" not in paragraph
        assert "## " not in paragraph


def test_demo_corpus_has_the_expected_mess(tmp_path):
    results = {name: run(tmp_path, fmt, files, root, name=name)[0] for name, fmt, files, root in demo_sources()}
    assert results["demo-prose"]["encodings"]["gb18030"] == 1
    assert results["demo-prose"]["edits"]["html_tags"] > 0
    assert results["demo-prose"]["edits"]["html_entities"] > 0
    assert results["demo-prose"]["edits"]["punctuation_widened"] > 0
    assert results["demo-prose"]["dropped"]["markup_only"] > 0
    assert results["demo-history"]["encodings"]["utf-16le-bom"] == 1
    assert results["demo-history"]["dropped"]["heading"] > 0
    assert results["demo-history"]["edits"]["footnote_markers"] > 0
    assert results["demo-poetry"]["dropped"]["missing_paragraphs"] == 2


def test_merge_writes_corpus_and_table(tmp_path):
    texts, stats_paths, all_stats = [], [], []
    for name, fmt, files, root in demo_sources():
        stats, _, _ = run(tmp_path, fmt, files, root, name=name)
        texts.append(tmp_path / "out" / name / "clean.txt")
        stats_paths.append(tmp_path / "out" / name / "stats.json")
        all_stats.append(stats)
    out = tmp_path / "merged"
    rows = merge_corpus(texts, stats_paths, out / "corpus.txt", out / "table1.csv", out / "table1.md")

    corpus = (out / "corpus.txt").read_text("utf-8").splitlines()
    assert corpus == [line for path in texts for line in Path(path).read_text("utf-8").splitlines()]
    with open(out / "table1.csv", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [row["source"] for row in table] == [s["source"] for s in all_stats] + ["total"]
    assert int(table[-1]["paragraphs_kept"]) == len(corpus)
    assert int(table[-1]["lines_in"]) == sum(s["lines_in"] for s in all_stats)
    for row in table:
        dropped = sum(int(row[f"dropped_{reason}"]) for reason in DROP_REASONS)
        assert int(row["lines_in"]) == int(row["paragraphs_kept"]) + dropped
    assert rows[-1]["source"] == "total"
    assert "| **total** |" in (out / "table1.md").read_text("utf-8")


def test_merge_table_values(tmp_path):
    stats = {
        "source": "a", "files": 2, "input_bytes": 2_500_000, "output_bytes": 1_000_000, "lines_in": 10,
        "paragraphs_kept": 6, "characters_kept": 300,
        "dropped": {"empty": 3, "heading": 1, "markup_only": 0, "duplicate": 0,
                    "missing_paragraphs": 0, "invalid_entry": 0},
    }
    (tmp_path / "a.json").write_text(json.dumps(stats), encoding="utf-8")
    (tmp_path / "a.txt").write_bytes(b"x" * 1_000_000)
    merge_corpus([tmp_path / "a.txt"], [tmp_path / "a.json"], tmp_path / "c.txt", tmp_path / "t.csv", tmp_path / "t.md")
    lines = (tmp_path / "t.csv").read_text("utf-8").splitlines()
    assert lines[1] == "a,2,2.50,1.00,10,6,300,3,1,0,0,0,0"
    assert lines[2] == "total,2,2.50,1.00,10,6,300,3,1,0,0,0,0"


REAL_SOURCES = {
    "NiuTrans": ("text", ["raw_corpus/NiuTrans_Classical-Modern/**/*.txt"]),
    "core-books": ("text", ["raw_corpus/mahavivo_core-books/*/*.txt", "raw_corpus/mahavivo_core-books/诗文集/4/*.txt"]),
    "chinese-poetry": ("chinese_poetry_json", ["raw_corpus/chinese-poetry/**/*.json"]),
}


@pytest.mark.parametrize("name", list(REAL_SOURCES))
def test_real_source_accounting(tmp_path, name):
    root = shared_data()
    if root is None:
        pytest.skip("shared data not found; set WENYAN_SHARED_DATA")
    fmt, patterns = REAL_SOURCES[name]
    files = []
    for pattern in patterns:
        files += sorted(p for p in glob.glob(str(root / pattern), recursive=True) if os.path.isfile(p))
    assert files
    assert not any("_original_encoding" in path for path in files)
    stats, paragraphs, quarantine = run(tmp_path, fmt, files, root, name=name)
    check_accounting(stats, paragraphs, quarantine)
    assert stats["paragraphs_kept"] > 0
    assert not any("<br/>" in p or "〔一〕" in p or "<strong>" in p for p in paragraphs)


@pytest.mark.parametrize(
    "relative, label",
    [("诗文集/4/己亥杂诗-清-龚自珍.txt", "gb18030"), ("戏剧/桃花扇.txt", "utf-16le-bom")],
)
def test_real_original_encodings_match_converted_copies(relative, label):
    root = shared_data()
    if root is None:
        pytest.skip("shared data not found; set WENYAN_SHARED_DATA")
    books = root / "raw_corpus/mahavivo_core-books"
    original = books / "_original_encoding" / relative
    encoding = detect_encoding(original)
    assert encoding.label == label
    copy = books / relative
    assert list(iter_lines(original, encoding)) == list(iter_lines(copy, detect_encoding(copy)))
