"""Encoding detection and line streaming of raw corpus files."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wenyan_mtl.corpus import decode
from wenyan_mtl.corpus.decode import detect_encoding, iter_lines, read_text
from wenyan_mtl.records import InputError

CHINESE = "太祖武皇帝，沛國譙人也，姓曹，諱操，字孟德。"


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_without_and_with_bom(tmp_path):
    plain = write(tmp_path, "plain.txt", "甲\n乙\n".encode("utf-8"))
    bom = write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + "甲\n乙\n".encode("utf-8"))
    assert detect_encoding(plain).label == "utf-8"
    assert detect_encoding(bom).label == "utf-8-bom"
    assert list(iter_lines(bom, detect_encoding(bom))) == [(1, "甲"), (2, "乙")]


def test_gb18030_file_decodes(tmp_path):
    path = write(tmp_path, "gb.txt", ("己亥杂诗\r\n" + CHINESE + "\r\n").encode("gb18030"))
    encoding = detect_encoding(path)
    assert encoding.label == "gb18030"
    assert list(iter_lines(path, encoding)) == [(1, "己亥杂诗"), (2, CHINESE)]


def test_utf16le_bom_crlf_file_decodes(tmp_path):
    path = write(tmp_path, "u16.txt", b"\xff\xfe" + "桃花扇\r\n\r\n试一出\r\n".encode("utf-16-le"))
    encoding = detect_encoding(path)
    assert encoding.label == "utf-16le-bom"
    assert list(iter_lines(path, encoding)) == [(1, "桃花扇"), (2, ""), (3, "试一出")]


def test_utf16be_and_utf32le_boms(tmp_path):
    be = write(tmp_path, "be.txt", b"\xfe\xff" + "甲乙".encode("utf-16-be"))
    le32 = write(tmp_path, "le32.txt", b"\xff\xfe\x00\x00" + "甲乙".encode("utf-32-le"))
    assert detect_encoding(be).label == "utf-16be-bom"
    assert detect_encoding(le32).label == "utf-32le-bom"
    assert read_text(le32, detect_encoding(le32)) == "甲乙"


def test_cr_and_crlf_line_breaks(tmp_path):
    path = write(tmp_path, "mixed.txt", "一\r\n二\r三\n".encode("utf-8"))
    assert list(iter_lines(path, detect_encoding(path))) == [(1, "一"), (2, "二"), (3, "三")]


def test_undecodable_file_names_path_and_offset(tmp_path):
    path = write(tmp_path, "bad.txt", b"ab\n\x80cd")
    with pytest.raises(InputError) as caught:
        detect_encoding(path)
    message = str(caught.value)
    assert str(path) in message
    assert "byte 0x80 at offset 3" in message


def test_undecodable_offsets_per_encoding(tmp_path):
    # D6 D0 is 中 in GB18030 but invalid UTF-8 at offset 0; FF is invalid in both.
    path = write(tmp_path, "bad.txt", b"\xd6\xd0\xff")
    with pytest.raises(InputError) as caught:
        detect_encoding(path)
    message = str(caught.value)
    assert "not UTF-8 (first invalid byte 0xD6 at offset 0" in message
    assert "not GB18030 (first invalid byte 0xFF at offset 2" in message


def test_damaged_utf8_is_not_read_as_gb18030(tmp_path):
    good = (CHINESE * 2).encode("utf-8")
    path = write(tmp_path, "damaged.txt", good + b"\xff" + good)
    with pytest.raises(InputError) as caught:
        detect_encoding(path)
    assert f"offset {len(good)}" in str(caught.value)
    assert "damaged UTF-8" in str(caught.value)


def test_truncated_utf16_reports_last_byte(tmp_path):
    path = write(tmp_path, "cut.txt", b"\xff\xfe" + "甲".encode("utf-16-le") + b"\x41")
    with pytest.raises(InputError) as caught:
        detect_encoding(path)
    assert "byte 0x41 at offset 4 (truncated data)" in str(caught.value)


@settings(max_examples=60, deadline=None)
@given(
    prefix=st.text(alphabet="天地玄黄宇宙洪荒日月盈昃，。a1 ", min_size=16, max_size=60),
    chunk=st.integers(min_value=1, max_value=9),
)
def test_error_offset_exact_across_chunks(tmp_path_factory, prefix, chunk):
    data = ("陳壽撰" * 6 + prefix).encode("utf-8")
    path = tmp_path_factory.mktemp("chunks") / "f.txt"
    path.write_bytes(data + b"\xc0" + "尾".encode("utf-8"))
    original = decode.CHUNK_BYTES
    decode.CHUNK_BYTES = chunk
    try:
        with pytest.raises(InputError) as caught:
            detect_encoding(path)
    finally:
        decode.CHUNK_BYTES = original
    assert f"byte 0xC0 at offset {len(data)} " in str(caught.value)


# U+0000 is left out: UTF-16 LE text that starts with it begins FF FE 00 00, the UTF-32 LE mark.
@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",),
                                                   exclude_characters="\x00\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")),
                   max_size=8),
    codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_text_round_trips_through_detection(tmp_path_factory, lines, codec):
    path = tmp_path_factory.mktemp("round") / "f.txt"
    path.write_bytes("\r\n".join(lines).encode(codec))
    got = [line for _, line in iter_lines(path, detect_encoding(path))]
    expected = "\n".join(lines).split("\n") if lines else []
    if lines and lines[-1] == "":
        expected = expected[:-1]
    assert got == expected
