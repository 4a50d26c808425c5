"""Line cleaning: exact expected output for each kind of mess."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wenyan_mtl.corpus.clean import EMPTY, HEADING, MARKUP_ONLY, LineCleaner


def clean(line):
    return LineCleaner().clean(line)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("<strong>气味</strong><br/>涩，寒。", "气味涩，寒。"),
        ("<strong>释名<br/></strong>（淡豉）苦、寒、无毒。", "释名（淡豉）苦、寒、无毒。"),
        ("<spanstyle= font-family:SimSun; >聂政刺韩相侠</span>累", "聂政刺韩相侠累"),
        ('<span style="color:#000000;">莲花幕</span>', "莲花幕"),
        ("《天文志》：日月会于龙&lt;豕龙&gt;尾。", "《天文志》：日月会于龙<豕龙>尾。"),
        ("&ldquo;可&rdquo;&nbsp;也", "“可”也"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("<!-- 注 -->文<BR>章", "文章"),
    ],
)
def test_html_removed_and_entities_unescaped(raw, expected):
    assert clean(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("漢相國參之後。〔一〕桓帝世", "漢相國參之後。桓帝世"),
        ("是为〔一０〕曹姓〔二十三〕。", "是为曹姓。"),
        ("〔一〕　〔曹瞞傳曰〕：太祖一名吉利", "〔曹瞞傳曰〕：太祖一名吉利"),
        ("甲[1]乙［2］丙【3】丁[注4]戊", "甲乙丙丁戊"),
        ("①甲②乙⑳丙⑴丁⒈戊❶己㈠庚¹", "甲乙丙丁戊己庚"),
        ("〔晉〕陳壽撰", "〔晉〕陳壽撰"),
        ("[时珍曰]逆者正治", "[时珍曰]逆者正治"),
        ("【前腔】花开", "【前腔】花开"),
    ],
)
def test_footnote_markers_removed(raw, expected):
    assert clean(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["## 三國志卷一　魏書一", "# 卷一", "　　### 卷二", "##", "<h2>卷一</h2>", "<H3><b>卷三</b></H3>"])
def test_heading_dropped(raw):
    assert clean(raw) == (None, HEADING)


def test_hash_without_space_is_text():
    assert clean("#1甲") == ("#1甲", None)


@pytest.mark.parametrize("raw", ["", "   ", "\u3000\u3000", "\t \xa0"])
def test_empty_line(raw):
    assert clean(raw) == (None, EMPTY)


@pytest.mark.parametrize("raw", ["<br/>", "</span>", "---", "* * *", "| --- | --- |", "〔一〕", "&nbsp;", "\u200b"])
def test_markup_only_line(raw):
    assert clean(raw) == (None, MARKUP_ONLY)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("寄，何时梦得闲?南楼明月共", "寄，何时梦得闲？南楼明月共"),
        ("用大豆一升(炒过)、白术半两", "用大豆一升（炒过）、白术半两"),
        ("水煎,含咽;日三次:", "水煎，含咽；日三次："),
        ("不到寒闺举酒杯!", "不到寒闺举酒杯！"),
        ("乎?!", "乎？！"),
        ("a,b 中", "a,b中"),
        ("时在10:30,中", "时在10:30,中"),
        ("中,b", "中,b"),
        ("黄铁矿(FeS2)", "黄铁矿(FeS2)"),
    ],
)
def test_half_width_punctuation_between_cjk(raw, expected):
    assert clean(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("　　太祖武皇帝，沛國譙人也。  ", "太祖武皇帝，沛國譙人也。"),
        ("傅毅曰： 西域有神", "傅毅曰：西域有神"),
        ("〔晉〕陳壽 撰 〔南朝宋〕裴松之 注", "〔晉〕陳壽撰〔南朝宋〕裴松之注"),
        ("Hello   world\t!", "Hello world !"),
        ("三國志", "三國志"),
    ],
)
def test_whitespace_and_indents(raw, expected):
    assert clean(raw) == (expected, None)


def test_invalid_characters_removed_and_counted():
    cleaner = LineCleaner()
    assert cleaner.clean("天\x07地\x85\u200b人\ufffd和\ue000\ud800平\ufeff") == ("天地人和平", None)
    removed = cleaner.counts.as_dict()["removed_characters"]
    assert removed == {"control": 2, "invalid": 2, "private_use": 1, "zero_width": 2}


def test_edit_counts():
    cleaner = LineCleaner()
    cleaner.clean("<strong>甲</strong><br/>乙,丙〔一〕&gt;")
    counts = cleaner.counts.as_dict()
    assert counts["html_tags"] == 3
    assert counts["html_entities"] == 1
    assert counts["footnote_markers"] == 1
    assert counts["punctuation_widened"] == 1


MESSY = st.text(alphabet=list("天地人曰也，。 \u3000\t,?()a1#<>/&;brg〔一〕[]①\x07\u200b\ufffd"), max_size=40)


@given(MESSY)
def test_kept_paragraph_is_one_clean_line(raw):
    paragraph, reason = clean(raw)
    assert (paragraph is None) != (reason is None)
    if paragraph is not None:
        assert paragraph == paragraph.strip()
        assert "\n" not in paragraph
        assert "\r" not in paragraph
        assert "\u3000" not in paragraph
        assert "\t" not in paragraph
        assert not set(paragraph) & {"\x07", "\u200b", "\ufffd", "①"}


@given(st.text(alphabet=list("天地人曰也，。 \u3000,?()a1〔一〕[]①"), max_size=40))
def test_cleaning_is_idempotent_without_html(raw):
    paragraph, _ = clean(raw)
    if paragraph is not None:
        assert clean(paragraph) == (paragraph, None)
