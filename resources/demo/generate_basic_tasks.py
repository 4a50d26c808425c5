"""Generate the demo data of the tasks punctuation, pos, ner, event and translation.

The sentences are written for this project: templates over a small invented
vocabulary of names, places, offices and phrases, sampled with a fixed seed, so
rerunning this script rewrites the same bytes. Each file copies the quirks of
the public format that it replaces in the demo (byte order mark, CRLF,
blank-line separators), and a few deliberately bad items exercise the quarantine.

Run from the repository root: .venv/bin/python resources/demo/generate_basic_tasks.py
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

DEMO = Path(__file__).resolve().parent
SEED = 20240611

# Invented people and places. The traditional forms feed the pos and ner files,
# which imitate sources written in traditional characters.
PEOPLE = ["陈季", "王叔", "赵伯", "孙仲", "周让", "吴起文", "郑良", "韩修", "杜衡", "许安"]
PEOPLE_TRAD = ["陳季", "王叔", "趙伯", "孫仲", "周讓", "吳起文", "鄭良", "韓修", "杜衡", "許安"]
STATES = ["齐", "鲁", "卫", "宋", "郑", "晋", "楚", "燕"]
STATES_TRAD = ["齊", "魯", "衛", "宋", "鄭", "晉", "楚", "燕"]
OFFICES_TRAD = ["太守", "縣令", "丞相", "御史", "將軍", "司徒"]
BOOKS_TRAD = ["春秋", "詩", "書", "禮記", "兵法", "農書"]
SEASONS = [("春", "春天"), ("夏", "夏天"), ("秋", "秋天"), ("冬", "冬天"), ("明年", "第二年")]


def write_bytes(relative: str, text: str, *, bom: bool = False, crlf: bool = False) -> None:
    path = DEMO / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)


def sample_unique(rng: random.Random, candidates: list, count: int) -> list:
    unique = list(dict.fromkeys(candidates))
    return rng.sample(unique, min(count, len(unique)))


def punctuation_lines(rng: random.Random) -> list[str]:
    questions = ["何谓善政", "士何以立身", "国何以安", "何以教民", "君子何忧", "民何以富"]
    answers = [
        "省刑薄税，则民自安",
        "行必有信，言必有据",
        "守礼而不争",
        "先教之以耕，后教之以义",
        "忧己之不修，不忧人之不知",
        "勤于农桑，节于用度",
    ]
    acts = ["游", "居", "宿", "耕"]
    results = ["三年而归", "闻者皆叹", "乡人从之", "终身不仕", "岁余乃去"]
    lines = []
    for person, other, question in itertools.product(PEOPLE[:6], PEOPLE[4:], questions):
        if person != other:
            lines.append(f"{person}问于{other}曰：「{question}？」")
    for person, answer in itertools.product(PEOPLE, answers):
        lines.append(f"{person}曰： 「{answer}。」")
    for (season, _), person, act, state, result in itertools.product(SEASONS[:4], PEOPLE, acts, STATES, results):
        lines.append(f"{season}，{person}{act}于{state}，{result}。")
    return sample_unique(rng, lines, 90)


def write_punctuation(rng: random.Random) -> None:
    lines = punctuation_lines(rng)
    first, second = lines[:45], lines[45:]
    # Bad items: a line of only punctuation, a line without any mark, and an exact repeat.
    first.insert(10, "。。")
    first.insert(20, "陈季问于王叔")
    second.append(second[3])
    # A trailing space after a line, as some public source.txt lines have.
    second[5] = second[5] + " "
    write_bytes("t01_punctuation/杂说/上篇/source.txt", "\n".join(first) + "\n")
    write_bytes("t01_punctuation/问对/source.txt", "\n".join(second) + "\n")


def pos_sentences(rng: random.Random) -> list[str]:
    seasons = ["春/t", "夏/t", "秋/t", "冬/t"]
    months = ["正月/t", "三月/t", "五月/t", "七月/t", "九月/t"]
    verbs = ["伐/v", "圍/v", "侵/v", "救/v"]
    sentences = []
    for season, month, person, verb, state in itertools.product(
        seasons, months, PEOPLE_TRAD[:5], verbs, STATES_TRAD
    ):
        sentences.append(f"{season} {month} ，/w {person}/nr 帥/v 師/n {verb} {state}/ns 。/w")
    for person, state, other in itertools.product(PEOPLE_TRAD, STATES_TRAD, STATES_TRAD):
        if state != other:
            sentences.append(f"{person}/nr 如/v {state}/ns ，/w 遂/d 會/v {other}/ns 人/n 于/p 郊/n 。/w")
    for person, book in itertools.product(PEOPLE_TRAD, BOOKS_TRAD):
        sentences.append(f"{person}/nr 少/d 好/v 讀/v {book}/n ，/w 不/d 求/v 聞/v 于/p 諸侯/n 。/w")
    return sample_unique(rng, sentences, 80)


def write_pos(rng: random.Random) -> None:
    sentences = pos_sentences(rng)
    # Bad items: a token without a tag and a token without a word.
    sentences.insert(15, "冬/t ，/w 陳季/nr 歸/v 自/p 齊 。/w")
    sentences.insert(40, "夏/t ，/w /nr 會/v 衛/ns 。/w")
    lines = []
    for start in range(0, len(sentences), 6):
        lines.extend(sentences[start:start + 6])
        lines.append("")  # a blank line ends each document, as in EvaHan
    write_bytes("t02_pos/zuozhuan_demo.txt", "\n".join(lines) + "\n", bom=True, crlf=True)


def ner_lines(rng: random.Random) -> list[str]:
    lines = []
    for person, office, book in itertools.product(PEOPLE_TRAD, OFFICES_TRAD, BOOKS_TRAD):
        lines.append(f"{{{person}|PER}}爲{{{office}|OFI}}，好讀{{{book}|BOOK}}，民稱其賢。")
    for person, other, office in itertools.product(PEOPLE_TRAD, PEOPLE_TRAD, OFFICES_TRAD):
        if person != other:
            lines.append(f"{{{person}|PER}}薦{{{other}|PER}}於朝，詔拜{{{office}|OFI}}。")
    for person, state in itertools.product(PEOPLE_TRAD, STATES_TRAD):
        lines.append(f"{{{person}|PER}}去{state}，隱居不仕。")
    for state in STATES_TRAD:
        lines.append(f"是歲，{state}大旱，民多流亡。")
    return sample_unique(rng, lines, 80)


def write_ner(rng: random.Random) -> None:
    lines = ner_lines(rng)
    # Bad items: an unclosed entity and an entity type outside PER/OFI/BOOK.
    lines.insert(12, "{王叔|PER爲縣令，治有聲。")
    lines.insert(30, "{陳季|PER}至{洛陽|LOC}，見{丞相|OFI}。")
    write_bytes("t03_ner/guner_demo.txt", "\n".join(lines) + "\n", crlf=True)


EVENT_LABELS = ["军事-攻击", "军事-救援", "移动-到达", "移动-离开", "人生-死亡", "政治-任免", "交流-诏令"]


def event_sentences(rng: random.Random) -> list[tuple[str, list[tuple[str, str]]]]:
    """Build (text, [(trigger, label), ...]); every trigger occurs once in its text."""
    items = []
    for (season, _), person, state in itertools.product(SEASONS, PEOPLE, STATES):
        items.append((f"{season}，{person}伐{state}。", [("伐", "军事-攻击")]))
        items.append((f"{season}，{person}至{state}，诏拜太守。", [("至", "移动-到达"), ("拜", "政治-任免")]))
        items.append((f"{season}，{person}卒于{state}。", [("卒", "人生-死亡")]))
        items.append((f"{season}，{person}去{state}，往救之。", [("去", "移动-离开"), ("救", "军事-救援")]))
    for person in PEOPLE:
        items.append((f"{person}性好学，不事生产。", []))
        items.append((f"帝命{person}修礼书。", [("命", "交流-诏令")]))
    sampled = sample_unique(rng, [(text, tuple(events)) for text, events in items], 85)
    return [(text, list(events)) for text, events in sampled]


def write_event(rng: random.Random) -> None:
    lines = []
    event_id = 100
    for sen_id, (text, events) in enumerate(event_sentences(rng), start=1):
        records = []
        for trigger, label in events:
            start = text.index(trigger)
            records.append(
                {"id": event_id, "trigger": trigger, "label": label, "start_offset": start, "end_offset": start + 1}
            )
            event_id += 1
        doc = {"sen_id": sen_id, "doc_id": 9000 + sen_id // 20, "text": text, "events": records}
        lines.append(json.dumps(doc, ensure_ascii=False))
    # Bad items: offsets that miss the trigger, a truncated JSON line and an empty text.
    mismatch = {
        "sen_id": 900, "doc_id": 9100, "text": "冬，韩修伐燕。",
        "events": [{"id": 999, "trigger": "伐", "label": "军事-攻击", "start_offset": 2, "end_offset": 3}],
    }
    lines.insert(20, json.dumps(mismatch, ensure_ascii=False))
    lines.insert(40, '{"sen_id": 901, "doc_id": 9100, "text": "夏，杜衡至宋。", "events": [')
    lines.insert(60, json.dumps({"sen_id": 902, "doc_id": 9100, "text": "", "events": []}))
    write_bytes("t04_event_detection/train.jsonl", "\n".join(lines) + "\n", crlf=True)
    labels = [
        json.dumps({"label_id": number, "label": label}, ensure_ascii=False)
        for number, label in enumerate(EVENT_LABELS, start=1)
    ]
    write_bytes("t04_event_detection/label.jsonl", "\n".join(labels) + "\n", crlf=True)


def translation_pairs(rng: random.Random) -> list[tuple[str, str]]:
    results = [("克之", "攻下了它"), ("不克而还", "没有攻下就回来了"), ("三月乃下", "三个月才攻下")]
    virtues = [
        ("民皆安之", "百姓都安居乐业"),
        ("狱无留囚", "监狱里没有积压的囚犯"),
        ("岁大熟", "这一年大丰收"),
    ]
    offices = [("太守", "太守"), ("县令", "县令"), ("丞相", "丞相")]
    sayings = [
        ("民者，国之本也", "百姓是国家的根本"),
        ("吾不如也", "我比不上他"),
        ("此非吾所能知", "这不是我能知道的"),
    ]
    pairs = []
    for (season, season_modern), person, state, (result, result_modern) in itertools.product(
        SEASONS, PEOPLE, STATES, results
    ):
        classical = f"{season}，{person}伐{state}，{result}。"
        modern = f"{season_modern}，{person}攻打{state}国，{result_modern}。"
        pairs.append((classical, modern))
    for person, (office, office_modern), (virtue, virtue_modern) in itertools.product(PEOPLE, offices, virtues):
        pairs.append((f"{person}为{office}，{virtue}。", f"{person}担任{office_modern}，{virtue_modern}。"))
    for person, (saying, saying_modern) in itertools.product(PEOPLE, sayings):
        pairs.append((f"{person}曰：「{saying}。」", f"{person}说：“{saying_modern}。”"))
    return sample_unique(rng, pairs, 80)


def write_translation(rng: random.Random) -> None:
    pairs = translation_pairs(rng)
    blocks = [f"古文：{classical}\n现代文：{modern}\n" for classical, modern in pairs]
    # Bad items: a block without its modern side and a block without its classical side.
    blocks.insert(8, "古文：秋，许安伐晋。\n")
    blocks.insert(50, "现代文：冬天，郑良回到了鲁国。\n")
    write_bytes("t05_translation/杂史/卷一/bitext.txt", "\n".join(blocks[:42]))
    write_bytes("t05_translation/杂史/卷二/bitext.txt", "\n".join(blocks[42:]))


def write_alpaca_example() -> None:
    items = [
        {"instruction": "请把下面的古文翻译成现代汉语。", "input": "孙仲为县令，岁大熟。", "output": "孙仲担任县令，这一年大丰收。"},
        {"instruction": "请把下面的古文翻译成现代汉语。", "input": "周让曰：「吾不如也。」", "output": "周让说：“我比不上他。”"},
        {"instruction": "", "input": "韩修伐燕，不克而还。", "output": "韩修攻打燕国，没有攻下就回来了。"},
        {"instruction": "“民者，国之本也”是什么意思？", "input": "", "output": "意思是百姓是国家的根本。"},
    ]
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    write_bytes("alpaca_example.jsonl", text)


def main() -> None:
    rng = random.Random(SEED)
    write_punctuation(rng)
    write_pos(rng)
    write_ner(rng)
    write_event(rng)
    write_translation(rng)
    write_alpaca_example()


if __name__ == "__main__":
    main()
