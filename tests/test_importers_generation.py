"""Importers of the word explanation, reverse dictionary, historical figure,
poetry appreciation and poetry generation sources, on small inline files, on the
demo data and, where present, on the real public subsets."""

from __future__ import annotations

import glob
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from wenyan_mtl.importers import (
    chinese_poetry,
    gushiwen_guwen,
    gushiwen_writer,
    idiom_csv,
    import_source,
    mapull_characters,
    poetry_source_annotation,
    poetry_source_appreciation,
)
from wenyan_mtl.importers._poetry_common import clean_text
from wenyan_mtl.records import InputError, make_record_id, passage_key

REPO = Path(__file__).resolve().parents[1]
DEMO_ROOT = REPO / "resources" / "demo"


def shared_data_root() -> Path | None:
    configured = os.environ.get("WENYAN_SHARED_DATA")
    root = Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root if root.is_dir() else None


@pytest.fixture
def shared_data() -> Path:
    root = shared_data_root()
    if root is None:
        pytest.skip("shared public data not found (set WENYAN_SHARED_DATA)")
    return root


def run(module, paths, task, root):
    result = module.import_files([Path(p) for p in paths], task=task, data_root=Path(root), options={})
    assert result.items_in == len(result.records) + len(result.rejected)
    return result


def reasons(result) -> Counter:
    return Counter(item.reason for item in result.rejected)


def write_gson(path: Path, value) -> Path:
    """Write a JSON array the way snowtraces/poetry-source stores it (Gson escapes)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("=", "\\u003d"), ("'", "\\u0027")):
        text = text.replace(char, escape)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def poem(**fields):
    base = {
        "id": "0" * 32,
        "title": "山居",
        "authorName": "林远舟",
        "authorId": "1" * 32,
        "dynasty": "宋",
        "content": ["空山新雨后，竹径 晚风凉。", "远岫含残照，归舟入夕阳。"],
    }
    base.update(fields)
    return base


# clean_text ---------------------------------------------------------------


def test_clean_text_removes_indents_and_inner_spaces():
    assert clean_text("\u3000\u3000故应唤作瘦西湖 。\n\n  第二段 \r\n") == "故应唤作瘦西湖。\n第二段"


def test_clean_text_keeps_spaces_between_latin_words():
    assert clean_text("Tang  poem   title") == "Tang poem title"


@given(st.text(alphabet=st.sampled_from(list("山水，。 \u3000\nab")), max_size=40))
def test_clean_text_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert not once.startswith(("\n", " "))
    assert "\n\n" not in once


# poetry_source_annotation --------------------------------------------------


def test_annotation_quotes_word_in_sentence(tmp_path):
    path = write_gson(tmp_path / "source/诗/宋/a.json", [poem(annotation=["竹径：竹林中的小路。", "远岫：远处的山峰。"])])
    result = run(poetry_source_annotation, [path], "word_explanation", tmp_path)
    assert [(r.input, r.output) for r in result.records] == [
        ("空山新雨后，“竹径”晚风凉。", "竹林中的小路。"),
        ("“远岫”含残照，归舟入夕阳。", "远处的山峰。"),
    ]
    assert [r.source for r in result.records] == ["source/诗/宋/a.json:0", "source/诗/宋/a.json:0"]
    assert all(r.instruction == "" for r in result.records)


def test_annotation_records_share_poem_split_key(tmp_path):
    path = write_gson(tmp_path / "a.json", [poem(annotation=["竹径：竹林中的小路。", "远岫：远处的山峰。"])])
    result = run(poetry_source_annotation, [path], "word_explanation", tmp_path)
    keys = {passage_key(r.id) for r in result.records}
    assert len(keys) == 1
    assert len({r.id for r in result.records}) == 2


def test_annotation_decodes_gson_escapes(tmp_path):
    path = write_gson(tmp_path / "a.json", [poem(annotation=["归舟：回程的船，亦作'归棹'<见注>&下文=同。"])])
    raw = path.read_text(encoding="utf-8")
    for escape in ("\\u0027", "\\u003c", "\\u0026", "\\u003d"):
        assert escape in raw
    result = run(poetry_source_annotation, [path], "word_explanation", tmp_path)
    assert result.records[0].output == "回程的船，亦作'归棹'<见注>&下文=同。"


def test_annotation_strips_pinyin_and_line_quotes(tmp_path):
    glosses = ["远岫（yuǎn xiù）：远处的山峰。", "“空山新雨后”句：写雨后山景。", "归舟zhōu：回程的船。"]
    path = write_gson(tmp_path / "a.json", [poem(annotation=glosses)])
    result = run(poetry_source_annotation, [path], "word_explanation", tmp_path)
    assert [r.input for r in result.records] == [
        "“远岫”含残照，归舟入夕阳。",
        "“空山新雨后”，竹径晚风凉。",
        "远岫含残照，“归舟”入夕阳。",
    ]


def test_annotation_falls_back_to_title(tmp_path):
    path = write_gson(tmp_path / "a.json", [poem(annotation=["山居：隐居山中。"])])
    result = run(poetry_source_annotation, [path], "word_explanation", tmp_path)
    assert result.records[0].input == "词语：“山居”（出自《山居》）"


def test_annotation_half_width_colon_accepted(tmp_path):
    path = write_gson(tmp_path / "a.json", [poem(annotation=["竹径: 竹林中的小路。"])])
    result = run(poetry_source_annotation, [path], "word_explanation", tmp_path)
    assert result.records[0].output == "竹林中的小路。"


def test_annotation_rejection_reasons(tmp_path):
    poems = [
        poem(annotation=["其二", "", "竹径：", "：无词"]),
        poem(title="无注", annotation=[]),
        "not a poem",
        poem(content="空山新雨后"),
    ]
    path = write_gson(tmp_path / "a.json", poems)
    result = run(poetry_source_annotation, [path], "word_explanation", tmp_path)
    assert result.records == []
    assert [(r.line, r.field, r.reason) for r in result.rejected] == [
        (0, "annotation[0]", "malformed gloss: no '：' separator"),
        (0, "annotation[1]", "empty gloss"),
        (0, "annotation[2]", "empty output"),
        (0, "annotation[3]", "empty input"),
        (1, "annotation", "no annotation"),
        (2, None, "invalid poem record: expected a JSON object, got str"),
        (3, "content", "invalid poem record: 'content' must be a list of strings"),
    ]
    assert result.items_in == 7


def test_annotation_invalid_json_raises(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"title": "x",\n  oops\n]', encoding="utf-8")
    with pytest.raises(InputError) as error:
        run(poetry_source_annotation, [path], "word_explanation", tmp_path)
    assert error.value.line == 3
    assert "invalid JSON" in str(error.value)


def test_quote_in_sentence_spans_one_sentence():
    text = "甲乙。丙丁戊；己庚"
    assert poetry_source_annotation.quote_in_sentence(text, "丁") == "丙“丁”戊；"
    assert poetry_source_annotation.quote_in_sentence(text, "庚") == "己“庚”"
    assert poetry_source_annotation.quote_in_sentence(text, "辛") is None


# poetry_source_appreciation -----------------------------------------------


def test_appreciation_record(tmp_path):
    poems = [
        poem(appreciation="\u3000\u3000此诗写山居晚景。\n\n  末句以景结情。 "),
        poem(title="无赏析"),
        poem(title="空白", appreciation=" \n "),
        poem(title="无正文", appreciation="赏析。", content=[]),
    ]
    path = write_gson(tmp_path / "a.json", poems)
    result = run(poetry_source_appreciation, [path], "poetry_appreciation", tmp_path)
    assert len(result.records) == 1
    record = result.records[0]
    assert record.input == "《山居》\n林远舟（宋）\n空山新雨后，竹径晚风凉。\n远岫含残照，归舟入夕阳。"
    assert record.output == "此诗写山居晚景。\n末句以景结情。"
    assert record.source == "a.json:0"
    assert [(r.line, r.reason) for r in result.rejected] == [
        (1, "no appreciation"),
        (2, "no appreciation"),
        (3, "empty input"),
    ]


def test_render_work_leaves_out_missing_parts():
    assert poetry_source_appreciation.render_work("", "", "", "正文") == "正文"
    assert poetry_source_appreciation.render_work("题", "某人", "", "正文") == "《题》\n某人\n正文"
    assert poetry_source_appreciation.render_work("题", "某人", "唐", "") == ""


# gushiwen_guwen -------------------------------------------------------------


def guwen_line(**fields) -> str:
    base = {
        "_id": {"$oid": "5b9a17cf367d5c0f40d22a17"},
        "title": "鹤说",
        "dynasty": "明",
        "writer": "沈子清",
        "content": "\u3000\u3000昔有人畜鹤。\n\n\u3000\u3000鹤去，人不追。\n\n",
        "type": ["寓言"],
        "remark": "畜：养。\n\n",
        "translation": "从前有人养鹤。",
        "shangxi": "\u3000\u3000此文短小。\n\n\u3000\u3000寓意  深远。\n\n",
    }
    base.update(fields)
    return json.dumps(base, ensure_ascii=False)


def test_guwen_record_and_rejections(tmp_path):
    path = tmp_path / "guwen" / "guwen1-2.json"
    path.parent.mkdir()
    lines = [guwen_line(), guwen_line(shangxi=""), "", '{"title": "半行', guwen_line(content=""), guwen_line(title=7)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(gushiwen_guwen, [path], "poetry_appreciation", tmp_path)
    assert len(result.records) == 1
    record = result.records[0]
    assert record.input == "《鹤说》\n沈子清（明）\n昔有人畜鹤。\n鹤去，人不追。"
    assert record.output == "此文短小。\n寓意深远。"
    assert record.source == "guwen/guwen1-2.json:1"
    assert [(r.line, r.field, r.reason.split(":")[0]) for r in result.rejected] == [
        (2, "shangxi", "no appreciation"),
        (4, None, "invalid JSON"),
        (5, "content", "empty input"),
        (6, "title", "invalid work record"),
    ]
    assert result.items_in == 5


# gushiwen_writer ------------------------------------------------------------


def writer_line(oid: str, name, intro: str) -> str:
    return json.dumps(
        {"_id": {"$oid": oid}, "name": name, "headImageUrl": "", "simpleIntro": intro, "detailIntro": "{}"},
        ensure_ascii=False,
    )


def test_writer_duplicates_and_namesakes(tmp_path):
    path = tmp_path / "writer.json"
    lines = [
        writer_line("a1", "林远舟", "林远舟，字子清，吴郡人。"),
        writer_line("a2", "林远舟", "林远舟，字子清，吴郡人。"),
        writer_line("a3", "林远舟", "另一位林远舟，明人。"),
        writer_line("a4", "陈希文", "\u3000\u3000陈希文，工诗。\n"),
        writer_line("a5", "", "无名。"),
        writer_line("a6", "沈某", ""),
        writer_line("a7", 3, "编号。"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(gushiwen_writer, [path], "historical_figure", tmp_path)
    ids = [r.id for r in result.records]
    assert len(result.records) == 4
    assert ids[0] == ids[1]
    assert ids[2] != ids[0]
    assert passage_key(ids[2]) == passage_key(ids[0]) == make_record_id("historical_figure", "林远舟")
    assert result.records[3].output == "陈希文，工诗。"
    assert [r.source for r in result.records] == ["writer.json:1", "writer.json:2", "writer.json:3", "writer.json:4"]
    assert [(r.line, r.field, r.reason) for r in result.rejected] == [
        (5, "name", "empty input"),
        (6, "simpleIntro", "empty output"),
        (7, "name", "invalid writer record: 'name' must be a string"),
    ]


# idiom_csv ------------------------------------------------------------------


def test_idiom_rows_and_rejections(tmp_path):
    path = tmp_path / "idioms.txt"
    path.write_text(
        '12,"画蛇添足","huà  shé  tiān  zú","比喻做了多余的事，反而弄巧成拙。","出处：“画蛇添足，\n多此一举。”",,"hstz"\n'
        '14,"一叶障目","yī  yè  zhàng  mù","比喻被局部现象迷惑。又作“一叶障目”。",,,"yyzm"\n'
        "\n"
        '16,"短行","duǎn  háng","六列。",,"dh"\n'
        '18,"百发百中","bǎi  fā  bǎi  zhòng",,,,"bfbz"\n',
        encoding="utf-8",
    )
    result = run(idiom_csv, [path], "reverse_dictionary", tmp_path)
    assert [(r.input, r.output, r.source) for r in result.records] == [
        ("比喻做了多余的事，反而弄巧成拙。", "画蛇添足", "idioms.txt:1"),
        ("比喻被局部现象迷惑。又作“～”。", "一叶障目", "idioms.txt:3"),
    ]
    assert [(r.line, r.field, r.reason) for r in result.rejected] == [
        (5, None, "expected 7 columns, got 6"),
        (6, "explanation", "empty input"),
    ]
    assert result.items_in == 4


def test_idiom_broken_quote_raises(tmp_path):
    path = tmp_path / "idioms.txt"
    path.write_text('1,"画蛇"添足,"x","y",,,"z"\n', encoding="utf-8")
    with pytest.raises(InputError) as error:
        run(idiom_csv, [path], "reverse_dictionary", tmp_path)
    assert error.value.line == 1


# mapull_characters ----------------------------------------------------------


def mapull_file(tmp_path, entries) -> Path:
    path = tmp_path / "char_common_detail.json"
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


def test_mapull_definitions(tmp_path):
    entries = [
        {"char": "啊", "explanations": [{"contents": ["(形声。从口，阿声。本义叹词) 表示惊叹或赞颂。如啊!多么美"]}], "pronunciations": []},
        {"char": "攻", "explanations": [{"contents": ["(形声。本义进攻，攻打)", "同本义", "攻，击也。--《说文》"]}]},
        {"char": "绷", "explanations": [{"contents": ["(形声。从糸)，朋声。本义束缚，捆绑)", "缠束；包扎"]}]},
        {"char": "阿", "explanations": [{"contents": ["(汉语名词词头)", "加在称呼前面有亲昵的意味", "阿姊闻妹来。--《木兰诗》"]}]},
        {"char": "己", "explanations": [{"contents": ["知己知彼。--《孙子》"]}],
         "pronunciations": [{"pinyin": "jǐ", "explanations": [{"contents": ["【己见】自己的见解"]}, {"details": ["1.自身自～。舍～救人。"]}]}]},
        {"char": "海", "explanations": [{"contents": ["(形声。本义大海，海洋)", "百川会聚之处", "又如：近海"]}]},
    ]
    result = run(mapull_characters, [mapull_file(tmp_path, entries)], "reverse_dictionary", tmp_path)
    assert [(r.output, r.input) for r in result.records] == [
        ("啊", "表示惊叹或赞颂"),
        ("攻", "进～，～打"),
        ("绷", "缠束；包扎"),
        ("阿", "汉语名词词头；加在称呼前面有亲昵的意味"),
        ("己", "自身自～"),
        ("海", "百川会聚之处"),
    ]
    assert [r.source for r in result.records] == [f"char_common_detail.json:{i}" for i in range(6)]


def test_mapull_rejections(tmp_path):
    entries = [
        {"char": "蓖", "explanations": [{}], "pronunciations": [{"pinyin": "bì", "explanations": [{"contents": ["【蓖麻】草本植物。"]}]}]},
        {"char": "", "explanations": [{"contents": ["无字"]}]},
        {"char": 5},
        "丙",
    ]
    result = run(mapull_characters, [mapull_file(tmp_path, entries)], "reverse_dictionary", tmp_path)
    assert result.records == []
    assert [(r.line, r.field, r.reason) for r in result.rejected] == [
        (0, "explanations", "empty input"),
        (1, "char", "empty output"),
        (2, "char", "invalid character record: 'char' must be a string"),
        (3, None, "invalid character record: expected a JSON object, got str"),
    ]


def test_mapull_top_level_must_be_array(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"char": "山"}', encoding="utf-8")
    with pytest.raises(InputError, match="expected a JSON array"):
        run(mapull_characters, [path], "reverse_dictionary", tmp_path)


# chinese_poetry -------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraphs", "form"),
    [
        (["空山新雨後，天氣晚來秋。", "明月松間照，清泉石上流。"], "五言绝句"),
        (["一二三四五六七，一二三四五六七。"] * 2, "七言绝句"),
        (["一二三四五，一二三四五。"] * 4, "五言律诗"),
        (["一二三四五六七，一二三四五六七。"] * 4, "七言律诗"),
        (["一二三四五，一二三四五。"] * 3, "五言古诗"),
        (["一二三四五六七，一二三四五六七。"] * 6, "七言古诗"),
        (["一二三四五，一二三四五六七。", "一二三四五，一二三四五。"], "杂言"),
        (["一二三四五，一二三四五。"], "杂言"),
        (["一二三四，一二三四。"] * 2, "杂言"),
        (["[爽]節在重九，物華新雨餘。", "《長恨》一曲終，琵琶兩三聲。"], "五言绝句"),
    ],
)
def test_poem_form(paragraphs, form):
    assert chinese_poetry.poem_form(paragraphs) == form


def test_poetry_records_and_rejections(tmp_path):
    tang = [
        {"author": "某", "paragraphs": ["空山新雨後，天氣晚來秋。", " 明月松間照，清泉石上流。"], "title": "山居 秋暝", "id": "u1"},
        {"author": "某", "paragraphs": [], "title": "闕題", "id": "u2"},
        {"author": "某", "paragraphs": ["一二三四五，一二三四五。"], "title": "", "id": "u3"},
        {"author": "某", "paragraphs": "不是列表", "title": "錯", "id": "u4"},
        [1, 2],
    ]
    ci = [{"author": "某", "paragraphs": ["气和玉烛，睿化著鸿明。", "缇管一阳生。"], "rhythmic": "导引"}]
    (tmp_path / "tang.json").write_text(json.dumps(tang, ensure_ascii=False, indent=4), encoding="utf-8")
    (tmp_path / "ci.json").write_text(json.dumps(ci, ensure_ascii=False, indent=2), encoding="utf-8")
    result = run(chinese_poetry, [tmp_path / "tang.json", tmp_path / "ci.json"], "poetry_generation", tmp_path)
    assert [(r.input, r.output, r.source) for r in result.records] == [
        ("题目：山居 秋暝\n体裁：五言绝句", "空山新雨後，天氣晚來秋。\n明月松間照，清泉石上流。", "tang.json:0"),
        ("题目：导引\n体裁：词·导引", "气和玉烛，睿化著鸿明。\n缇管一阳生。", "ci.json:0"),
    ]
    assert [(r.line, r.field, r.reason) for r in result.rejected] == [
        (1, "paragraphs", "empty output"),
        (2, "title", "empty input"),
        (3, "paragraphs", "invalid poem record: 'paragraphs' must be a list of strings"),
        (4, None, "invalid poem record: expected a JSON object, got list"),
    ]


def test_poetry_input_is_two_lines(tmp_path):
    poems = [{"author": "某", "paragraphs": ["一二三四五，一二三四五。"] * 2, "title": "题", "id": "u"}]
    (tmp_path / "p.json").write_text(json.dumps(poems, ensure_ascii=False), encoding="utf-8")
    record = run(chinese_poetry, [tmp_path / "p.json"], "poetry_generation", tmp_path).records[0]
    title_line, form_line = record.input.split("\n")
    assert title_line == "题目：题"
    assert form_line.removeprefix(chinese_poetry.FORM_PREFIX) in chinese_poetry.FORMS


# demo data -----------------------------------------------------------------

DEMO_SOURCES = [
    ("word_explanation", "poetry_source_annotation", "t06_word_explanation/**/*.json", 90, 3),
    ("reverse_dictionary", "mapull_characters", "t07_reverse_dictionary/char_detail.json", 42, 2),
    ("reverse_dictionary", "idiom_csv", "t07_reverse_dictionary/idioms.txt", 42, 2),
    ("historical_figure", "gushiwen_writer", "t08_historical_figures/*.json", 69, 3),
    ("poetry_appreciation", "poetry_source_appreciation", "t09_poetry_appreciation/poetry_source/**/*.json", 54, 4),
    ("poetry_appreciation", "gushiwen_guwen", "t09_poetry_appreciation/guwen/*.json", 31, 4),
    ("poetry_generation", "chinese_poetry", "t10_poetry_generation/*.json", 86, 3),
]


@pytest.mark.parametrize(("task", "format_name", "pattern", "items", "rejected"), DEMO_SOURCES)
def test_demo_source_counts(task, format_name, pattern, items, rejected):
    paths = sorted(glob.glob(str(DEMO_ROOT / pattern), recursive=True))
    assert paths, f"no demo file matches {pattern}"
    result = import_source(format_name, paths, task=task, data_root=DEMO_ROOT)
    assert result.items_in == items
    assert len(result.rejected) == rejected
    assert all(record.input and record.output and record.task == task for record in result.records)


def test_demo_poems_follow_their_form():
    paths = sorted(glob.glob(str(DEMO_ROOT / "t10_poetry_generation/*.json")))
    result = import_source("chinese_poetry", paths, task="poetry_generation", data_root=DEMO_ROOT)
    forms = Counter(record.input.split("\n")[1].removeprefix("体裁：") for record in result.records)
    assert forms["五言绝句"] == 16
    assert forms["七言绝句"] == 16
    assert forms["五言律诗"] == 12
    assert forms["七言律诗"] == 10
    assert forms["杂言"] == 3
    assert sum(count for form, count in forms.items() if form.startswith("词·")) == 18


# real public data -----------------------------------------------------------

REAL_SOURCES = [
    # task, format, pattern, items in, minimum kept
    ("word_explanation", "poetry_source_annotation",
     "t06_word_explanation/snowtraces_poetry-source/source/**/*.json", 15829, 15000),
    ("reverse_dictionary", "mapull_characters",
     "t07_reverse_dictionary/mapull_chinese-dictionary/data/character/char_common_detail.json", 1500, 1450),
    ("reverse_dictionary", "idiom_csv",
     "t07_reverse_dictionary/by-syk_chinese-idiom-db/chinese-idioms-12976.txt", 3000, 2990),
    ("historical_figure", "gushiwen_writer", "t08_historical_figures/caoxingyu_chinese-gushiwen/writer/*.json", 2000, 2000),
    ("poetry_appreciation", "poetry_source_appreciation",
     "t09_poetry_appreciation/snowtraces_poetry-source/source/**/*.json", 1921, 1921),
    ("poetry_appreciation", "gushiwen_guwen", "t09_poetry_appreciation/caoxingyu_chinese-gushiwen/guwen/*.json", 457, 457),
    ("poetry_generation", "chinese_poetry", "t10_poetry_generation/chinese-poetry/**/*.json", 4002, 4002),
]


@pytest.mark.parametrize(("task", "format_name", "pattern", "items", "minimum_kept"), REAL_SOURCES)
def test_real_source_counts(shared_data, task, format_name, pattern, items, minimum_kept):
    paths = sorted(glob.glob(str(shared_data / pattern), recursive=True))
    assert paths, f"no file matches {pattern}"
    result = import_source(format_name, paths, task=task, data_root=shared_data)
    print(f"{format_name}: {result.items_in} in, {len(result.records)} kept, {len(result.rejected)} rejected {dict(reasons(result))}")
    assert result.items_in == items
    assert len(result.records) >= minimum_kept
    by_id = {}
    for record in result.records:
        previous = by_id.setdefault(record.id, record)
        assert (previous.input, previous.output) == (record.input, record.output), record.id


def test_real_glosses_mostly_found_in_poem(shared_data):
    paths = sorted(glob.glob(str(shared_data / "t06_word_explanation/**/*.json"), recursive=True))
    result = import_source("poetry_source_annotation", paths, task="word_explanation", data_root=shared_data)
    fallbacks = sum(record.input.startswith(poetry_source_annotation.FALLBACK_PREFIX) for record in result.records)
    assert fallbacks < 0.25 * len(result.records)
    assert sum("“" in record.input for record in result.records) == len(result.records)


def test_real_tang_poems_get_regular_forms(shared_data):
    paths = sorted(glob.glob(str(shared_data / "t10_poetry_generation/chinese-poetry/全唐诗/*.json")))
    result = import_source("chinese_poetry", paths, task="poetry_generation", data_root=shared_data)
    forms = Counter(record.input.split("\n")[1] for record in result.records)
    assert forms["体裁：杂言"] < 0.3 * len(result.records)
    assert forms["体裁：五言律诗"] > 0
    assert forms["体裁：七言绝句"] > 0
