"""Personal data in a child's text: find it, and mask it for staff and public views."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


_D = r"(?<![0-9A-Za-z])"  # not glued to a longer number or word
_E = r"(?![0-9A-Za-z])"
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID_CARD = re.compile(
    _D + r"[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]" + _E
)
# Mobile numbers as children type them: 13812345678, 138 1234 5678, 138-1234-5678, +86 ...
_MOBILE = re.compile(_D + r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}" + _E)
# Landlines need an area code (0 + 2-3 digits) so dates and counts are not taken for one.
_LANDLINE = re.compile(_D + r"(?:[(（]0\d{2,3}[)）]|0\d{2,3}[ -]?)\d{7,8}" + _E)
_LOCAL_PHONE = re.compile(r"(?:电话|座机|手机)(?:号码?|是|[:：]|\s)*(\d{7,8})" + _E)
_QQ = re.compile(
    r"(?:qq|扣扣|企鹅)\s*(?:号码?|号)?\s*(?:是|[:：]|为)?\s*([1-9]\d{4,10})" + _E, re.I
)
_WECHAT = re.compile(
    r"(?:微信|威信|vx|wx|v信|weixin|wechat)\s*(?:号码?|号|id)?\s*(?:是|[:：]|为)?\s*"
    r"([A-Za-z][-_A-Za-z0-9]{5,19}|1[3-9]\d{9})" + _E,
    re.I,
)
_NUM = r"[0-9一二三四五六七八九十两]{1,3}"
# A house number needs a room (3栋2单元501, 5号楼302室, 2单元501); a building alone
# (2号楼的楼梯) or a bus or metro line (3路, 5号线) is not personal.
_HOUSE = re.compile(
    rf"(?:{_NUM}\s*(?:号楼|栋|幢|座)\s*-?\s*(?:{_NUM}\s*单元\s*-?\s*)?|{_NUM}\s*单元\s*-?\s*)"
    r"\d{2,4}(?:室|号|房)?" + _E
)
_STREET = re.compile(r"(?:路|街|大道|巷|弄|胡同)(\d{1,4}(?:-\d{1,4})?号(?:院)?)(?!线|楼)")
# Characters that end a street name when reading backwards from 路/街 (住在幸福路 -> 幸福路).
_STREET_STOP = set("在住家是的到去我于往从近旁边对门口和与及到离向了也就都她他你们")

_NAME_CUE = re.compile(r"(我叫|我的名字是|我的名字叫|我名字叫|我名字是|我是)")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# After 我是 many continuations are not names (我是三年级的, 我是一个学生, 我是家长), so
# there a name must start with a common surname; after 我叫 it is almost always a name.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷"
    "詹申欧耿焦俞柳甘祝包宁舒阮柯纪梅童凌毕季裴霍涂苗谷盛翁冉骆蓝辛靳柴鲍喻祁蒲滕屈饶"
    "牟艾尤穆卓缪褚娄窦戚岑费卜冷晏席卫柏瞿桂佟臧闵邬卞姬栾隋刁荣巫寇桑郎甄仲虞敖巩"
    "佘池邝匡鞠惠荆冀郁胥储栗燕楚鄢谌奚粟冼蔺闻厉仝郜阚屠禹祖漆卿狄晁芮扈阙鹿邸雍辜裘"
)
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "夏侯", "尉迟",
)
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
)
_TITLES = (
    "老师", "医生", "阿姨", "叔叔", "同学", "奶奶", "爷爷", "妈妈", "爸爸", "家长", "大夫",
    "护士", "警官", "先生", "女士", "小姐", "姐姐", "哥哥", "校长", "书记", "主任", "园长",
)
# A third character that is really the next word (我叫李明今年十岁 -> 李明).
_NAME_BOUNDARY = set(
    "的是在今年住来读上了呀啊哦呢吧也就都很想和从家爸妈我们说要去到班同学校岁一二三四五六七八九十"
    "现已还把被让给跟对向在这那有没不会能可请帮谢你他她它"
)


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


def _names(text: str) -> list[PiiSpan]:
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
        strong = cue.group() != "我是"
        compound = chars.startswith(_COMPOUND_SURNAMES)
        if chars.startswith(_NOT_NAME_PREFIXES) and not compound:
            continue
        if not strong and not (compound or chars[0] in _SURNAMES):
            continue
        if chars[1:].startswith(_TITLES) or (compound and chars[2:].startswith(_TITLES)):
            continue  # 我是王老师: a title, not a name
        if chars[1] in _NAME_BOUNDARY and not compound:
            continue
        size = 4 if compound and len(chars) >= 4 and chars[3] not in _NAME_BOUNDARY else 3
        if len(chars) < size or chars[size - 1] in _NAME_BOUNDARY:
            size -= 1
        found.append(PiiSpan("name", start, start + min(size, len(chars))))
    return found


def find_pii(text: str) -> tuple[PiiSpan, ...]:
    """Find personal data in a normalised text; spans do not overlap and are sorted."""
    if not text:
        return ()
    candidates = (
        # Without an @ there is no e-mail, and the regex is slow on long runs of digits.
        (_spans(_EMAIL, text, "email") if "@" in text else [])
        + _spans(_ID_CARD, text, "id_card")
        + _spans(_MOBILE, text, "phone")
        + _spans(_LANDLINE, text, "phone")
        + _spans(_LOCAL_PHONE, text, "phone", 1)
        + _spans(_QQ, text, "qq", 1)
        + _spans(_WECHAT, text, "wechat", 1)
        + _spans(_HOUSE, text, "house_number")
        + _streets(text)
        + _names(text)
    )
    # Earlier-listed kinds win an overlap (an e-mail's digits are not a QQ number).
    chosen: list[PiiSpan] = []
    for span in candidates:
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return tuple(sorted(chosen, key=lambda s: s.start))


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
