"""Round trips and best-effort parsing of the structured task outputs."""

from hypothesis import given, strategies as st

from wenyan_mtl import formats

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
EXT_B = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF)
HANZI = st.one_of(CJK, EXT_B)
MARKS = st.text(alphabet=sorted(formats.PUNCTUATION_MARKS), min_size=1, max_size=3)


@st.composite
def punctuated(draw):
    text = draw(st.text(alphabet=HANZI, max_size=30))
    positions = draw(st.sets(st.integers(0, len(text)), max_size=len(text) + 1))
    marks = tuple((p, draw(MARKS)) for p in sorted(positions))
    return formats.Punctuated(text, marks)


@given(punctuated())
def test_punctuation_round_trip(value):
    assert formats.parse_punctuation(formats.render_punctuation(value)) == value


def test_punctuation_positions_on_bare_text():
    parsed = formats.parse_punctuation("帝曰： 「善。」")
    assert parsed.text == "帝曰善"
    assert parsed.marks == ((2, "：「"), (3, "。」"))


def test_strip_punctuation_drops_marks_and_spaces():
    assert formats.strip_punctuation("颜回见仲尼， 请行。") == "颜回见仲尼请行"


WORD = st.text(alphabet=HANZI, min_size=1, max_size=4)
TAG = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=3)


@given(st.lists(st.tuples(WORD, TAG), max_size=20))
def test_pos_round_trip(tokens):
    value = formats.Tagged(tuple(tokens))
    assert formats.parse_pos(formats.render_pos(value)) == value


def test_pos_token_without_tag_is_malformed():
    parsed = formats.parse_pos("惠公/nr 元妃 孟子/nr /w 。/")
    assert parsed.tokens == (("惠公", "nr"), ("孟子", "nr"))
    assert parsed.malformed == 3


def test_pos_word_may_contain_slash():
    assert formats.parse_pos("a/b/n").tokens == (("a/b", "n"),)


LABEL = st.sampled_from(["PER", "OFI", "BOOK"])


@st.composite
def spans(draw):
    pieces = draw(st.lists(st.tuples(st.text(alphabet=HANZI, max_size=5), st.booleans(), LABEL), max_size=8))
    text = ""
    found = []
    for piece, is_entity, label in pieces:
        if is_entity and piece:
            found.append((len(text), len(text) + len(piece), label))
        text += piece
    # Adjacent entities would merge ambiguously with plain pieces of length 0, so they
    # are kept distinct by construction: each entity has its own non-empty span.
    return formats.Spans(text, tuple(found))


@given(spans())
def test_ner_round_trip(value):
    assert formats.parse_ner(formats.render_ner(value)) == value


def test_ner_malformed_braces_are_counted_not_raised():
    parsed = formats.parse_ner("{玄齡|PER}、{如晦|PER不以{勳舊}進")
    assert parsed.spans == ((0, 2, "PER"),)
    assert parsed.text == "玄齡、{如晦|PER不以{勳舊}進"
    assert parsed.malformed == 3


def test_ner_span_offsets_refer_to_plain_text():
    parsed = formats.parse_ner("帝曰：{玄齡|PER}、{如晦|PER}")
    assert parsed.text == "帝曰：玄齡、如晦"
    assert [parsed.text[s:e] for s, e, _ in parsed.spans] == ["玄齡", "如晦"]


TRIGGER = st.text(alphabet=HANZI, min_size=1, max_size=3)
EVENT_LABEL = st.text(alphabet="交流个人诏令命令军事战争-", min_size=1, max_size=12).filter(
    lambda s: s.strip() == s and s != formats.NO_EVENT
)


@given(st.lists(st.tuples(TRIGGER, EVENT_LABEL), max_size=6))
def test_event_round_trip(items):
    value = formats.Events(tuple(items))
    assert formats.parse_event(formats.render_event(value)) == value


def test_event_none_and_malformed():
    assert formats.parse_event("无") == formats.Events(())
    parsed = formats.parse_event("命|交流-命令；乱码；|空；斩|军事")
    assert parsed.items == (("命", "交流-命令"), ("斩", "军事"))
    assert parsed.malformed == 2


ANY_TEXT = st.text(alphabet=st.one_of(HANZI, st.sampled_from("{}|/；;\n 无，。PERa")), max_size=60)


@given(ANY_TEXT)
def test_parsers_never_raise_on_model_text(text):
    assert formats.parse_punctuation(text).malformed == 0
    assert formats.parse_pos(text).malformed >= 0
    assert formats.parse_ner(text).malformed >= 0
    assert formats.parse_event(text).malformed >= 0
