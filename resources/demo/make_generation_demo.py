"""Write the demo data of the word explanation, reverse dictionary, historical figure,
poetry appreciation and poetry generation tasks (t06-t10).

Everything here is written for this project: poems are assembled by a seeded
generator from the word lists below, and glosses, definitions, bios and
appreciations come from templates and short texts in this file. Nothing is
copied from a dataset. Each source keeps the layout of the public format its
importer reads (see wenyan_mtl.importers), including Gson escapes, a one-line
JSON array, JSON Lines and a headerless CSV, and each contains a few bad items so
that every rejection path runs.

Run from the repository root: .venv/bin/python resources/demo/make_generation_demo.py
The output is deterministic; commit it together with this script.
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import opencc
from pypinyin import Style, lazy_pinyin

DEMO_ROOT = Path(__file__).resolve().parent
SEED = 2024

# Two-character rhyme words, grouped by the pypinyin final of their last
# character. All of them end in a level tone (平声), as rhyme words of regulated
# verse do; `check_word_lists` enforces both.
RHYME_WORDS = {
    "ang": ["池塘", "回廊", "山冈", "芬芳", "远方", "苍茫", "高堂", "农桑", "霓裳", "飞觞", "归航"],
    "an": ["青山", "江南", "春寒", "心安", "孤帆", "青衫", "深潭", "烟岚", "沙滩", "灯残", "钓竿", "苔斑"],
    "ong": ["长空", "芙蓉", "晚钟", "飞鸿", "青松", "梧桐", "山中", "帘栊", "彩虹", "秋虫", "城东"],
    "ou": ["高楼", "白头", "沙鸥", "孤舟", "离愁", "扁舟", "秋收", "回眸"],
}
# Words that end the odd (non-rhyming) lines, in an oblique tone (仄声).
OBLIQUE_WORDS = [
    "落叶", "归路", "寒雨", "晚照", "疏影", "远树", "明月", "芳草", "流水", "旧梦",
    "清露", "飞絮", "孤影", "山色", "残雪", "古道", "细雨", "柳絮", "野径", "石壁",
]
SUBJECTS = [
    "春风", "秋月", "寒山", "孤云", "归雁", "疏钟", "野渡", "清溪", "远岫", "暮雨",
    "晴川", "古寺", "空庭", "烟波", "霜林", "竹径", "松涛", "渔火", "故园", "旅人",
    "征帆", "残灯", "小桥", "高阁", "柴门", "石径", "长堤", "细草",
]
VERBS = list("入照映送隔绕满带接落拂生伴闻对望掩催连向")
MODIFIERS = [
    "十年", "千里", "一夜", "三更", "半窗", "几处", "满城", "无边", "何处", "独自",
    "遥看", "闲来", "醉里", "梦中", "别后", "天涯", "江南", "塞北", "万壑", "孤村",
]
TITLE_TIMES = ["春日", "秋夜", "冬晚", "夏晨", "雨后", "月下", "重阳", "清明", "元夕", "寒食"]
TITLE_PLACES = ["山中", "江楼", "溪亭", "古寺", "野渡", "故园", "湖上", "城南", "松下", "竹林"]
TITLE_ACTS = ["即事", "独坐", "怀友", "晚眺", "偶成", "寄远", "送别", "闲居", "夜归", "书怀"]
SURNAMES = list("林陈沈顾陆韩周苏萧柳江方叶程许吕孟谢温钱")
GIVEN_NAMES = [
    "远舟", "子清", "明远", "希文", "伯安", "景行", "仲和", "季常", "若虚", "思齐",
    "元直", "彦修", "敬之", "与可", "公瑾", "少游", "无咎", "致远", "云卿", "德润",
]
DYNASTIES = ["唐", "宋", "元", "明", "清"]

# The demo's glossary: the word explanation outputs, for some of the words in
# the lists above.
GLOSSARY = {
    "春风": "春天的风，常用来比喻恩泽或美好的境遇。",
    "秋月": "秋夜的月亮，古诗中多寄托思念之情。",
    "寒山": "寒冷季节的山，也指冷落寂静的山。",
    "孤云": "单独飘浮的云，常比喻贫寒或隐逸之士。",
    "归雁": "春天飞回北方或秋天飞往南方的大雁，多用以寄托乡思。",
    "疏钟": "稀疏的钟声。",
    "野渡": "荒野中的渡口。",
    "远岫": "远处的山峰。岫，山。",
    "晴川": "晴天下的江河。川，河流。",
    "空庭": "空寂无人的庭院。",
    "烟波": "雾气笼罩的水面。",
    "霜林": "经霜后叶色变红或变黄的树林。",
    "渔火": "渔船上的灯火。",
    "故园": "旧日的家园，指故乡。",
    "征帆": "远行的船，借指远行的人。",
    "柴门": "用散碎木材做成的门，借指贫寒简陋的居所。",
    "长堤": "长长的河堤或湖堤。",
    "天涯": "天的边际，指极远的地方。",
    "塞北": "长城以北的地区，泛指北方边地。",
    "万壑": "无数山谷。壑，山沟。",
    "孤村": "孤零零的村落。",
    "三更": "旧时一夜分为五更，三更约为半夜时分。",
    "池塘": "蓄水的坑，一般不太大也不太深。",
    "回廊": "曲折环绕的走廊。",
    "山冈": "较低而平的山脊。",
    "苍茫": "旷远迷茫、无边无际的样子。",
    "高堂": "高大的厅堂，也用作父母的代称。",
    "农桑": "耕种和养蚕，泛指农事。",
    "霓裳": "以云霓为衣裳，指神仙的衣服，也指轻柔华美的舞衣。",
    "飞觞": "举杯饮酒，传递酒杯。觞，古代盛酒的器具。",
    "青衫": "青色的衣衫，古时地位低微者所穿，也借指失意之人。",
    "烟岚": "山林间蒸腾的雾气。",
    "钓竿": "钓鱼用的竿子，常用来指隐居的生活。",
    "苔斑": "苔藓在石上或墙上形成的斑点。",
    "晚钟": "傍晚寺庙里敲响的钟声。",
    "飞鸿": "飞行的鸿雁，古人认为鸿雁能传递书信。",
    "帘栊": "窗帘和窗格，泛指门窗。",
    "城东": "城的东面。",
    "沙鸥": "栖息在沙滩上的鸥鸟，常比喻漂泊无依的人。",
    "扁舟": "小船。",
    "离愁": "离别的愁苦。",
    "归路": "回去的道路。",
    "晚照": "夕阳的余晖。",
    "疏影": "稀疏的影子，多指梅花的枝影。",
    "清露": "洁净的露水。",
    "飞絮": "飘飞的柳絮。",
    "古道": "古老的道路。",
}
TITLE_GLOSSES = {
    "重阳": "节日名，农历九月初九，古人有登高、赏菊、佩茱萸的习俗。",
    "清明": "二十四节气之一，在公历四月五日前后，有扫墓、踏青的习俗。",
    "寒食": "节日名，在清明前一二日，旧俗这一天禁火，只吃冷食。",
    "元夕": "农历正月十五日夜，即元宵节。",
}

FORMS = {
    "五言绝句": (5, 4),
    "七言绝句": (7, 4),
    "五言律诗": (5, 8),
    "七言律诗": (7, 8),
    "五言古诗": (5, 6),
    "七言古诗": (7, 10),
}
CI_TUNES = {
    "浣溪沙": [7, 7, 7, 7, 7, 7],
    "如梦令": [6, 6, 5, 6, 2, 2, 6],
    "菩萨蛮": [7, 7, 5, 5, 5, 5, 5, 5],
    "忆江南": [3, 5, 7, 7, 5],
    "长相思": [3, 3, 7, 5, 3, 3, 7, 5],
    "点绛唇": [4, 7, 4, 5, 4, 5, 3, 4, 5],
}

EMOTIONS = ["思乡", "怀友", "闲适", "羁旅", "惜春", "悲秋", "隐逸", "送别"]
EFFECTS = [
    "勾勒出一幅清远的画面",
    "写景之中暗含情思",
    "动静相映，意境开阔",
    "色彩明丽，笔调轻快",
    "以小见大，笔墨简净",
]
ENDINGS = [
    "言有尽而意无穷",
    "以景结情，余味悠长",
    "点出题旨，情感含蓄深沉",
    "收得自然，不露雕琢痕迹",
]
PLACES = ["吴郡", "钱塘", "会稽", "金陵", "洛阳", "长安", "成都", "豫章", "襄阳", "广陵"]
OFFICES = ["翰林学士", "礼部侍郎", "国子博士", "监察御史", "知州", "中书舍人", "太常少卿"]
TRAITS = ["性情恬淡", "少有文名", "工诗善画", "博学多闻", "为官清正", "喜游山水"]
ERAS = {"唐": ["开元", "元和"], "宋": ["庆历", "元祐"], "元": ["至正"], "明": ["嘉靖", "万历"], "清": ["乾隆", "嘉庆"]}

# Characters of the reverse dictionary demo: (character, formation, original
# sense, later senses). The definitions are short texts written for this demo.
CHARACTERS = [
    ("山", "象形", "地面上由土石构成的高耸部分", ["形状像山的东西", "比喻稳固或沉重"]),
    ("水", "象形", "无色无味的透明液体", ["河流", "泛指江河湖海"]),
    ("月", "象形", "夜晚天空中明亮的天体", ["计时单位，一年分为十二个", "形状像满月的，圆的"]),
    ("日", "象形", "太阳", ["白天", "一昼夜，天"]),
    ("木", "象形", "树", ["木材，木料", "质朴，不灵活"]),
    ("火", "象形", "物体燃烧时发出的光和焰", ["紧急，急迫", "比喻暴躁的脾气"]),
    ("舟", "象形", "船", ["载物的器具"]),
    ("雁", "形声", "一种候鸟，秋天南飞，春天北归", ["书信的代称"]),
    ("松", "形声", "常绿乔木，叶子呈针状，耐寒", ["不紧，放开"]),
    ("竹", "象形", "常绿植物，茎中空而有节", ["竹制的管乐器"]),
    ("梅", "形声", "落叶乔木，早春开白色或淡红色的花", ["这种树的果实"]),
    ("柳", "形声", "落叶乔木，枝条细长柔软而下垂", ["星宿名，二十八宿之一"]),
    ("云", "象形", "空中悬浮的由水汽凝成的团状物", ["说"]),
    ("雨", "象形", "从云层中降落的水滴", ["像雨一样纷纷落下"]),
    ("霜", "形声", "接近地面的水汽遇冷凝结成的白色冰晶", ["比喻白色", "比喻高洁"]),
    ("雪", "形声", "空中降落的白色冰晶", ["洗去，除去"]),
    ("江", "形声", "大河", ["古代特指长江"]),
    ("亭", "形声", "有顶无墙、供人休息的小型建筑", ["适中，均匀"]),
    ("楼", "形声", "两层或两层以上的房屋", ["房屋的一层"]),
    ("灯", "形声", "照明或作他用的发光器具", []),
    ("钟", "形声", "古代的打击乐器，中空，用铜铸成", ["计时的器具", "专注，集中"]),
    ("琴", "象形", "古代一种弦乐器，一般为七弦", ["某些乐器的统称"]),
    ("剑", "形声", "古代兵器，两面有刃，中间有脊，下有短柄", ["用剑杀"]),
    ("茶", "形声", "常绿灌木，嫩叶加工后可以泡饮", ["用这种叶子泡成的饮料"]),
    ("归", "会意", "女子出嫁", ["返回，回到原处", "归还", "趋向，依附"]),
    ("望", "会意", "向远处看", ["拜访", "盼望，期待", "名望，声誉"]),
    ("行", "象形", "道路", ["走", "做，从事", "能干"]),
    ("思", "会意", "想，考虑", ["想念，怀念", "心情，情绪"]),
    ("愁", "形声", "忧虑，忧伤", ["使人忧虑"]),
    ("寒", "会意", "冷", ["贫困", "害怕，畏惧"]),
    ("暮", "形声", "傍晚，太阳落山的时候", ["晚，将尽"]),
    ("晓", "形声", "天刚亮的时候", ["知道，明白", "使人知道"]),
    ("远", "形声", "空间或时间的距离长", ["关系疏远", "差别大"]),
    ("孤", "形声", "幼年丧父", ["单独，独自", "古代王侯的自称"]),
    ("客", "形声", "寄居，旅居", ["来宾，客人", "在外奔走的人"]),
    ("闲", "会意", "木栏之类的遮拦物", ["空闲，没有事情", "安静"]),
    ("秋", "会意", "谷物成熟", ["秋季", "时期", "年"]),
    ("帆", "形声", "挂在桅杆上利用风力使船前进的布篷", ["借指船"]),
]
# Senses whose text is only a quotation and an example, so that the importer
# falls back to the numbered senses of the reading.
QUOTE_ONLY_CHARACTERS = [("舍", "居住的房屋"), ("径", "步行的小路")]

IDIOMS = [
    ("画蛇添足", "比喻做了多余的事，反而弄巧成拙。"),
    ("守株待兔", "比喻死守狭隘的经验不知变通，也比喻妄想不劳而获。"),
    ("刻舟求剑", "比喻拘泥成法，不懂得情况已经变化。"),
    ("亡羊补牢", "出了差错以后及时补救，免得再受损失。"),
    ("井底之蛙", "比喻见识狭窄的人。"),
    ("望梅止渴", "比喻用空想来安慰自己。"),
    ("杯弓蛇影", "比喻疑神疑鬼，自相惊扰。"),
    ("胸有成竹", "比喻做事之前已经有了完整的谋划。"),
    ("对牛弹琴", "比喻对不懂道理的人讲道理，白费口舌。"),
    ("掩耳盗铃", "比喻自己欺骗自己。"),
    ("叶公好龙", "比喻口头上说爱好某事物，实际上并不真爱好。"),
    ("滥竽充数", "比喻没有真才实学的人混在行家里面凑数。"),
    ("愚公移山", "比喻做事有恒心，不怕困难。"),
    ("卧薪尝胆", "形容刻苦自励，立志雪耻图强。"),
    ("破釜沉舟", "比喻下定决心，不顾一切干到底。"),
    ("纸上谈兵", "比喻空谈理论，不能解决实际问题。"),
    ("指鹿为马", "比喻故意颠倒黑白，混淆是非。"),
    ("负荆请罪", "表示主动向人认错赔罪。"),
    ("完璧归赵", "比喻把原物完好无损地归还原主。"),
    ("闻鸡起舞", "形容有志向的人及时奋发。"),
    ("三顾茅庐", "比喻真心诚意，一再邀请。"),
    ("草木皆兵", "形容人在惊慌时疑神疑鬼。"),
    ("一鼓作气", "比喻趁着劲头大的时候一口气把事情做完。"),
    ("四面楚歌", "比喻陷入四面受敌、孤立无援的境地。"),
    ("入木三分", "形容书法笔力强劲，也比喻见解深刻。"),
    ("画龙点睛", "比喻在关键处用几句话点明要旨，使内容更加生动。"),
    ("塞翁失马", "比喻一时受到损失，反而可能因此得到好处。"),
    ("高山流水", "比喻知己或知音，也比喻乐曲高妙。"),
    ("南辕北辙", "比喻行动和目的正好相反。"),
    ("狐假虎威", "比喻依仗别人的势力欺压他人。"),
    ("邯郸学步", "比喻模仿别人不成，反而丢掉了自己原有的本领。"),
    ("买椟还珠", "比喻没有眼光，取舍不当。"),
    ("自相矛盾", "比喻自己的言行前后抵触。"),
    ("朝三暮四", "原指用手法欺骗人，后比喻常常变卦，反复无常。"),
    ("杞人忧天", "比喻不必要的或缺乏根据的忧虑。"),
    ("老马识途", "比喻有经验的人对事情比较熟悉。"),
    ("走马观花", "比喻粗略地观察事物。"),
    ("惊弓之鸟", "比喻受过惊吓，遇到一点动静就非常害怕的人。"),
    ("一叶障目", "比喻被局部现象所迷惑，看不到全局。"),
    ("水滴石穿", "比喻力量虽小，只要坚持不懈，事情就能成功。"),
]

WORK_TYPES = ["寓言", "说理", "写景", "记事"]
ANIMALS = ["猿", "鹤", "鹿", "鱼", "燕", "马"]
PEOPLE = ["樵者", "渔父", "书生", "老农", "行商", "牧童"]


def check_word_lists() -> None:
    """Fail when a rhyme word does not end in its final and a level tone, or an odd-line word in an oblique tone."""
    for final, words in RHYME_WORDS.items():
        for word in words:
            tone = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)[-1][-1]
            found = lazy_pinyin(word, style=Style.FINALS)[-1]
            if found != final or tone not in "12":
                raise ValueError(f"rhyme word {word!r}: final {found!r}, tone {tone}; expected {final!r}, tone 1 or 2")
    for word in OBLIQUE_WORDS:
        tone = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)[-1][-1]
        if tone not in "34":
            raise ValueError(f"odd-line word {word!r} ends in tone {tone}; expected 3 or 4")


def hex_id(rng: random.Random, digits: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(digits))


def gson_dumps(value) -> str:
    """Serialise like Gson's pretty printer: indent 2, HTML-safe escapes of < > & = '."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("=", "\\u003d"), ("'", "\\u0027")):
        text = text.replace(char, escape)
    return text


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


class PoemMaker:
    """Assembles poems of a given form from the word lists."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def phrase(self, length: int, end_word: str | None = None) -> str:
        rng = self.rng
        end = end_word or rng.choice(SUBJECTS + OBLIQUE_WORDS)
        if length == 2:
            return end
        if length == 3:
            return rng.choice(VERBS) + end
        if length == 4:
            return rng.choice(SUBJECTS) + end
        if length == 5:
            return rng.choice(SUBJECTS) + rng.choice(VERBS) + end
        if length == 6:
            return rng.choice(MODIFIERS) + rng.choice(SUBJECTS) + end
        if length == 7:
            return rng.choice(MODIFIERS) + rng.choice(SUBJECTS) + rng.choice(VERBS) + end
        raise ValueError(f"no phrase pattern for {length} characters")

    def regulated(self, length: int, count: int) -> list[str]:
        """Verse lines with a rhyme on every even line and oblique endings on the odd ones."""
        rhymes = self.rng.sample(RHYME_WORDS[self.rng.choice(sorted(RHYME_WORDS))], k=count // 2)
        lines = []
        for number in range(count):
            if number % 2:
                lines.append(self.phrase(length, rhymes[number // 2]))
            else:
                lines.append(self.phrase(length, self.rng.choice(OBLIQUE_WORDS)))
        return lines

    def title(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            return rng.choice(TITLE_TIMES) + rng.choice(TITLE_PLACES) + rng.choice(TITLE_ACTS)
        return rng.choice(TITLE_PLACES) + rng.choice(TITLE_ACTS)

    def author(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)


def couplets(lines: list[str]) -> list[str]:
    """Join verse lines in pairs as chinese-poetry paragraphs: "line，line。"."""
    paragraphs = []
    for start in range(0, len(lines), 2):
        pair = lines[start:start + 2]
        paragraphs.append("，".join(pair) + "。")
    return paragraphs


def appreciation_text(rng: random.Random, title: str, lines: list[str], form: str) -> str:
    emotion = rng.choice(EMOTIONS)
    first, last = lines[0].rstrip("。"), lines[-1].rstrip("。")
    word = first.split("，")[0][:2]
    return "\n".join([
        f"这首{form}以“{title}”为题，写眼前景物，抒发了作者的{emotion}之情。",
        f"开头“{first}”一句，以“{word}”起笔，{rng.choice(EFFECTS)}。中间几句层层铺展，情景交融。",
        f"结尾“{last}”收束全篇，{rng.choice(ENDINGS)}。",
    ])


def make_word_explanation(rng: random.Random, maker: PoemMaker) -> int:
    """Write snowtraces/poetry-source files with glosses; return the number of glosses."""
    files = {"source/诗/唐/poetry.唐.0000.json": [], "source/诗/宋/poetry.宋.0000.json": [], "source/词/宋/ci.宋.0000.json": []}
    names = sorted(files)
    glosses = 0
    for number in range(32):
        form = rng.choice(["五言绝句", "七言绝句", "五言律诗"])
        length, count = FORMS[form]
        lines = maker.regulated(length, count)
        content = couplets(lines)
        text = "".join(content)
        title = maker.title()
        known = [word for word in GLOSSARY if word in text]
        chosen = rng.sample(known, k=min(len(known), rng.randint(2, 3)))
        annotation = [f"{word}：{GLOSSARY[word]}" for word in chosen]
        for word, explanation in TITLE_GLOSSES.items():
            if word in title and word not in text:
                annotation.append(f"{word}：{explanation}")
        poem = {
            "id": hex_id(rng, 32),
            "title": title,
            "authorName": maker.author(),
            "authorId": hex_id(rng, 32),
            "dynasty": rng.choice(DYNASTIES),
            "content": content,
            "annotation": annotation,
        }
        files[names[number % len(names)]].append(poem)

    # Hard cases: pinyin after a word, a line gloss in quotes, a half-width colon,
    # a Gson-escaped apostrophe, and three bad glosses.
    special = files[names[0]][0]
    special_text = "".join(special["content"])
    subject = next(word for word in SUBJECTS if word in special_text)
    line = special["content"][0].split("，")[0]
    special["annotation"] += [
        f"{subject}（{' '.join(lazy_pinyin(subject, style=Style.TONE))}）：诗中所写的景物，这里点明时令。",
        f"“{line}”句：写眼前之景，引出下文。",
        "其二",
        "",
        f"{line[:2]}：",
    ]
    files[names[1]][0]["annotation"].append("清露: 洁净的露水，亦作'清霜'之对。")

    for poems in files.values():
        glosses += sum(len(poem["annotation"]) for poem in poems)
    for relative, poems in files.items():
        write_text(DEMO_ROOT / "t06_word_explanation" / relative, gson_dumps(poems))
    return glosses


def make_reverse_dictionary(rng: random.Random) -> tuple[int, int]:
    """Write a mapull-style one-line JSON array and a By_syk-style idiom CSV; return their item counts."""
    entries = []
    for char, formation, original, senses in CHARACTERS:
        reading = " ".join(lazy_pinyin(char, style=Style.TONE))
        contents = [f"({formation}。本义{original})"]
        if senses and rng.random() < 0.5:
            contents.append("同本义")
        contents += list(senses)
        contents.append(f"{char}在句中，见其用法。--《示例文选》")
        contents.append(f"又如：{char}字的用例")
        details = [f"{n}.{sense}" for n, sense in enumerate([original] + list(senses), start=1)]
        entries.append({
            "char": char,
            "explanations": [{"contents": contents}],
            "pronunciations": [{"pinyin": reading, "explanations": [{"details": details}]}],
        })
    for char, sense in QUOTE_ONLY_CHARACTERS:
        reading = " ".join(lazy_pinyin(char, style=Style.TONE))
        entries.append({
            "char": char,
            "explanations": [{"contents": [f"{char}字之例。--《示例文选》", f"又如：{char}字的用例"]}],
            "pronunciations": [{"pinyin": reading, "explanations": [{"details": [f"1.{sense}。例如某～。"]}]}],
        })
    # Bad items: no definition anywhere, and an element that is not an object.
    entries.append({"char": "乙", "explanations": [{}], "pronunciations": [{"pinyin": "yǐ", "explanations": []}]})
    entries.append("丙")
    write_text(DEMO_ROOT / "t07_reverse_dictionary" / "char_detail.json", json.dumps(entries, ensure_ascii=False))

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    rows = 0
    for number, (word, explanation) in enumerate(IDIOMS, start=1):
        reading = "  ".join(lazy_pinyin(word, style=Style.TONE))
        abbreviation = "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))
        example = "他做事总是～，令人惋惜，也让人深思。" if number % 3 == 0 else ""
        writer.writerow([number * 2, word, reading, explanation, "", example, abbreviation])
        rows += 1
    text = buffer.getvalue()
    while ',"",' in text:
        text = text.replace(',"",', ",,")
    # Bad rows: one column short, and an empty explanation.
    text += f'{len(IDIOMS) * 2 + 2},"一字千金","yī  zì  qiān  jīn","比喻文辞精妙，价值极高。",,"yzqj"\n'
    text += f'{len(IDIOMS) * 2 + 4},"百发百中","bǎi  fā  bǎi  zhòng",,,,"bfbz"\n'
    rows += 2
    write_text(DEMO_ROOT / "t07_reverse_dictionary" / "idioms.txt", text)
    return len(entries), rows


def biography(rng: random.Random, name: str, dynasty: str) -> str:
    zi = rng.choice([given for given in GIVEN_NAMES if given != name[1:]])
    return (
        f"{name}，字{zi}，{rng.choice(PLACES)}人。{dynasty}{rng.choice(ERAS[dynasty])}年间进士，"
        f"官至{rng.choice(OFFICES)}。{rng.choice(TRAITS)}，著有《{name[-1]}{rng.choice(['集', '诗稿', '文钞'])}》"
        f"{rng.randint(2, 30)}卷。"
    )


def make_historical_figures(rng: random.Random) -> int:
    """Write a MongoDB JSON Lines export of writer bios; return the line count."""
    lines = []
    names = set()
    while len(names) < 64:
        names.add(rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES))
    for name in sorted(names):
        record = {
            "_id": {"$oid": hex_id(rng, 24)},
            "name": name,
            "headImageUrl": "",
            "simpleIntro": biography(rng, name, rng.choice(DYNASTIES)),
            "detailIntro": "{}",
        }
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))

    # An exact duplicate under a new _id, a second person of the same name, an
    # indented bio, and three bad lines.
    duplicate = json.loads(lines[3])
    duplicate["_id"] = {"$oid": hex_id(rng, 24)}
    lines.append(json.dumps(duplicate, ensure_ascii=False, separators=(",", ":")))
    namesake = json.loads(lines[5])
    namesake["_id"] = {"$oid": hex_id(rng, 24)}
    namesake["simpleIntro"] = biography(rng, namesake["name"], "明")
    lines.append(json.dumps(namesake, ensure_ascii=False, separators=(",", ":")))
    indented = json.loads(lines[7])
    indented["simpleIntro"] = "\u3000\u3000" + indented["simpleIntro"] + "\n"
    lines[7] = json.dumps(indented, ensure_ascii=False, separators=(",", ":"))
    lines.append(json.dumps({"_id": {"$oid": hex_id(rng, 24)}, "name": "无名氏", "headImageUrl": "", "simpleIntro": "", "detailIntro": "{}"}, ensure_ascii=False, separators=(",", ":")))
    lines.append('{"_id":{"$oid":"' + hex_id(rng, 24) + '"},"name":"断行",')
    lines.append(json.dumps({"_id": {"$oid": hex_id(rng, 24)}, "name": 42, "simpleIntro": "编号不是名字。"}, ensure_ascii=False, separators=(",", ":")))
    write_text(DEMO_ROOT / "t08_historical_figures" / "writer_demo.json", "\n".join(lines) + "\n")
    return len(lines)


def make_poetry_appreciation(rng: random.Random, maker: PoemMaker) -> tuple[int, int]:
    """Write snowtraces files with appreciations and a gushiwen guwen JSON Lines file; return their item counts."""
    poems_by_file = {"source/诗/唐/poetry.唐.0001.json": [], "source/诗/明/poetry.明.0000.json": []}
    names = sorted(poems_by_file)
    for number in range(50):
        form = rng.choice(["五言绝句", "七言绝句", "五言律诗", "七言律诗"])
        length, count = FORMS[form]
        lines = couplets(maker.regulated(length, count))
        title = maker.title()
        poem = {
            "id": hex_id(rng, 32),
            "title": title,
            "authorName": maker.author(),
            "authorId": hex_id(rng, 32),
            "dynasty": rng.choice(DYNASTIES),
            "appreciation": appreciation_text(rng, title, lines, form),
            "content": lines,
        }
        poems_by_file[names[number % 2]].append(poem)
    # Poems without an appreciation, as in the full source.
    for number in range(4):
        lines = couplets(maker.regulated(5, 4))
        poem = {"id": hex_id(rng, 32), "title": maker.title(), "authorName": maker.author(), "authorId": hex_id(rng, 32), "dynasty": "宋", "content": lines}
        if number % 2:
            poem["appreciation"] = "  \n"
        poems_by_file[names[number % 2]].append(poem)
    poems_by_file[names[0]][0]["appreciation"] += "\n\u3000\u3000全诗<写景>与抒情相融 & 浑然一体。"
    for relative, poems in poems_by_file.items():
        write_text(DEMO_ROOT / "t09_poetry_appreciation" / "poetry_source" / relative, gson_dumps(poems))

    lines = []
    for number in range(30):
        animal, person = rng.choice(ANIMALS), rng.choice(PEOPLE)
        place = rng.choice(TITLE_PLACES)
        title = f"{person}与{animal}"
        content = (
            f"\u3000\u3000{place}有{person}，畜一{animal}，甚爱之。一日{animal}去，{person}追之，至{rng.choice(SUBJECTS)}而返。"
            f"\n\n\u3000\u3000人问其故，曰：“{animal}自有其所，吾何强留之？”闻者叹服。\n\n"
        )
        shangxi = (
            f"\u3000\u3000这则{rng.choice(WORK_TYPES)}短文写{person}养{animal}而不强留的故事，说明顺应本性的道理。\n\n"
            f"\u3000\u3000文章篇幅短小，{rng.choice(EFFECTS)}，结尾借旁人的叹服点明主旨，{rng.choice(ENDINGS)}。\n\n"
        )
        record = {
            "_id": {"$oid": hex_id(rng, 24)},
            "title": title,
            "dynasty": rng.choice(DYNASTIES),
            "writer": maker.author(),
            "content": content,
            "type": [rng.choice(WORK_TYPES), "文言文"],
            "remark": "畜：饲养。\n去：离开。\n\n",
            "translation": f"\u3000\u3000{place}有一个{person}，养了一只{animal}，非常喜爱它。\n\n",
            "shangxi": shangxi if number % 10 != 9 else "",
        }
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    lines.append('{"_id":{"$oid":"' + hex_id(rng, 24) + '"},"title":"残篇","shangxi":')
    write_text(DEMO_ROOT / "t09_poetry_appreciation" / "guwen" / "guwen_demo.json", "\n".join(lines) + "\n")
    return sum(len(poems) for poems in poems_by_file.values()), len(lines)


def make_poetry_generation(rng: random.Random, maker: PoemMaker) -> tuple[int, int]:
    """Write a chinese-poetry Tang file (traditional, indent 4) and a Song ci file (indent 2); return their item counts."""
    to_traditional = opencc.OpenCC("s2t")
    counts = {"五言绝句": 16, "七言绝句": 16, "五言律诗": 12, "七言律诗": 10, "五言古诗": 5, "七言古诗": 3}
    poems = []
    for form, number in counts.items():
        length, count = FORMS[form]
        for _ in range(number):
            lines = maker.regulated(length, count) if count <= 8 else [maker.phrase(length) for _ in range(count)]
            poems.append({
                "author": to_traditional.convert(maker.author()),
                "paragraphs": [to_traditional.convert(p) for p in couplets(lines)],
                "title": to_traditional.convert(maker.title()),
                "id": "-".join(hex_id(rng, size) for size in (8, 4, 4, 4, 12)),
            })
    for _ in range(3):
        lines = [maker.phrase(length) for length in (3, 3, 7, 5, 7, 7)]
        poems.append({"author": to_traditional.convert(maker.author()), "paragraphs": [to_traditional.convert(p) for p in couplets(lines)], "title": to_traditional.convert(maker.title() + "歌"), "id": hex_id(rng, 8)})
    rng.shuffle(poems)
    # Bad items: no lines, an empty title, and an element that is not an object.
    poems.append({"author": "佚名", "paragraphs": [], "title": "闕題", "id": hex_id(rng, 8)})
    poems.append({"author": "佚名", "paragraphs": ["山中一夜雨，樹杪百重泉。"], "title": "", "id": hex_id(rng, 8)})
    poems.append(["not", "a", "poem"])
    write_text(DEMO_ROOT / "t10_poetry_generation" / "poet.tang.demo.json", json.dumps(poems, ensure_ascii=False, indent=4))

    ci = []
    for tune in sorted(CI_TUNES):
        for _ in range(3):
            lines = [maker.phrase(length) for length in CI_TUNES[tune]]
            ci.append({"author": maker.author(), "paragraphs": couplets(lines), "rhythmic": tune})
    write_text(DEMO_ROOT / "t10_poetry_generation" / "ci.song.demo.json", json.dumps(ci, ensure_ascii=False, indent=2, separators=(", ", ": ")))
    return len(poems), len(ci)


def main() -> None:
    check_word_lists()
    rng = random.Random(SEED)
    maker = PoemMaker(rng)
    glosses = make_word_explanation(rng, maker)
    characters, idioms = make_reverse_dictionary(rng)
    writers = make_historical_figures(rng)
    poems, works = make_poetry_appreciation(rng, maker)
    tang, ci = make_poetry_generation(rng, maker)
    print(f"t06 glosses: {glosses}")
    print(f"t07 characters: {characters}, idiom rows: {idioms}")
    print(f"t08 writer lines: {writers}")
    print(f"t09 poems: {poems}, guwen lines: {works}")
    print(f"t10 poems: {tang}, ci: {ci}")


if __name__ == "__main__":
    main()
