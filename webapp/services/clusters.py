"""Clusters: a new suggestion that says the same as an open one joins it.

Character n-grams alone cannot tell "the library should open until eight" from
"the pool should open until eight", and linking is not harmless: answering the
primary answers every item linked to it. So two texts are the same issue only if

- they do not name different things (venues, objects, people) or different
  problems (broken, dirty, crowded...) from a small lexicon of children's city
  life (a venue here and an object there count as different things), and
- their character unigram+bigram sets (function characters dropped, lexicon
  concepts added as extra features so synonyms meet) overlap by Jaccard at
  least THRESHOLD, calibrated on tests/webapp/data/similar_pairs*.jsonl (precision
  first; below it, down to SUGGEST_THRESHOLD, staff are shown "maybe the same").

A cluster is the coordinator's link (Suggestion.linked_to_id): flat, one
primary, so casework.answer answers the whole cluster at once.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Area, Channel, Suggestion, utcnow
from webapp.services import events

log = logging.getLogger(__name__)

THRESHOLD = 0.30  # linking answers items together: precision first
SUGGEST_THRESHOLD = 0.18  # shown to staff as "maybe the same", for a person to link
CANDIDATE_DAYS = 90  # only recent open items are compared
MAX_CANDIDATES = 500
CONCEPT_WEIGHT = 3  # each shared concept counts like this many shared n-grams

# Characters that carry little meaning alone: dropped as unigrams and as all-stop bigrams.
STOP = frozenset(
    "的了吗呢吧啊呀哦嘛我你他她它们是有在很太都也就还要能会和跟把被给让这那个一些么着过得地好想希望"
)

# Kinds of concept; two texts naming different concepts of one kind are different issues.
# Generic places (公园, 学校, 小区, 河边) are left out on purpose: they frame many issues.
VENUES = {
    "library": ("图书馆", "图书室", "阅览室"),
    "pool": ("游泳馆", "游泳池", "泳池"),
    "museum": ("博物馆",),
    "science": ("科技馆",),
    "gym_hall": ("体育馆", "羽毛球馆", "乒乓球室"),
    "skating": ("滑冰场", "溜冰场"),
    "youth_palace": ("少年宫", "青少年宫", "文化馆"),
    "zoo": ("动物园",),
    "cinema": ("电影院",),
    "mall": ("商场", "超市", "菜市场", "便利店"),
    "tuck_shop": ("小卖部",),
    "canteen": ("食堂",),
    "kids_home": ("儿童之家",),
    "amusement": ("游乐场", "儿童乐园"),
    "basketball": ("篮球场",),
    "football": ("足球场",),
    "playground": ("操场",),
    "classroom": ("教室",),
    "study_room": ("自习室",),
    "infirmary": ("医务室", "校医室"),
    "hospital": ("医院",),
    "nursing_room": ("母婴室",),
    "toilet": ("厕所", "卫生间", "洗手间", "公厕"),
    "changing": ("更衣室",),
    "metro": ("地铁站", "地铁"),
    "bus_stop": ("公交车站", "公交站", "车站"),
    "car_park": ("停车场",),
    "underpass": ("地下通道", "过街天桥", "天桥", "隧道"),
}
OBJECTS = {
    "swing": ("秋千",),
    "slide": ("滑梯",),
    "seesaw": ("跷跷板",),
    "climbing": ("攀爬架", "攀岩墙"),
    "trampoline": ("蹦床",),
    "carousel": ("旋转木马",),
    "sandpit": ("沙坑", "沙子", "沙池"),
    "bars": ("单杠", "双杠"),
    "fitness": ("健身器材", "健身器"),
    "table_tennis": ("乒乓球桌", "球台"),
    "hoop": ("篮筐", "篮板", "篮球架"),
    "goal": ("球门",),
    "track": ("跑道",),
    "turf": ("草皮", "草坪", "草地"),
    "fountain": ("喷泉",),
    "sink": ("洗手池", "水龙头", "洗手液"),
    "water_fountain": ("饮水机", "直饮水"),
    "elevator": ("电梯",),
    "stairs": ("楼梯", "台阶", "扶梯"),
    "ramp": ("坡道", "无障碍通道", "盲道"),
    "railing": ("栏杆", "护栏", "围栏", "扶手"),
    "manhole": ("下水道", "井盖", "水沟"),
    "traffic_light": ("红绿灯", "信号灯", "绿灯", "红灯"),
    "light": ("路灯", "灯"),
    "crossing": ("斑马线", "人行横道"),
    "pavement": ("人行道",),
    "sign": ("指示牌", "路牌", "标志", "标识"),
    "camera": ("摄像头", "监控"),
    "parcel_locker": ("快递柜",),
    "bin": ("垃圾桶", "垃圾箱"),
    "rubbish": ("垃圾", "烟头"),
    "dog_mess": ("狗屎", "狗的便便", "狗便便", "便便"),
    "seat": ("座位", "座椅", "长椅", "椅子", "凳子", "位置坐"),
    "shade": ("遮阳", "树荫", "雨棚"),
    "glass": ("玻璃",),
    "flowers": ("种花", "花草", "鲜花", "一些花"),
    "trees": ("树",),
    "books": ("漫画书", "绘本", "图书", "书"),
    "toys": ("玩具",),
    "computer": ("电脑", "网络", "wifi"),
    "phone": ("手机", "打电话"),
    "aircon": ("空调", "风扇", "暖气"),
    "window": ("窗户",),
    "desk": ("课桌", "桌子", "黑板"),
    "bike": ("共享单车", "自行车"),
    "ebike": ("电动车", "电瓶车"),
    "motorbike": ("摩托车",),
    "bus": ("公交车", "校车"),
    "car": ("汽车", "停车", "车"),
    "pothole": ("大坑", "坑"),
    "food": ("饭菜", "菜", "饭"),
    "snacks": ("零食", "辣条", "饮料", "早餐"),
    "vendor": ("小摊", "摊"),
    "dog": ("遛狗", "狗"),
    "cat": ("猫",),
    "pests": ("蚊子", "老鼠", "蟑螂"),
    "pe_class": ("体育课",),
    "homework": ("作业",),
    "exams": ("考试",),
    "classes": ("兴趣班", "课外班", "补习班"),
    "activities": ("亲子活动", "活动"),
    "stories": ("讲故事", "故事"),
    "guide": ("讲解",),
    "ticket": ("门票", "票"),
    "game": ("游戏",),
    "stranger": ("陌生人",),
    "injection": ("打针",),
    "sanitation_worker": ("环卫", "打扫卫生", "扫"),
    "traffic_police": ("交警",),
    "noise_source": ("广场舞", "ktv"),
    "river_water": ("河水", "河里的水"),
}
ASPECTS = {
    "broken": ("坏", "断", "破", "掉下来", "裂", "坑坑洼洼", "翘起来", "起皮"),
    "rusty": ("生锈", "锈"),
    "dark": ("黑", "不亮", "太暗", "看不见"),
    "faded": ("看不清", "磨没"),
    "dirty": ("脏", "臭", "恶心"),
    "messy": ("乱",),
    "crowded": ("挤", "人太多", "人好多", "人多"),
    "queue": ("排队",),
    "taste": ("咸", "难吃", "太淡", "太辣"),
    "expired": ("过期",),
    "too_short": ("太短", "时间短"),
    "hours": ("开门", "关门", "开到", "开放", "营业"),
    "cold": ("凉", "冷"),
    "hot": ("热水", "太热", "好热"),
    "sun": ("晒",),
    "loose": ("松", "晃"),
    "slippery": ("滑",),
    "leak": ("漏水", "不出水", "没有水", "没水"),
    "noisy": ("吵", "大声", "噪音"),
    "expensive": ("贵",),
    "far": ("太远", "好远"),
    "too_high": ("太高", "够不着"),
    "speeding": ("飞快", "太快", "超速"),
    "hard_to_follow": ("难懂", "听不懂", "看不懂"),
    "occupied": ("占", "停满"),
    "no_entry": ("不让进", "不准进", "禁止"),
    "too_few": ("太少", "少了", "多一点", "多一些", "多放", "多种", "多开", "多办", "多买", "不够"),
    "clean": ("干净",),
    "painless": ("不疼",),
    "abuse": ("骂人", "骂"),
    "lonely_animal": ("可怜", "流浪"),
    "flooding": ("积水",),
}
KINDS = {"venue": VENUES, "object": OBJECTS, "aspect": ASPECTS}


@dataclass(frozen=True)
class Features:
    grams: frozenset[str]
    concepts: dict[str, frozenset[str]]  # kind -> concept names


def normalise(text: str) -> str:
    """Full-width folded, lower case, letters and digits only."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"[\W_]+", "", folded)


@cache
def _patterns() -> list[tuple[str, str, str]]:
    """(surface form, kind, concept), longest form first so 红绿灯 wins over 灯."""
    forms = [
        (form, kind, concept)
        for kind, lexicon in KINDS.items()
        for concept, surfaces in lexicon.items()
        for form in surfaces
    ]
    return sorted(forms, key=lambda f: -len(f[0]))


def concepts(text: str) -> dict[str, frozenset[str]]:
    """The lexicon concepts a text names, by kind; each span of text is used once."""
    rest = normalise(text)
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for form, kind, concept in _patterns():
        if form in rest:
            found[kind].add(concept)
            rest = rest.replace(form, "|")
    return {kind: frozenset(names) for kind, names in found.items()}


def features(text: str) -> Features:
    """Unigrams and bigrams that carry meaning, plus weighted concept features."""
    norm = normalise(text)
    grams = {c for c in norm if c not in STOP}
    grams |= {
        norm[i : i + 2]
        for i in range(len(norm) - 1)
        if not (norm[i] in STOP and norm[i + 1] in STOP)
    }
    found = concepts(text)
    for names in found.values():
        grams |= {f"#{name}{i}" for name in names for i in range(CONCEPT_WEIGHT)}
    return Features(frozenset(grams), found)


def conflict(a: Features, b: Features) -> bool:
    """Both name things (or problems) of one kind, and none of them is the same."""

    def apart(x: frozenset, y: frozenset) -> bool:
        return bool(x and y and not x & y)

    things_a = a.concepts["venue"] | a.concepts["object"]
    things_b = b.concepts["venue"] | b.concepts["object"]
    return apart(things_a, things_b) or any(apart(a.concepts[k], b.concepts[k]) for k in KINDS)


def similarity(a: Features, b: Features) -> float:
    """Jaccard of the feature sets; 0 when the texts name different things."""
    if conflict(a, b) or not (a.grams or b.grams):
        return 0.0
    return len(a.grams & b.grams) / len(a.grams | b.grams)


def same_issue(text_a: str, text_b: str, threshold: float = THRESHOLD) -> bool:
    """Whether two texts would be clustered as the same issue."""
    return similarity(features(text_a), features(text_b)) >= threshold


def _near(area_a: Area | None, area_b: Area | None) -> bool:
    """Same place, or one inside the other, or a place not given."""
    if area_a is None or area_b is None:
        return True
    return _is_within(area_a, area_b) or _is_within(area_b, area_a)


def _is_within(inner: Area, outer: Area) -> bool:
    while inner is not None:
        if inner.id == outer.id:
            return True
        inner = inner.parent
    return False


def _clusterable(s: Suggestion) -> bool:
    # Urgent items are handled one by one; a report or an adopted proposal is its own item.
    return (
        s.analysed_at is not None
        and s.is_open
        and not s.urgent
        and s.kind != "thanks"
        and s.redacted_text is not None
    )


def similar_open(
    suggestion: Suggestion, threshold: float = THRESHOLD, limit: int = 3
) -> list[tuple[Suggestion, float]]:
    """Open items of the same agency and place most like this one, best first."""
    if suggestion.redacted_text is None or suggestion.agency_id is None:
        return []
    since = utcnow() - timedelta(days=CANDIDATE_DAYS)
    candidates = db.session.scalars(
        select(Suggestion)
        .where(
            Suggestion.agency_id == suggestion.agency_id,
            Suggestion.is_open.is_(True),
            Suggestion.id != suggestion.id,
            Suggestion.urgent.is_(False),
            Suggestion.kind != "thanks",
            Suggestion.channel != Channel.OBSERVER,
            Suggestion.created_at >= since,
        )
        .order_by(Suggestion.id.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    mine = features(suggestion.redacted_text)
    scored = []
    for candidate in candidates:
        if candidate.redacted_text is None or not _near(suggestion.area, candidate.area):
            continue
        score = similarity(mine, features(candidate.redacted_text))
        if score >= threshold:
            scored.append((candidate, score))
    scored.sort(key=lambda pair: (-pair[1], -pair[0].id))
    return scored[:limit]


def best_match(suggestion: Suggestion) -> tuple[Suggestion, float] | None:
    """The open item of the same agency and place most like this one, above THRESHOLD."""
    found = similar_open(suggestion, THRESHOLD, limit=1)
    return found[0] if found else None


def cluster_new(suggestion: Suggestion) -> Suggestion | None:
    """Link a just-routed suggestion to the open one it repeats; returns the primary or None.

    Never raises: a suggestion that cannot be clustered stays on its own.
    """
    try:
        with db.session.begin_nested():
            if (
                not _clusterable(suggestion)
                or suggestion.linked_to_id is not None
                or suggestion.linked
                or suggestion.channel in (Channel.COUNCIL, Channel.OBSERVER)
            ):
                return None
            match = best_match(suggestion)
            if match is None:
                return None
            candidate, score = match
            primary = candidate.linked_to or candidate  # clusters stay flat
            suggestion.linked_to = primary
            events.record(
                suggestion,
                "linked",
                events.SYSTEM,
                detail={"primary": primary.id, "auto": True, "score": round(score, 3)},
            )
            db.session.flush()
            return primary
    except Exception as exc:  # clustering is a help, never a reason to lose the item
        log.warning("clustering failed for suggestion %s: %s", suggestion.id, type(exc).__name__)
        return None


@dataclass(frozen=True)
class Quality:
    threshold: float
    pairs: int
    precision: float
    recall: float
    false_positives: list[tuple[str, str]]
    false_negatives: list[tuple[str, str]]


def evaluate(pairs: list[dict], threshold: float = THRESHOLD) -> Quality:
    """Precision and recall of same_issue on labelled pairs {"a", "b", "same"}."""
    tp = fp = fn = 0
    fps, fns = [], []
    for pair in pairs:
        said_same = same_issue(pair["a"], pair["b"], threshold)
        if said_same and pair["same"]:
            tp += 1
        elif said_same:
            fp += 1
            fps.append((pair["a"], pair["b"]))
        elif pair["same"]:
            fn += 1
            fns.append((pair["a"], pair["b"]))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return Quality(threshold, len(pairs), precision, recall, fps, fns)
