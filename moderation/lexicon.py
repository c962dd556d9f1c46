"""Curated word lists: agency keyword priors (from routing/CONTRACT.md) and child topics."""

from __future__ import annotations

import re

AGENCY_CODES: tuple[str, ...] = (
    "edu", "health", "civil", "housing", "police", "transport", "culture", "urban", "env",
    "market", "cyber", "women", "youth", "disabled", "emergency", "justice", "coord",
)
FALLBACK_AGENCY = "coord"


def _words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string."""
    return tuple(text.split())


# Each agency's typical words, after the CONTRACT's topic column. Each word is trained as
# one small document, so vocabulary the corpus has not seen yet still leans the right way.
AGENCY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "edu": _words(
        "学校 老师 作业 上课 幼儿园 课后服务 托管 食堂 体育课 课间 视力 近视 脊柱 "
        "校园欺凌 心理老师 考试 班主任 教室 课桌 校长 补课 书包 午休 课外 班级"
    ),
    "health": _words(
        "医院 医生 儿科 看病 挂号 疫苗 打针 体检 发烧 护士 门诊 托育 心理咨询 心理门诊 "
        "牙齿 吃药 生病 卫生院 诊所"
    ),
    "civil": _words(
        "儿童之家 留守儿童 孤儿 困境儿童 社工 福利院 低保 救助 儿童主任 没人照顾 社区服务 "
        "儿童福利"
    ),
    "housing": _words(
        "小区 电梯 物业 母婴室 儿童厕所 洗手池 洗手台 老旧小区 小区改造 楼道 加装电梯 "
        "楼梯扶手 地下车库 小区道路 小区人行道"
    ),
    "police": _words(
        "警察 交警 红绿灯 斑马线 过马路 超速 闯红灯 拐卖 走失 诈骗 骗子 巡逻 打架 小偷 "
        "报警 派出所 车开得快 路口"
    ),
    "transport": _words(
        "公交 公交车 公交站 站台 校车 地铁 自行车道 共享单车 公交线路 班次 车站 出租车 "
        "司机 换乘"
    ),
    "culture": _words(
        "图书馆 博物馆 科技馆 体育馆 游泳馆 游泳池 演出 剧场 电影院 研学 美术馆 绘本 "
        "篮球场 足球场 文化馆 展览"
    ),
    "urban": _words(
        "公园 游乐场 滑梯 秋千 绿地 路灯 垃圾桶 清扫 公共厕所 小摊 摊贩 流浪狗 流浪猫 "
        "广场 街道 井盖 树荫 草坪"
    ),
    "env": _words(
        "污染 河水 臭味 噪音 太吵 空气 雾霾 垃圾分类 生态 湿地 小鸟 排污 烟囱 环保 臭水沟 "
        "野生动物"
    ),
    "market": _words(
        "食品安全 零食 辣条 小卖部 三无 过期 玩具质量 假货 价格 太贵 文具店 商店 超市 "
        "奶茶"
    ),
    "cyber": _words(
        "网络游戏 游戏 直播 充值 打赏 网上 短视频 沉迷 网暴 防沉迷 不良信息 聊天群 网课 "
        "弹窗 App"
    ),
    "women": _words("家庭教育 家长学校 父母 吵架 陪伴 亲子 离婚 家风 爸爸妈妈 陪我 家庭"),
    "youth": _words("少先队 红领巾 志愿者 志愿服务 团委 夏令营 冬令营 青少年宫 营地 共青团 队日"),
    "disabled": _words(
        "残疾 残疾人 康复 自闭症 孤独症 特殊教育 特殊学校 盲道 轮椅 坡道 助听器 聋 盲人 "
        "残联"
    ),
    "emergency": _words(
        "消防 火灾 灭火器 安全通道 消防通道 地震 洪水 防汛 演练 逃生 应急 踩踏 台风 避难"
    ),
    "justice": _words(
        "法律 法治 普法 法律援助 律师 法院 检察院 法官 权益 权利 未成年人保护法 模拟法庭 "
        "打官司"
    ),
    "coord": _words(
        "儿童议事会 议事会 儿童观察团 观察员 儿童友好 提建议 儿童参与 妇儿工委 小议员 "
        "听听孩子 我们的意见"
    ),
}

# Words that open a wish or a request. A problem told before one is still the problem to
# answer: routing/CONTRACT.md counts 秋千坏了，希望快点修好 as negative.
WISH = re.compile(
    r"希望|能不能|能否|可不可以|可以[^，。！？]{0,8}吗|建议|请(?!问)|麻烦|盼望|呼吁|求求"
)

TOPICS: tuple[str, ...] = _words(
    "公园和游乐场 上学路上 学校生活 看病和健康 交通和出行 网络和游戏 安全 家庭 关爱和帮助 "
    "环境和动物 吃的和买的 读书和活动 无障碍 法律和权利 儿童参与 小区和街道"
)

_DEFAULT_TOPIC = {
    "edu": "学校生活", "health": "看病和健康", "civil": "关爱和帮助", "housing": "小区和街道",
    "police": "安全", "transport": "交通和出行", "culture": "读书和活动", "urban": "小区和街道",
    "env": "环境和动物", "market": "吃的和买的", "cyber": "网络和游戏", "women": "家庭",
    "youth": "读书和活动", "disabled": "无障碍", "emergency": "安全", "justice": "法律和权利",
    "coord": "儿童参与",
}
# Refinements by words in the text, tried in order, only for the listed agencies.
_TOPIC_RULES: tuple[tuple[frozenset[str], re.Pattern[str], str], ...] = tuple(
    (frozenset(agencies.split()), re.compile(pattern), topic)
    for agencies, pattern, topic in (
        ("police transport urban housing", r"上学|放学|校门|学校门口|校车|接送", "上学路上"),
        ("police", r"红绿灯|斑马线|过马路|车|路口|交警|超速|闯红灯", "交通和出行"),
        ("urban housing env culture", r"公园|游乐|滑梯|秋千|沙坑|蹦床|跷跷板|儿童乐园",
         "公园和游乐场"),
        ("urban housing", r"狗|猫|动物|鸟|树|花|草", "环境和动物"),
        ("housing urban transport culture edu", r"无障碍|轮椅|坡道|盲道|残疾", "无障碍"),
        ("edu health", r"食堂|午餐|饭菜|饭|零食", "吃的和买的"),
        ("edu", r"欺负|欺凌|霸凌", "安全"),
        ("civil", r"爸爸|妈妈|父母|家里", "家庭"),
    )
)


def topic_for(agency: str, text: str, urgent: bool) -> str:
    """A plain-language child topic from the agency, the words of the text and urgency."""
    if urgent:
        return "安全"
    for agencies, pattern, topic in _TOPIC_RULES:
        if agency in agencies and pattern.search(text):
            return topic
    return _DEFAULT_TOPIC.get(agency, "儿童参与")
