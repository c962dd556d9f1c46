"""Personal data in a child's text: find it, and mask it for staff and public views."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

MASKS = {
    "phone": "【电话】",
    "id_card": "【身份证】",
    "email": "【邮箱】",
    "qq": "【QQ】",
    "wechat": "【微信】",
    "house_number": "【门牌号】",
    "name": "【姓名】",
}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """A piece of personal data: its kind and [start, end) offsets in the normalised text."""

    kind: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"kind": self.kind, "start": self.start, "end": self.end}


# --- Phones -------------------------------------------------------------------------------
# normalise() has already turned full-width digits and －．＋ into ASCII; children also spell
# digits in Chinese (一三八…, 幺三八…, 壹叁捌…) or mix both (138一二三四5678).
_CN_DIGITS = {
    "零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "壹": "1", "二": "2", "两": "2",
    "贰": "2", "三": "3", "叁": "3", "参": "3", "四": "4", "肆": "4", "五": "5", "伍": "5",
    "六": "6", "陆": "6", "七": "7", "柒": "7", "拐": "7", "八": "8", "捌": "8", "九": "9",
    "玖": "9",
}
_DIG = "[0-9" + "".join(_CN_DIGITS) + "]"
_DIG_RUN = re.compile(_DIG + "+")
# A phone is not glued to a longer number or word. 陆, 伍, 两, 参… are also surnames and
# ordinary words, so only the unambiguous numerals count as "more number" around it.
_NUMERALS = "0-9A-Za-z零〇一二三四五六七八九十百千万壹贰叁肆玖拾幺"
_E = rf"(?![{_NUMERALS}])"
# The first character is matched before the look-behind, so that the regex engine can skip
# quickly to the places where a phone could start (a few hundred ns for a short text).
_FREE = rf"(?<![{_NUMERALS}].)"  # the character before the first one is no numeral
_SEP = r"(?: ?[-–—.] ?| )"  # 138 1234 5678, 138-1234-5678, 138.1234.5678, 138 - 1234 - 5678
_MOBILE = re.compile(
    # 8613812345678: glued to a country code, which _mobile_start() then checks.
    rf"[1一幺壹](?:{_FREE}|(?<=86.))"
    rf"{_SEP}?[3-9三叁参四肆五伍六陆七柒拐八捌九玖](?:{_SEP}?{_DIG}){{9}}" + _E
)
_COUNTRY_CODE = re.compile(rf"(?:(?<![{_NUMERALS}])(?:\+|00)?86|[(（]\+?86[)）]) ?[-–—]? ?$")
# Landlines need an area code (0 + 2-3 digits) so dates and counts are not taken for one.
_LANDLINE = re.compile(
    rf"[(（0零〇洞](?:(?<=[(（]) ?[0零〇洞]{_DIG}{{2,3}} ?[)）] ?"
    rf"|(?<=[0零〇洞]){_FREE}{_DIG}{{2,3}}{_SEP}?)"
    rf"[1-9一幺壹二两贰三叁参四肆五伍六陆七柒拐八捌九玖](?:{_SEP}?{_DIG}){{6,7}}" + _E
)
_LOCAL_PHONE = re.compile(
    r"(?:电话|座机|手机)(?:号码?|是|[:：]|\s)*" rf"(?P<n>{_DIG}(?:{_SEP}?{_DIG}){{6,7}})" + _E
)


def _phone_groups_ok(number: str) -> bool:
    """Written in groups as a phone is (3-4-4, 4-4, or digit by digit), not a list of numbers.

    13 14 15 16 17 1 has eleven digits too, but nobody writes a phone in pairs.
    """
    groups = _DIG_RUN.findall(number)
    if len(groups) <= 2:
        return True
    short = sum(len(g) <= 2 for g in groups)
    return short <= 1 or all(len(g) == 1 for g in groups)


def _phones(text: str) -> list[list[PiiSpan]]:
    """Mobiles, then landlines, then local numbers after 电话 (in that order of trust)."""
    mobiles: list[PiiSpan] = []
    for m in _MOBILE.finditer(text):
        start = m.start()
        if _phone_groups_ok(m.group()):
            code = _COUNTRY_CODE.search(text, max(start - 8, 0), start)
            if code:
                start = code.start()  # +86 138…, (+86)138…, 0086138…
            elif start and text[start - 1].isdigit():
                continue  # 7613812345678 is some longer number
            mobiles.append(PiiSpan("phone", start, m.end()))
    landlines = [
        PiiSpan("phone", m.start(), m.end())
        for m in _LANDLINE.finditer(text)
        if _phone_groups_ok(m.group())
    ]
    local: list[PiiSpan] = []
    if "电话" in text or "座机" in text or "手机" in text:
        local = [
            PiiSpan("phone", m.start("n"), m.end())
            for m in _LOCAL_PHONE.finditer(text)
            if _phone_groups_ok(m.group("n"))
        ]
    return [mobiles, landlines, local]


# --- Other identifiers --------------------------------------------------------------------
_W_E = r"(?![0-9A-Za-z])"  # not glued to a longer number or word
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID_CARD = re.compile(
    r"[1-9](?<![0-9A-Za-z].)\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
    + _W_E
)
_QQ_HINT = re.compile("[qQ扣企]")  # cheap tests that spare the full regexes most texts
_WECHAT_HINT = re.compile("[微威vVwW]")
_HOUSE_HINT = re.compile("栋|幢|座|号楼|单元")
_QQ = re.compile(
    r"(?:qq|扣扣|企鹅)\s*(?:号码?|号)?\s*(?:是|[:：]|为)?\s*([1-9]\d{4,10})" + _W_E, re.I
)
_WECHAT = re.compile(
    r"(?:微信|威信|vx|wx|v信|weixin|wechat)\s*(?:号码?|号|id)?\s*(?:是|[:：]|为)?\s*"
    r"([A-Za-z][-_A-Za-z0-9]{5,19}|1[3-9]\d{9})" + _W_E,
    re.I,
)
_NUM = r"[0-9一二三四五六七八九十两]{1,3}"
# A house number needs a room (3栋2单元501, 5号楼302室, 2单元501); a building alone
# (2号楼的楼梯) or a bus or metro line (3路, 5号线) is not personal.
_HOUSE = re.compile(
    rf"(?:{_NUM}\s*(?:号楼|栋|幢|座)\s*-?\s*(?:{_NUM}\s*单元\s*-?\s*)?|{_NUM}\s*单元\s*-?\s*)"
    r"\d{2,4}(?:室|号|房)?" + _W_E
)
_STREET = re.compile(r"(?:路|街|大道|巷|弄|胡同)(\d{1,4}(?:-\d{1,4})?号(?:院)?)(?!线|楼)")
# Characters that end a street name when reading backwards from 路/街 (住在幸福路 -> 幸福路).
_STREET_STOP = set("在住家是的到去我于往从近旁边对门口和与及到离向了也就都她他你们")
_HAN = re.compile(r"[\u4e00-\u9fff]")


# --- Names --------------------------------------------------------------------------------
def _load_names(path: Path) -> dict[str, list[str]]:
    """The sections of data/names.txt: surnames, compound surnames, given-name characters,
    and ordinary words that a surname starts or ends (周末, 高兴, 儿童, 主任)."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    by_character = False
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            # Sections of single characters are written as runs (王李张…), the rest as words.
            by_character = line.endswith("characters]") or line == "[surnames]"
        elif by_character:
            current.extend(ch for ch in line if not ch.isspace())
        else:
            current.extend(line.split())
    return sections


_NAMES_DATA = _load_names(Path(__file__).with_name("data") / "names.txt")
_SURNAMES = frozenset(_NAMES_DATA["surnames"])
_COMPOUND_SURNAMES = tuple(_NAMES_DATA["compound_surnames"])
_COMPOUND_SET = frozenset(_COMPOUND_SURNAMES)
_GIVEN = frozenset(_NAMES_DATA["given_name_characters"])
# Characters seldom used but in names (涵, 轩, 琪): 林子涵 is a name although 林子 is a word.
_NAME_ONLY = frozenset(_NAMES_DATA["name_only_characters"])
# Words that are not names although a surname starts them (高兴, 周末, 向日葵) or ends them
# (儿童主任, 门卫爷爷, 历史老师): a surname glued into one of these is no surname.
_NOT_NAMES = frozenset(_NAMES_DATA["not_names"])
# Alone before a title these are words far more often than surnames (向老师反映, 祝老师节日快乐).
_BARE_NOT_SURNAME = frozenset("向于祝")

_NAME_CUE = re.compile(
    r"(我的名字是|我的名字叫|我名字叫|我名字是|名字叫|名字是|我叫|我是|他叫|她叫|名叫|叫做|叫)"
)
# After these a name must start with a common surname (我是三年级的, 他叫我滚, 叫做跳房子,
# 小狗名叫旺财, 同学叫张子涵);
# after 我叫 / 我的名字是 it is almost always a name.
_WEAK_CUES = frozenset(("我是", "他叫", "她叫", "叫做", "名叫", "名字叫", "名字是", "叫"))
# Continuations that are never names (school years, roles, family words, numbers...).
_NOT_NAME_PREFIXES = (
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "两", "几", "第", "初", "高中",
    "高一", "高二", "高三", "小学", "中学", "大学", "学生", "同学", "家长", "孩子", "小朋友",
    "儿童", "少年", "男生", "女生", "男孩", "女孩", "爸爸", "妈妈", "爷爷", "奶奶", "姥姥",
    "外婆", "外公", "哥哥", "姐姐", "弟弟", "妹妹", "老师", "班长", "队长", "组长", "志愿",
    "队员", "本地", "本市", "外地", "附近", "这里", "那里", "这个", "那个", "住在", "来自",
    "在", "从", "个", "真", "很", "太", "不", "没", "想", "要", "说", "也", "又", "就", "都",
    "被", "让", "把", "给", "和", "跟", "怎", "什么", "谁", "哪", "他", "她", "它", "你", "我",
    "留守", "残疾", "独生", "单亲", "新", "听", "看", "问", "个", "人", "大", "小学生",
    "这", "那", "一名", "名", "好", "坏", "最", "非常", "特别", "真的", "今年", "去年",
    "了", "得", "着", "起", "出", "来", "去", "过",
)
# Titles after a name: the name is masked and the title kept (王老师 -> 【姓名】老师), so staff
# still know a teacher is meant.
_TITLES = (
    "老师", "医生", "阿姨", "叔叔", "同学", "奶奶", "爷爷", "妈妈", "爸爸", "家长", "大夫",
    "护士", "警官", "先生", "女士", "小姐", "姐姐", "哥哥", "校长", "书记", "主任", "园长",
    "师傅", "教练", "伯伯", "大爷", "大妈", "婆婆", "阿婆", "老板", "院长", "所长", "局长",
    "经理", "班长", "队长", "老爷爷", "老奶奶", "外婆", "外公", "姥姥", "姥爷",
)
_TITLE = re.compile("|".join(sorted(_TITLES, key=len, reverse=True)))
# A third character that is really the next word (我叫李明今年十岁 -> 李明).
_NAME_BOUNDARY = set(
    "的是在今年住来读上了呀啊哦呢吧也就都很想和从家爸妈我们说要去到班同学校岁一二三四五六七八九十"
    "现已还把被让给跟对向在这那有没不会能可请帮谢你他她它"
    "打骂踢推抢欺偷拿用叫告经总老又每故生长成新正时太"
)
# Nor, in third place, 大/小, which in a name come second (王小明) and third start a word.
_LAST_NOT = _NAME_BOUNDARY | set("大小")
# Class and school before a name (三年级二班的王小明, 实验小学的李娜, 我们班张伟, 我同桌李娜).
# A class or a classmate may run straight into the name (我们班张伟, 我同桌李娜); a school needs
# 的, as 高中 and 小学 also hide inside other words (提高中文, 大小学校); 班 and 年级 need to
# be someone's (三年级二班的, 我们班), not 上班的 or 加班的.
_CLASS_CUE = re.compile(
    r"(班|年级|同桌|同学|朋友|闺蜜|邻居|小学|中学|学校|幼儿园|初中|高中|附小)(的?)"
)
_CLASS_OWNERS = (
    "我们", "你们", "他们", "她们", "隔壁", "同", "本", "我", "别", "别的", "这个", "那个",
)
_CLASS_NUMERALS = frozenset("0123456789一二三四五六七八九十高低")
_SCHOOLS = frozenset(("小学", "中学", "学校", "幼儿园", "初中", "高中", "附小"))
# An act on the child after a name (张伟打我, 李娜总是抢我的, 王小明把我推倒).
# (Adverbs between the name and the act are read backwards from the verb.)
_ADVERBS = (
    "总是", "老是", "经常", "常常", "天天", "每天", "一直", "故意", "居然", "竟然", "偷偷",
    "今天", "昨天", "上课", "下课", "放学", "放学后", "又", "还", "也", "总", "老",
)
_ADVERB = "(?:" + "|".join(_ADVERBS) + ")?"
_VERBS = (
    "打", "骂", "踢", "推", "揍", "掐", "咬", "扇", "抢", "偷", "撕", "扔", "摸", "亲", "拍",
    "拉", "扯", "欺负", "威胁", "吓唬", "嘲笑", "取笑", "笑话", "捉弄", "孤立", "勒索", "殴打",
    "辱骂",
)
_VERB = "(?:" + "|".join(_VERBS) + ")"


def _first_char_regex(words: tuple[str, ...]) -> str:
    """An alternation of words written as [first characters](rest), which the regex engine
    scans for far faster than a plain alternation (打|骂|欺负 -> [打骂欺](?:(?<=欺)负|…))."""
    singles = "".join(w for w in words if len(w) == 1)
    longer = [f"(?<={w[0]}){w[1:]}" for w in words if len(w) > 1]
    firsts = "".join(dict.fromkeys(w[0] for w in words))
    return f"[{firsts}](?:" + "|".join([*longer, f"(?<=[{singles}])"]) + ")"


# 张伟打我, 张伟把我…, 李娜对我…: the act, then the child.
_ACTION = re.compile(
    _first_char_regex((*_VERBS, "把我", "对我", "向我", "逼我", "让我", "叫我"))
    + "(?:(?<=[把对向逼让叫]我)|(?:了|过)?我)"
)
_VERB_AFTER = re.compile(_ADVERB + r"(?:狠狠地?|使劲)?" + _VERB)  # 被张伟打了
_PASSIVE = re.compile("被")
_SURNAME_CUE = re.compile("(?<![百同])姓")
_LINK = frozenset("和跟与、")  # 我们班的张伟和李娜
_NICKNAME_NEXT = _NAME_BOUNDARY | _LINK | set("哭笑")
_YI_WORDS = frozenset("直起定样下次个些点半边共切般天年月会块件只位群")


def _glued_left(text: str, s: int) -> bool:
    """The surname at s ends an ordinary word (儿童, 门卫, 班主任, 谢谢)."""
    return (s >= 1 and text[s - 1 : s + 1] in _NOT_NAMES) or (
        s >= 2 and text[s - 2 : s + 1] in _NOT_NAMES
    )


def _glued_right(text: str, s: int, end: int) -> bool:
    """The candidate name text[s:end] is, or starts, an ordinary word (周末, 向日葵, 李子)."""
    if end - s < 2:
        return False
    if text[s : s + 3] in _NOT_NAMES:
        return True
    # 李子 is a plum, 李子涵 a girl.
    return text[s : s + 2] in _NOT_NAMES and not (end - s >= 3 and text[s + 2] in _NAME_ONLY)


def _name_before(text: str, end: int, min_given: int) -> int:
    """Where a surname-led name ending at `end` starts, or -1; the longest plausible wins."""
    for g in (2, 1, 0):
        if g < min_given:
            break
        if any(text[i] not in _GIVEN for i in range(max(end - g, 0), end)):
            continue
        s = end - g - 2
        if s >= 0 and text[s : s + 2] in _COMPOUND_SET and not _glued_left(text, s):
            if g == 0 or text[s : s + 3] not in _NOT_NAMES:
                return s
        s = end - g - 1
        if s < 0 or text[s] not in _SURNAMES or _glued_left(text, s):
            continue
        # 武警官兵, 康师傅方便面: the title is part of a longer word.
        if g == 0 and (text[s] in _BARE_NOT_SURNAME or text[s : s + 3] in _NOT_NAMES):
            continue
        if not _glued_right(text, s, end):
            return s
    return -1


def _name_after(text: str, start: int, nicknames: bool = False) -> int:
    """Where a surname-led name starting at `start` ends, or -1 (张伟 in 张伟打我)."""
    n = len(text)
    if nicknames and start + 1 < n and text[start] in "小老" and text[start + 1] in _SURNAMES:
        # 小王 / 老李 say little alone; after a class or a school they point at one child,
        # when the next word starts there (我们班的小王打我, not 学校的小黄车).
        nxt = text[start + 2 : start + 3]
        if not nxt or not _HAN.match(nxt) or nxt in _NICKNAME_NEXT:
            return start + 2
        return -1
    compound = text[start : start + 2] in _COMPOUND_SET
    if compound:
        g0 = start + 2
    elif start < n and text[start] in _SURNAMES:
        g0 = start + 1
    else:
        return -1
    if g0 >= n or text[g0] not in _GIVEN:
        return -1
    if text[g0] == "一":
        if text[g0 + 1 : g0 + 2] in _YI_WORDS or g0 + 1 >= n:
            return -1  # 王一直, 李一起: not 王一博
    elif text[g0] in _NAME_BOUNDARY:
        return -1
    end = g0 + 1
    if end < n and text[end] in _GIVEN and text[end] not in _LAST_NOT:
        end += 1
    if compound:
        return end
    while _glued_right(text, start, end):
        end -= 1  # 张伟 but not 张开; 王国 is a word, not 王 + 国
        if end <= g0:
            return -1
    return end


def _cue_names(text: str) -> list[PiiSpan]:
    """Names after 我叫 / 我的名字是 / 我是 / 他叫 / 叫做."""
    found = []
    for cue in _NAME_CUE.finditer(text):
        start = cue.end()
        while start < len(text) and text[start] in " :：":
            start += 1
        chars = ""
        for ch in text[start : start + 4]:
            if not _HAN.match(ch):
                break
            chars += ch
        if len(chars) < 2:
            continue
        strong = cue.group() not in _WEAK_CUES
        compound = chars.startswith(_COMPOUND_SURNAMES)
        if chars.startswith(_NOT_NAME_PREFIXES) and not compound:
            continue
        if not strong:
            end = _name_after(text, start)
            if end > 0:
                found.append(PiiSpan("name", start, end))
            continue
        if chars[1:].startswith(_TITLES) or (compound and chars[2:].startswith(_TITLES)):
            continue  # 我叫王老师: the title rule takes it
        yi_name = chars[1] == "一" and len(chars) > 2 and chars[2] not in _YI_WORDS  # 赵一鸣
        if chars[1] in _NAME_BOUNDARY and not compound and not yi_name:
            continue
        size = 4 if compound and len(chars) >= 4 and chars[3] not in _NAME_BOUNDARY else 3
        if len(chars) < size or chars[size - 1] in _NAME_BOUNDARY:
            size -= 1
        found.append(PiiSpan("name", start, start + min(size, len(chars))))
    return found


def _surname_told(text: str) -> list[PiiSpan]:
    """A surname told as one: 心理老师姓陈, 他姓欧阳 (not 老百姓)."""
    found = []
    for m in _SURNAME_CUE.finditer(text):
        pos = m.end()
        if text[pos : pos + 2] in _COMPOUND_SET:
            found.append(PiiSpan("name", pos, pos + 2))
        elif text[pos : pos + 1] in _SURNAMES and text[pos : pos + 2] not in _NOT_NAMES:
            found.append(PiiSpan("name", pos, pos + 1))
    return found


def _class_names(text: str) -> list[PiiSpan]:
    """Names after a class, a school or a classmate (三年级二班的王小明, 我同桌李娜)."""
    found = []
    for cue in _CLASS_CUE.finditer(text):
        key, start = cue.group(1), cue.start()
        if key in _SCHOOLS:
            if not cue.group(2):
                continue
        elif key in ("班", "年级") and not (
            (start and text[start - 1] in _CLASS_NUMERALS)
            or text.endswith(_CLASS_OWNERS, 0, start)
        ):
            continue
        pos = cue.end()
        while True:
            end = _name_after(text, pos, nicknames=True)
            if end < 0:
                break
            found.append(PiiSpan("name", pos, end))
            if end < len(text) and text[end] in _LINK:  # 张伟和李娜
                pos = end + 1
            else:
                break
    return found


def _title_names(text: str) -> list[PiiSpan]:
    """Names before a title: 王老师, 李娜同学, 班主任张伟老师 (the title itself stays)."""
    found = []
    for m in _TITLE.finditer(text):
        end = m.start()
        s = _name_before(text, end, 0)
        if s < 0:
            continue
        if end - s == 1 and s >= 1 and text[s - 1] in "小老":
            s -= 1  # 小王老师: 小王 is what she is called
        found.append(PiiSpan("name", s, end))
    return found


def _action_names(text: str) -> list[PiiSpan]:
    """A full name as the one who acts on the child: 张伟打我, 我被李娜推倒了."""
    found = []
    for m in _ACTION.finditer(text):
        end = m.start()
        for adverb in _ADVERBS:  # 张伟总是打我
            if text.endswith(adverb, 0, end):
                end -= len(adverb)
                break
        s = _name_before(text, end, 1)
        if s >= 0:
            found.append(PiiSpan("name", s, end))
    for m in _PASSIVE.finditer(text):
        pos = m.end()
        end = _name_after(text, pos)
        # The name may have taken the verb's first character's neighbour: try both lengths.
        for e in (end, end - 1):
            if e - pos >= 2 and _VERB_AFTER.match(text, e):
                found.append(PiiSpan("name", pos, e))
                break
    return found


def _names(text: str) -> list[list[PiiSpan]]:
    """Name spans, one list per rule, the surer rules first."""
    rules = [
        _cue_names(text), _surname_told(text), _class_names(text), _title_names(text),
        _action_names(text),
    ]
    # Once a name is known, every other mention of it is masked too, and so is its given
    # name when that has two characters (我叫王小明……小明说).
    known = set()
    for found in rules:
        for span in found:
            name = text[span.start : span.end]
            if len(name) >= 2:
                known.add(name)
                if len(name) == 3 and name[0] in _SURNAMES:
                    known.add(name[1:])
    mentions = []
    for name in known:
        i = text.find(name)
        while i >= 0:
            mentions.append(PiiSpan("name", i, i + len(name)))
            i = text.find(name, i + len(name))
    return [*rules, mentions]


def _spans(pattern: re.Pattern[str], text: str, kind: str, group: int = 0) -> list[PiiSpan]:
    return [PiiSpan(kind, m.start(group), m.end(group)) for m in pattern.finditer(text)]


def _streets(text: str) -> list[PiiSpan]:
    found = []
    for m in _STREET.finditer(text):
        start = m.start()
        # Walk back over the street name, at most 6 characters, stopping at function words.
        while start > 0 and m.start() - start < 6:
            ch = text[start - 1]
            if not _HAN.match(ch) or ch in _STREET_STOP:
                break
            start -= 1
        if start < m.start():  # a named street, not a bare 路12号
            found.append(PiiSpan("house_number", start, m.end(1)))
    return found


def find_pii(text: str) -> tuple[PiiSpan, ...]:
    """Find personal data in a normalised text; spans do not overlap and are sorted."""
    if not text:
        return ()
    groups = [
        # Without an @ there is no e-mail, and the regex is slow on long runs of digits.
        _spans(_EMAIL, text, "email") if "@" in text else [],
        _spans(_ID_CARD, text, "id_card"),
        *_phones(text),
        _spans(_QQ, text, "qq", 1) if _QQ_HINT.search(text) else [],
        _spans(_WECHAT, text, "wechat", 1) if _WECHAT_HINT.search(text) else [],
        _spans(_HOUSE, text, "house_number") if _HOUSE_HINT.search(text) else [],
        _streets(text),
        *_names(text),
    ]
    # Earlier groups win an overlap (an e-mail's digits are not a QQ number; a name after
    # 我叫 beats one guessed from 打我); within a group the earlier span wins. Each group is
    # checked against the spans chosen so far and merged in: linear in the text's length.
    chosen: list[PiiSpan] = []
    for group in groups:
        if not group:
            continue
        group.sort(key=_start)
        starts = [c.start for c in chosen]
        kept: list[PiiSpan] = []
        for span in group:
            if kept and kept[-1].end > span.start:
                continue
            i = bisect.bisect_right(starts, span.start)
            if (i and chosen[i - 1].end > span.start) or (
                i < len(chosen) and chosen[i].start < span.end
            ):
                continue
            kept.append(span)
        if kept:
            chosen = sorted(chosen + kept, key=_start) if chosen else kept
    return tuple(chosen)


def _start(span: PiiSpan) -> int:
    return span.start


def redact(text: str, spans: tuple[PiiSpan, ...]) -> str:
    """Replace each personal-data span of the text with its mask, e.g. 【电话】."""
    out = []
    pos = 0
    for span in sorted(spans, key=lambda s: s.start):
        out.append(text[pos : span.start])
        out.append(MASKS[span.kind])
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
