"""Generate the demo raw corpus under resources/demo/raw_corpus/.

The text is classical-style Chinese built by a seeded generator from the vocabulary
and sentence patterns below, written for this project; it reproduces no source
text. The files carry the mess that real raw corpora have, so that the cleaning
stage has something to do: HTML tags and entities, footnote markers, `## ` headings,
full-width-space indents, half-width punctuation between Chinese characters,
duplicate paragraphs, empty lines, control and zero-width characters, one GB18030
file, one UTF-16LE file with a BOM and CRLF line breaks, and traditional text
(converted from the generated simplified text with OpenCC s2t).

Run from the repository root: .venv/bin/python resources/demo/make_demo_corpus.py
The output depends only on SEED, this file and the pinned opencc-python-reimplemented.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import opencc

SEED = 20240601
OUT = Path(__file__).resolve().parent / "raw_corpus"

SURNAMES = list("张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("安邦宁远德昭文若子敬伯仁仲达叔夜季明元直孝先公瑾玄德云长翼德奉孝士元幼常承祖景升彦和德祖休明子建")
TITLES = ["王", "公", "侯", "将军", "太守", "丞相", "大夫", "先生", "处士", "使者", "刺史", "县令", "博士", "隐者"]
PLACES = ["江东", "河北", "淮南", "洛阳", "长安", "吴", "楚", "齐", "鲁", "燕", "赵", "秦", "蜀", "会稽", "南山",
          "东海", "西陵", "北原", "襄阳", "荆州", "并州", "扬州", "益州", "凉州", "陈留", "汝南", "颍川", "琅邪"]
NOUNS = ["道", "德", "仁", "义", "礼", "智", "信", "志", "心", "命", "天下", "百姓", "君子", "小人", "贤者", "圣人",
         "国", "家", "民", "兵", "粟", "田", "书", "剑", "马", "酒", "琴", "舟", "车", "城", "门", "宫", "庙",
         "山", "水", "风", "雨", "雪", "霜", "云", "月", "日", "星", "花", "草", "木", "石", "鸟", "鱼", "虎", "龙",
         "学", "政", "法", "刑", "赏", "罚", "财", "利", "名", "言", "行", "朋友", "父母", "兄弟", "师", "弟子"]
VERBS = ["行", "见", "闻", "归", "去", "来", "问", "告", "治", "守", "伐", "攻", "得", "失", "爱", "恶", "知",
         "学", "读", "饮", "食", "登", "渡", "立", "废", "用", "求", "养", "教", "从", "违", "乘", "观", "居"]
ADJECTIVES = ["大", "小", "高", "远", "深", "明", "清", "长", "久", "新", "古", "善", "贤", "愚", "贫", "富", "强",
              "弱", "安", "危", "治", "乱", "厚", "薄", "急", "缓", "寒", "暖", "美", "恶"]
TIMES = ["元年", "二年", "三年", "五年", "七年", "十年", "春", "夏", "秋", "冬", "是岁", "明年", "其后", "初",
         "正月", "三月", "九月", "十二月"]
HERBS = ["甘草", "黄芪", "当归", "茯苓", "白术", "人参", "桂枝", "芍药", "柴胡", "麻黄", "半夏", "陈皮", "川芎",
         "地黄", "薄荷", "菊花", "枸杞", "百合", "莲子", "杏仁", "桑叶", "竹茹", "石膏", "葛根"]
TASTES = ["甘", "苦", "辛", "酸", "咸", "涩", "淡"]
NATURES = ["平", "温", "微温", "寒", "微寒", "凉", "热"]
AILMENTS = ["咳逆上气", "心腹邪气", "风寒湿痹", "目赤肿痛", "久泻不止", "烦渴", "头痛", "腰膝酸软", "惊悸",
            "痰饮", "疮疡", "水肿"]
IMAGES = ["明月", "白云", "青山", "流水", "孤舟", "落日", "秋风", "春草", "寒江", "远树", "归鸿", "古道", "长亭",
          "故园", "高楼", "残雪", "夕阳", "烟波", "松间", "竹林", "空山", "晚钟", "渔火", "边城", "柳色", "梅花",
          "芳草", "霜天", "清泉", "碧溪", "野渡", "荒台", "孤城", "暮雨", "微风", "新月", "寒林", "沙洲"]
IMAGE_VERBS = list("照飞入出生落过满连对隔送迎绕傍映含带浮沉下上")
NUMBERS = "一二三四五六七八九十"


class Writer:
    """The seeded text generator."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def pick(self, items):
        return self.random.choice(items)

    def name(self) -> str:
        return self.pick(SURNAMES) + "".join(self.random.sample(GIVEN, self.random.choice((1, 2))))

    def clause(self) -> str:
        patterns = (
            lambda: f"{self.pick(NOUNS)}{self.pick(ADJECTIVES)}则{self.pick(NOUNS)}{self.pick(ADJECTIVES)}",
            lambda: f"{self.pick(NOUNS)}者{self.pick(NOUNS)}之本也",
            lambda: f"不{self.pick(VERBS)}{self.pick(NOUNS)}而{self.pick(VERBS)}{self.pick(NOUNS)}",
            lambda: f"以{self.pick(NOUNS)}{self.pick(VERBS)}{self.pick(NOUNS)}",
            lambda: f"{self.pick(NOUNS)}之所{self.pick(VERBS)}",
            lambda: f"{self.pick(VERBS)}{self.pick(NOUNS)}于{self.pick(PLACES)}",
            lambda: f"其{self.pick(NOUNS)}{self.pick(ADJECTIVES)}矣",
            lambda: f"吾未尝{self.pick(VERBS)}{self.pick(NOUNS)}也",
            lambda: f"{self.pick(NOUNS)}可{self.pick(VERBS)}而不可{self.pick(VERBS)}",
            lambda: f"岂非{self.pick(NOUNS)}之{self.pick(ADJECTIVES)}乎",
        )
        return self.pick(patterns)()

    def sentence(self) -> str:
        patterns = (
            lambda: f"{self.name()}曰：“{self.clause()}，{self.clause()}。”",
            lambda: f"{self.pick(TIMES)}，{self.name()}{self.pick(VERBS)}{self.pick(PLACES)}，{self.clause()}。",
            lambda: f"夫{self.clause()}，{self.clause()}，故{self.clause()}。",
            lambda: f"{self.name()}问{self.pick(NOUNS)}于{self.name()}，对曰：“{self.clause()}。”",
            lambda: f"故曰：{self.clause()}。",
            lambda: f"{self.clause()}，{self.clause()}，{self.clause()}也。",
            lambda: f"或谓{self.name()}曰：“{self.clause()}，何也？”",
        )
        return self.pick(patterns)()

    def paragraph(self, low: int = 2, high: int = 6) -> str:
        return "".join(self.sentence() for _ in range(self.random.randint(low, high)))

    def history_paragraph(self) -> str:
        person = self.name()
        parts = [
            f"{person}，字{self.pick(GIVEN)}{self.pick(GIVEN)}，{self.pick(PLACES)}人也。",
            f"{self.pick(TIMES)}，为{self.pick(PLACES)}{self.pick(TITLES)}。",
        ]
        parts += [self.sentence() for _ in range(self.random.randint(1, 4))]
        return "".join(parts)

    def herb_entry(self) -> list[str]:
        herb = self.pick(HERBS)
        cures = "，".join(self.random.sample(AILMENTS, 2))
        return [
            herb,
            f"<strong>释名</strong><br/>{self.pick(IMAGES)}{self.pick(NOUNS)}。",
            f"<strong>气味</strong><br/>{self.pick(TASTES)}、{self.pick(NATURES)}、无毒。",
            f"<strong>主治</strong><br/>{cures}。用{herb}{self.pick(NUMBERS)}两,水煎服;日{self.pick(NUMBERS[:3])}次。",
        ]

    def poem(self, length: int, lines: int) -> list[str]:
        verses = []
        for _ in range(lines):
            if length == 5:
                verse = f"{self.pick(IMAGES)}{self.pick(IMAGE_VERBS)}{self.pick(IMAGES)}"
            else:
                verse = f"{self.pick(IMAGES)}{self.pick(IMAGES)}{self.pick(IMAGE_VERBS)}{self.pick(IMAGES)}"
            verses.append(verse)
        return [f"{verses[i]}，{verses[i + 1]}。" for i in range(0, lines, 2)]


def mess_prose(writer: Writer, text: str) -> str:
    """Add one kind of noise to a generated simplified paragraph, or none."""
    roll = writer.random.random()
    if roll < 0.15:
        return text.replace("，", ",", 2).replace("；", ";")
    if roll < 0.25:
        return text.replace("。", "〔一〕。", 1)
    if roll < 0.32:
        return text.replace("，", "①，", 1)
    if roll < 0.38:
        return text.replace("。", "[2]。", 1)
    if roll < 0.44:
        return f"<span style=\"color:#000000;\">{text}</span>"
    if roll < 0.48:
        return text.replace("“", "&ldquo;").replace("”", "&rdquo;").replace("，", "&nbsp;，", 1)
    if roll < 0.52:
        return text.replace("，", "\u200b，", 1)
    if roll < 0.54:
        return text.replace("。", "\x07。", 1)
    if roll < 0.60:
        return "　　" + text + "  "
    return text


def prose_file(writer: Writer, title: str, paragraphs: int, herbs: bool = False) -> list[str]:
    lines = [title]
    earlier_paragraphs: list[str] = []
    for index in range(paragraphs):
        if herbs and index % 3 == 0:
            lines += writer.herb_entry()
            continue
        text = mess_prose(writer, writer.paragraph())
        lines.append(text)
        earlier_paragraphs.append(text)
        roll = writer.random.random()
        if roll < 0.08:
            lines.append(writer.pick(earlier_paragraphs))
        elif roll < 0.14:
            lines.append("")
        elif roll < 0.16:
            lines.append("<br/>")
    return lines


def history_file(writer: Writer, book: str, chapters: int) -> list[str]:
    """Write a book with headings, indents and note markers numbered through the book."""
    lines = [book, "", "〔晋〕某氏 撰", ""]
    note_count = 0
    for chapter in range(1, chapters + 1):
        number = _chinese_number(chapter)
        lines += [f"## {book}卷{number}　列传第{number}", ""]
        notes = []
        for _ in range(writer.random.randint(4, 8)):
            text = writer.history_paragraph()
            if writer.random.random() < 0.5:
                note_count += 1
                marker = f"〔{_chinese_number(note_count, full_width_zero=True)}〕"
                text = text.replace("。", f"。{marker}", 1)
                notes.append(marker)
            lines += ["　　" + text, ""]
        for marker in notes:
            lines += [f"　　{marker}　{writer.name()}曰：{writer.paragraph(1, 2)}", ""]
    return lines


def _chinese_number(value: int, full_width_zero: bool = False) -> str:
    """Write 1..99 in Chinese numerals; `full_width_zero` writes 10 as 一０, as some editions do."""
    if value < 10:
        return NUMBERS[value - 1]
    tens, ones = divmod(value, 10)
    if full_width_zero and ones == 0 and tens == 1:
        return "一０"
    head = "" if tens == 1 else NUMBERS[tens - 1]
    return head + "十" + (NUMBERS[ones - 1] if ones else "")


def poetry_file(writer: Writer, volume: int, count: int, to_traditional) -> list[dict]:
    poems = []
    for number in range(1, count + 1):
        length = writer.pick((5, 7))
        paragraphs = writer.poem(length, writer.pick((4, 8)))
        poem = {
            "title": to_traditional(f"{writer.pick(IMAGES)}{writer.pick(('吟', '行', '怀古', '送别', '夜泊'))}"),
            "author": to_traditional(writer.name()),
            "biography": "",
            "paragraphs": [to_traditional(line) for line in paragraphs],
            "notes": [""],
            "volume": f"卷{_chinese_number(volume)}",
            "no#": number,
        }
        poems.append(poem)
    poems[3]["paragraphs"][0] = poems[3]["paragraphs"][0].replace("，", "①，", 1)
    poems[5]["paragraphs"][-1] += "<br/>"
    poems.append(dict(poems[2], **{"no#": count + 1}))
    missing = {key: value for key, value in poems[7].items() if key != "paragraphs"}
    poems.append(dict(missing, **{"no#": count + 2}))
    poems.append(dict(poems[8], paragraphs=[], **{"no#": count + 3}))
    return poems


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline=newline) as handle:
        handle.write("\n".join(lines) + "\n")


def main() -> None:
    writer = Writer(SEED)
    to_traditional = opencc.OpenCC("s2t").convert
    if OUT.exists():
        shutil.rmtree(OUT)

    write_lines(OUT / "prose/zashuo/juan1.txt", prose_file(writer, "杂说卷一", 130))
    write_lines(OUT / "prose/zashuo/juan2.txt", prose_file(writer, "杂说卷二", 130))
    write_lines(OUT / "prose/bencao/caobu.txt", prose_file(writer, "草部", 120, herbs=True))
    write_lines(OUT / "prose/杂记/上.txt", prose_file(writer, "杂记上", 80))
    write_lines(OUT / "prose/gb18030/jiyan.txt", prose_file(writer, "集言", 90), encoding="gb18030")

    for name, book, chapters in (("liezhuan.txt", "列传", 10), ("shijia.txt", "世家", 8)):
        lines = [to_traditional(line) for line in history_file(writer, book, chapters)]
        write_lines(OUT / "history" / name, lines)
    lines = [to_traditional(line) for line in history_file(writer, "载记", 8)]
    # utf-16-le plus an explicit BOM, because the plain "utf-16" codec writes the machine's byte order.
    with open(OUT / "history/zaiji_utf16.txt", "w", encoding="utf-16-le", newline="\r\n") as handle:
        handle.write("\ufeff" + "\n".join(lines) + "\n")

    for volume in (1, 2):
        poems = poetry_file(writer, volume, 80, to_traditional)
        path = OUT / f"poetry/poet.tang.{volume}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(poems, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
