"""Danger detection: a curated lexicon, context rules that clear harmless phrasing, and a model.

It runs before anything else and errs towards a person looking. A strong pattern (不想活,
走丢, 电线冒火花) is enough on its own. A weak one (被打, 危险, 家里没人) counts when the
trained danger model agrees, or when the text says it is happening now (现在, 刚才, 还在,
三天了, 车上全是小朋友) and the model does not flatly disagree, or when a second weak
cue of the same kind backs it (单独去器材室 ... 我们的秘密). The model alone flags a text when it is
very sure, or fairly sure and the text says it is happening now. A match is cleared when
its clause talks about prevention or education (防拐骗讲座, 消防演练), a hypothetical
(如果走丢了, 着火了怎么办), a story (电影里), a denial (没有被打), a general question or
suggestion (想知道…, 建议设置走失求助点), or when the text says it is over (已经找到了,
以前…现在好多了); abuse, sexual abuse and self-harm are not cleared by "it is over"
alone, since a past disclosure still needs a person.

The lexicon's cues are also given to the danger model as features (cue_features), so
the model learns from the corpus how much each kind of cue means.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

REASONS = (
    "self_harm", "abuse", "sexual", "violence", "missing_child", "stranger", "medical", "hazard",
    "neglect",
)

_NOT_END = r"[^,.!?;。，！？；]"  # any character inside the same clause (written ~ below)


def _any(*alternatives: str) -> str:
    """A regex alternation of the given pieces."""
    return "(?:" + "|".join(alternatives) + ")"


_KID = _any(
    "孩子", "小孩", "儿子", "女儿", "弟弟", "妹妹", "哥哥", "姐姐", "宝宝", "同学", "小朋友",
    "学生", "小女孩", "小男孩", "娃", "我",
)
# Carers whose hitting is abuse (叔叔/阿姨 are left out: 警察叔叔, 保安阿姨 ...).
_CARER = _any(
    "爸爸", "妈妈", "爸", "妈", "父亲", "母亲", "继父", "继母", "后妈", "后爸", "爷爷", "奶奶",
    "外公", "外婆", "姥姥", "姥爷", "舅舅", "伯伯", "家长", "家里人", "大人", "老师", "教练",
    "保姆", "哥哥", "姐姐",
)
_HIT = _any("打", "揍", "踢", "掐", "扇", "踹", "烫")
_PETS = re.compile(r"狗|猫|宠物|小鸟|鹦鹉|兔子|仓鼠|乌龟|动物")

# (reason, strong?, pattern). Strong patterns stand alone; weak ones need the model, or a
# sign that it is happening now (现在, 刚才, 还在...) and a model that does not disagree.
_PATTERNS: list[tuple[str, bool, str]] = [
    ("self_harm", True, _any(
        "怎么死", "死了就好了", "永别", "最后一次说话", "没有我~{0,6}(?:更好|过得好)", "自残",
        "(?:药|安眠药)~{0,4}(?:攒够|攒了|攒好)", "攒(?:够|了)?(?:药|安眠药)",
        "(?:坐|站|趴)在(?:窗台|楼顶|天台|阳台外|桥上|江边|河边)", "在~{0,4}桥上~{0,8}不想回家",
        "bu ?xiang ?huo", "xiang ?si", "zi ?sha",
        "(?:带着?我|带我们|一起)~{0,4}(?:去死|跳河|跳楼|自杀)",
        "不想活", "活着没意思", "活着没有意思", "活不下去", "(?<!得)想死", "想去死", "自杀", "轻生",
        "寻死", "割腕", "割手", "划手腕", "手腕划破", "割自己", "划自己", "伤害自己", "弄伤自己",
        "结束(?:自己的)?生命", "想(?:从楼上)?跳(?:下去|楼|河)", "(?:从|在)楼顶跳", "遗书",
        "(?:想|要)(?:把)?(?:吃掉|吞掉|吃光)(?:家里)?(?:所有|全部)的?药",
    )),
    ("self_harm", False, _any(
        "想消失", "没人在乎我", "受不了了", "累赘", "(?:东西|玩具)~{0,4}(?:全|都)送给", "去死",
        "活着(?:好|太|真)?累", "撑不下去", "安眠药", "得想死", "刀划",
        "划的口子",
    )),
    ("abuse", True, _any(
        "家暴", "虐待", "身上(?:都是|全是|有很多|有)(?:伤|淤青|青紫)", "浑身是伤",
        _CARER + "~{0,8}" + _any(
            "用(?:皮带|棍子|衣架|鞭子|烟头|开水|刀|戒尺)",
            _HIT + "了?我", _HIT + "了?他", _HIT + "了?她",
            "用烧(?:红|热)的",
        ),
        "(?:把|被)(?:我|他|她|孩子|宝宝|小孩)?(?:关在|锁在)(?:家|屋|房间|厕所|柜子|门外|阳台|黑)",
        "关在门外", "不给(?:我|他|她)?(?:饭吃|吃饭)", "不许(?:我|他|她)吃饭",
        "掐(?:我|他|她)?(?:的)?脖子", "掐痕", "小黑屋", "用针扎", "不让(?:我|他|她)?进(?:家)?门",
        "打(?:晕|昏)", "封住(?:宝宝|孩子|小孩|他|她)?的?嘴",
        "(?:把|将)~{0,8}(?:宝宝|孩子|小孩|婴儿)~{0,8}摔", "赶出家门",
    )),
    ("abuse", False, _any(
        "打孩子", "打小孩", "躲在柜子", "又喝(?:酒|醉)", "扫把星", "关进",
        "体罚", "罚站一整天", "打我", "挨打", "打得很疼", "经常打", "骂我是废物", "戒尺", "淤青",
        "肿得", "哭喊", "赶出来",
    )),
    ("sexual", True, _any(
        "猥亵", "性侵", "强奸", "强暴", "隐私部位", "私处", "摸我的?(?:下面|屁股|胸|身体|隐私)",
        "脱(?:我的?)?(?:衣服|裤子)", "(?:拍|发|要)(?:我的?)?(?:裸照|裸体|不穿衣服的照片)",
        "让我(?:摸|看)他的?(?:身体|下面)", "(?:发|拍)~{0,3}身体的?照片", "换衣服给(?:他|她)看",
        "(?:一个人)?(?:去|来)酒店(?:找|见)", "贴着我蹭", "蹭我", "开视频~{0,6}(?:换衣服|脱)",
        "骗了?(?:我的?)?照片", "不打钱就发",
        "(?:看|给~{0,6}看)~{0,6}不好的(?:视频|图片|照片)",
        "开(?:个)?房间",
    )),
    ("sexual", False, _any(
        "摸我", "亲我", "抱我不放", "不让我告诉(?:别人|爸妈|妈妈|爸爸|老师)", "要我保密",
        "不好的视频", "(?:发|传)到网上",
    )),
    ("violence", True, _any(
        "(?:拿|持|带)(?:着)?(?:刀|棍子|砖头|钢管)", "(?:要|想|去)捅", "(?:要|想)杀(?:我|你|他|她)",
        "杀~{0,2}全家", "从楼梯上推下", "推下(?:楼|楼梯)", "砍(?:人|伤)", "砍了(?:我|他|她|人)",
        "被砍",
        "捅(?:人|伤|了|我|你|他)",
        "被围殴", "群殴", "打(?:伤|骨折|死)",
        "打断(?:了)?(?:我|他|她)?的?(?:腿|胳膊|手|骨头|鼻梁)", "打得?(?:我)?(?:流血|骨折|住院)",
        "头破血流",
        "(?:要|抢|勒索|交)(?:我的?)?钱~{0,8}(?:不给|不带|不拿)~{0,6}(?:打|揍|捅|收拾)",
        "威胁(?:要)?(?:打|杀|弄死)", "收拾我", "按在(?:床上|地上|墙上)?打", "轮流(?:扇|打|踢)",
        "扇(?:我|她|他)?巴掌", "烧(?:我|她|他)的?头发", "(?:逼|堵)(?:我|他|她)~{0,8}(?:交钱|要钱)",
        "被(?:同学|高年级的?(?:同学|学生)?|几个人|一群人|他们|室友)(?:围着|堵着|按着)?(?:打|揍|踢)",
        "(?:把|被)(?:我|他|她|孩子|宝宝|小孩|同学)(?:反)?(?:关|锁)在",
        "(?:几个人|一群人|好几个人)(?:在)?(?:打|围殴|揍)(?:一个|我)", "扎了好几下",
    )),
    ("violence", False, _any(
        "流血", "受伤", "打架", "被打", "欺负我", "扇我", "踢我", "推倒", "往死里打",
        "抢(?:我的?)?(?:钱|东西)", "勒索", "摔断", "算账", "跪下", "羞辱", "威胁", "堵我", "要钱",
        "用圆规扎", "一直打", "拍了?视频",
        "不许告诉", "不敢(?:告诉|回|去|进)",
    )),
    ("missing_child", True, _any(
        "走丢", "走失", "失踪", "被拐", "拐走", "被抱走", "被人(?:带走|抱走|拉走)",
        "找不到(?:我的?|我家)?" + _KID,
        _KID + "(?:不见了|找不到了|一直没回家|没有回家|还没回家)",
        "我不认识你", "你不是我(?:妈妈|爸爸|妈|爸)",
        "(?:一转眼|一下子|突然)~{0,3}(?:人)?不见了", "人不见了",
    )),
    ("missing_child", False, _any(
        "还没(?:从~{1,8})?回来", "手机关机", "根本没去过", "找了~{0,4}(?:分钟|小时|钟头)", "还没到",
        "(?:电话|手表)~{0,4}"
        "(?:打不通|不接|没人接|关机|没电)", "联系不上", "没联系上", "上了~{0,8}大巴",
    )),
    ("stranger", True, _any(
        "(?:认识的|网友)[^。！？!?]{0,40}(?:别|不要|不许|不准)告诉",
        "(?:网友|网上认识|游戏里认识)[^。！？!?]{0,30}(?:见他|见面|找他|车票)",
        "拖着(?:一个)?(?:小孩|孩子|小朋友)", "骗我~{0,6}(?:打工|去外地)",
        "不让(?:我)?走~{0,8}不让(?:我)?打电话",
        "(?:陌生|不认识的)(?:人|叔叔|阿姨|男的|女的|大人)~{0,10}" + _any(
            "带我", "拉我", "抱我", "跟着我", "跟踪", "上(?:他的?)?车", "给我(?:糖|零食|钱|玩具)",
            "问我家", "要我跟", "叫我跟",
        ),
        "(?:有人|有?一?个(?:人|男的|女的|叔叔|阿姨|大人|陌生人|怪人))(?:一直|总是|每天|老是)?"
        "跟(?:着|踪)我",
        "跟踪我", "被(?:人)?跟踪",
        "网友~{0,8}(?:约我见面|要我的?照片|让我发照片|让我去他家)",
        "要不要(?:坐|上)他的车", "(?:抱|拉)着(?:一个)?(?:小孩|孩子|小朋友)往外走",
        "网上认识的~{0,8}(?:见面|哥哥|姐姐|叔叔)",
        "不许告诉(?:妈妈|爸爸|家里人|家长|老师)",
    )),
    ("stranger", False, _any(
        "带我去外地", "星探", "私信我", "(?:游戏|网上|网络)(?:里|上)?认识的",
        "别告诉(?:爸妈|爸爸|妈妈|家里|家长)",
        "陌生人", "在校门口转悠", "问我(?:住|家)在哪", "让我上车", "面包车", "网上认识",
        "拉(?:他们|我|她|他)进去",
    )),
    ("medical", True, _any(
        "(?:喝|吃|误服|误食|吞)(?:了)?~{0,4}农药", "叫不醒", "吃了(?:好|很)?多~{0,2}药", "打晕",
        "昏过去",
        "误(?:喝|吃|服|食)", "当糖吃", "吞(?:了|下)(?:一颗|一个|一枚)?(?:纽扣电池|电池|硬币|磁|钉)",
        "中毒", "抽搐", "喘不上气", "呼吸困难", "昏迷", "休克", "止不住", "说胡话", "晕倒",
    )),
    ("medical", False, _any(
        "头晕", "恶心", "呕吐", "吐了", "肚子疼", "咳嗽", "脸都白了", "被扎了?", "针头", "病倒",
        "发高烧",
        "急诊", "一直在吐", "起红疹", "起泡", "(?:烧|发烧)到(?:四十|40|39|三十九)",
    )),
    ("hazard", True, _any(
        "电线(?:掉|垂|断|裸露|露在外面|冒火花|漏电|被~{0,4}咬破)", "漏电", "触电",
        "冒火(?:花|星)", "着火了", "起火了", "失火", "燃气泄漏", "煤气泄漏", "煤气味", "燃气味",
        "(?:窨)?井盖~{0,3}(?:没了|没有了|丢了|被偷|不见了|坏了|塌了|翻了|掀开|冲走)", "没有井盖",
        "(?:困|关)在(?:电梯|里面|车上|车里)", "被困", "电梯(?:里)?困人",
        "电梯(?:突然)?(?:掉|下坠|往下掉)", "没有轿厢", "(?:快|要|马上)(?:塌|倒)了",
        "掉进(?:河|水|井|坑)", "溺水", "落水", "冰面裂",
        "(?:车上|车里|车厢)~{0,4}冒烟", "冒烟了", "差点翻",
        "往下沉", "沉下去", "卡在(?:两层|半空|中间)", "压在(?:下面|滑梯上|身上)", "爬上窗台",
        "山洪",
        "泥石流", "洪水(?:来了|下来)", "踩踏", "挤得~{0,4}摔倒",
        "(?:扶梯|电梯|门)~{0,6}(?:卡住|夹住)(?:了)?(?:一个)?(?:小孩|孩子|脚|手)",
        "把~{0,8}(?:脚|手|头|鞋)~{0,4}(?:卡住|夹住)", "半天没上来", "没(?:有)?浮上来", "被吸住",
        "卡在半空", "困在(?:半空|上面)",
        "(?:倒|塌|砸)(?:下来|了)?~{0,4}(?:压住|压到|砸伤|砸到)(?:了)?(?:一个|几个)?(?:小孩|孩子|小朋友|同学|人)",
        "锁在车(?:上|里)", "车(?:里|上)?~{0,4}锁着~{0,3}(?:小孩|孩子|宝宝|小朋友)", "落在车上",
        "(?:喝醉|醉酒|酒驾)~{0,6}(?:开车|司机)",
        "喝醉的司机", "(?:一边|边)开车(?:一)?边(?:刷|看|玩)", "铜片露",
    )),
    ("hazard", False, _any(
        "刹不住", "刹车失灵", "差点掉", "刮倒", "卡住", "(?:没有|没装)(?:防护栏|护栏|防护网)",
        "水很深",
        "护栏~{0,4}(?:倒|撞坏|断)", "急停", "窗台", "没反应", "翻过栏杆", "井盖~{0,3}松",
        "烫(?:伤|得|到)", "烧着了?", "火苗", "爆炸", "爆了", "溅到",
        "漏气", "化学品", "黄烟", "浓烟", "刺鼻", "毒气", "有毒", "火很大", "烧(?:轮胎|垃圾|塑料)",
        "野狗", "围着~{0,6}叫", "磨断", "翘起来", "划伤", "割伤", "压住", "没有救生员",
        "救生员不在",
        "没人看着", "翻过栏杆", "救命", "快来人",
        "掉下来", "往下掉", "砸到", "砸在", "高空抛物", "摇摇晃晃", "裂开了", "裂了", "松动",
        "危险",
        "大坑", "深坑", "塌了", "护栏(?:坏了|断了|没了)", "(?:没有|没)(?:护栏|栏杆|围挡)", "被狗咬",
        "咬(?:伤|了)(?:人|我|小孩|孩子)", "锈断", "断了", "歪", "晃", "露在外面", "吊在",
        "开得(?:特别|飞)快",
        "飞快", "轮胎破", "不锁", "积水", "冒烟", "差点(?:撞到|撞上)", "超载", "夹住", "零下",
    )),
    ("neglect", True, _any(
        "(?:好几天|几天|两天|三天|一天)没(?:有)?(?:吃饭|饭吃|吃东西|吃上饭)",
        "饿(?:了)?(?:好几天|两天|三天)", "没(?:有)?吃上饭", "(?:没有|没)钱买吃的",
        "翻垃圾桶找吃的", "要饭", "没人送~{0,3}(?:去)?医院", "米吃完了",
        "(?:好几天|几天)没回家[^。！？]{0,12}什么都没",
        "一个人带~{0,4}(?:岁的)?(?:弟弟|妹妹)", "睡在(?:村口|学校|地下车库|门口|楼道|车库|外面)",
        "断水断电", "都不要我",
        "睡在(?:街上|外面|桥下|网吧|地下通道|那里)", "(?:在)?网吧过的?夜",
        "(?:一个人|自己)(?:在家|住)(?:好几天|几天|两天|三天|五天|一个星期|[0-9一二三四五六七八九十]{1,3}天)",
        "(?:一个人|自己)在家~{0,3}[0-9一二三四五六七八九十几]{1,3}天了",
        "家里(?:好几天|几天|两天|三天)没有?大人", "一个大人都没有", "冰箱里(?:也)?什么都没有",
    )),
    ("neglect", False, _any(
        "没人管我", "没有人管我", "没人照顾", "饿肚子", "一个人在家", "家里没有?大人",
        "没人(?:给我)?做饭", "一个人住", "家里没人", "不知道(?:能|该|可以)?去哪", "肚子好饿",
        "一直穿同一件", "钱也没了", "没有别的人", "没有被子", "都没回来", "没人管", "饿得",
    )),
]
# The same dangers as children and neighbours tell them, without the alarm words above:
# what is done (绑在椅子上, 按着头撞), what is left (指甲印, 没有呼吸), what is asked
# (洗澡的视频), and how long (一周没回来). Grouped by reason like the list above.
_PATTERNS += [
    ("self_harm", True, _any(
        "活着(?:太|好|真|很)?(?:痛苦|没劲|没有意义|没意义|好累)", "睡过去(?:就好|算了|不醒)",
        "不想(?:再)?醒(?:来|过来)", "绳子~{0,6}(?:挂好|系好)", "割(?:深一点|更深)",
        "(?:楼顶|窗户?|桥|天台|阳台|[0-9一二三四五六七八九十几]+楼)~{0,8}跳下去",
        "跳下去~{0,4}(?:算了|就好|一了百了)", "(?:顶楼|楼顶|天台|窗台)~{0,10}不想(?:下去|回去|活)",
        "永别了", "下辈子再见", "(?:吞|吃)了?~{0,3}(?:一整|整|一)(?:瓶|板|盒)(?:的)?药", "攒的药",
        "(?:关在|锁在|躲在)~{0,6}(?:浴室|厕所|卫生间)~{0,12}(?:刀|药|不应|不开门|没(?:有)?声音)",
        "(?:以后|从此)不用(?:再)?(?:找|管)我", "(?:去|要去)找(?:去世|走了)的",
        "楼顶[^。！？!?]{0,12}不用再", "药吃完了~{0,4}再见",
        "要?去找(?:外婆|外公|奶奶|爷爷|姥姥|姥爷|妈妈|爸爸)了?[^。！？]{0,12}(?:去世|走了|不在了|死了)",
        "(?:睡着|睡过去)~{0,4}(?:就)?不(?:要|想)?(?:再)?醒",
    )),
    ("self_harm", False, _any(
        "刀片", "不想活", "想消失", "对不起大家", "永远睡", "(?:绳子|绳)~{0,6}准备好",
        "割~{0,3}口子", "(?:划|割)了?(?:好几|很多|几|一)道", "(?:自己|我)(?:划|割)的",
        "药就在",
        "(?:刀|药|绳子|安眠药)(?:已经|都)?(?:放|藏|准备|买)(?:在|好)", "最后一条(?:留言|消息)",
        "(?:别|不要|不用)(?:再)?找我", "拜托(?:你们|你)照顾",
        "(?:东西|书|衣服|球鞋|玩具)~{0,6}送给",
    )),
    ("medical", True, _any(
        "喘不(?:过|上)(?:来|气)", "(?:没有|没)了?(?:呼吸|心跳|气息)",
        "叫(?:他|她|也|都)?没(?:有)?反应",
        "(?:突然|晕|昏)倒在(?:地上|操场上|地下|教室)", "晕过去", "(?:脸|嘴唇)(?:都)?(?:发)?紫",
        "烫~{0,8}(?:起泡|掉皮|脱皮)", "皮都~{0,4}掉", "(?:哮喘|癫痫|心脏病)~{0,3}(?:犯|发作)",
        "吐血", "血(?:一直)?(?:止不住|流不停)", "口吐白沫", "翻白眼",
        "(?:呛|卡)住了?(?:喉咙|嗓子)?~{0,6}(?:喘|说不出话|脸)",
        "(?:吃|喝)了?~{0,6}(?:毒蘑菇|除草剂|老鼠药|洗衣液|消毒液)",
        "(?:偷吃|误吃|误服)了?~{0,6}(?:降压药|安眠药|大人的药|药)",
        "(?:还在|一直|全身)抽(?:搐)?(?:🙏|!|！|$)",
        "高烧~{0,6}(?:还在|一直)抽", "不会呼吸",
    )),
    ("medical", False, _any(
        "(?:人|孩子|小孩|他|她|同学|弟弟|妹妹|宝宝|老人)(?:突然)?倒在地上",
        "过敏~{0,8}(?:肿|喘|起不来)", "流了(?:好|很)?多血", "一氧化碳",
        "吃了~{0,6}[0-9一二两三四五六七八九十几]+片", "(?:蜇|咬)了?~{0,10}(?:喘|肿|起不来|全身)",
        "呛(?:了)?水~{0,8}(?:不|没)",
    )),
    ("missing_child", True, _any(
        "离家出走", "一(?:回头|转身|眨眼|扭头)~{0,6}(?:就)?(?:没了|不见)",
        "(?:一整夜|一夜|整晚|一晚上)(?:都)?没(?:有)?回", "彻夜未归",
        "(?:抱|拐|骗)走了?(?:一个|我的?|我家)?(?:孩子|小孩|宝宝|婴儿|儿子|女儿|弟弟|妹妹)",
        "把~{0,8}(?:宝宝|孩子|小孩|婴儿)~{0,4}(?:抱|拉|带)(?:走|上车)", "走散", "(?:被人|被)领走",
        "zou ?diu", "没到(?:园|校|学校|幼儿园)[^。！？]{0,20}(?:明明|已经|早就)送",
        "请了?假[^。！？]{0,10}(?:根本没|没有|从没)请",
    )),
    ("missing_child", False, _any(
        "(?:到处|怎么也|都)找不(?:到|着)", "(?:拉|带)走了?(?:一个)?(?:孩子|小孩|宝宝|婴儿)",
        "没(?:有)?回来~{0,3}[0-9一二三四五六七八九十两几半]+(?:个)?(?:小时|钟头|天|夜)",
        "不见了~{0,6}(?:找了|已经)", "(?:根本没|没有)请(?:过)?假", "没到(?:园|校|学校|幼儿园)",
        "bu ?jian ?le",
    )),
    ("abuse", True, _any(
        "(?:把|被)(?:我|他|她|孩子|弟弟|妹妹|我们)?绑(?:在|起来|住)",
        "(?:按|摁)(?:着)?~{0,8}(?:往|在)?(?:桌子|墙|地|门)(?:上)?(?:撞|砸|磕)",
        "抽(?:我|他|她)?的?(?:脸|耳光|嘴巴)", "(?:吃一口|一哭)就打",
        "掐(?:小朋友|孩子|宝宝|我|他|她)",
        "罚跪", "跪~{0,4}(?:一晚上|一夜|几个小时)", "掐着?~{0,4}脖子",
        "da ?(?:wo|ma ?ma|di ?di|mei ?mei)", "(?:烧|点)(?:了)?房子",
    )),
    ("abuse", False, _any(
        "不(?:许|让)(?:他|她|我)?哭", "喝醉", "拖鞋", "打一顿", "往死里", "撞出(?:鼻)?血", "指甲印",
        "(?:用|拿)(?:拖鞋|鞋底|衣架|棍子|皮带|擀面杖|扫把|尺子|晾衣杆)~{0,3}(?:抽|打|砸)",
        "(?:往|朝)(?:我|他|她|孩子)?(?:身上|头上)(?:扔|砸|泼)", "绑(?:在|起来|住)",
    )),
    ("sexual", True, _any(
        "(?:洗澡|脱衣服|换衣服|没穿衣服|裸)的?(?:视频|照片|照)",
        "(?:大腿|胸|内衣|身体|私密|睡衣)照",
        "脱了?衣服(?:再)?(?:聊|视频|拍|给)", "(?:单独|私下|私聊)~{0,12}(?:关上?门|房门)",
        "不(?:拍|发|给)(?:照片|视频)?就~{0,8}(?:去学校|发给|找你|告诉|曝光)",
        "(?:饭局|酒局|ktv)~{0,6}(?:喝酒|陪)", "陪酒",
        "(?:摸|碰)(?:她|他|我)的?(?:腿|大腿|胸|屁股|身上)",
        "(?:摄像头|镜头|视频)~{0,8}(?:做动作|脱|换衣服)", "(?:裙子|裤子)(?:下面|里)~{0,2}拍",
        "偷拍",
        "(?:晚上|半夜)~{0,4}(?:进|钻)(?:我|她|他)的?(?:房间|被窝)", "nudes?",
        "单独视频[^。！？]{0,16}(?:关上?门|房门)",
    )),
    ("sexual", False, _any(
        "把房门关上", "(?:先|再)发~{0,6}(?:照片|视频)~{0,6}(?:就|才|再)",
        "发给(?:全班|全校|你的?同学|你爸妈)", "(?:这是|是)我们(?:俩)?的(?:小)?秘密",
        "单独(?:去|到|来)~{0,8}(?:器材室|办公室|房间|家里|宿舍)", "私人房间", "send ~{0,10}pics?",
        "(?:post|send) (?:them|it)",
    )),
    ("violence", True, _any(
        "放(?:你|他|她|我)?(?:的)?血", "推(?:进|下|到)(?:了)?(?:水|河|池|水池|湖|楼)",
        "(?:用|拿)(?:打火机|烟头)(?:烧|烫)",
    )),
    ("violence", False, _any(
        "(?:叫了|带了|找了)~{0,8}(?:人|帮手)~{0,8}(?:堵|打|等|收拾)",
        "(?:下课|放学|明天)(?:再|还要)(?:推|打|揍)",
    )),
    ("neglect", True, _any(
        "谁都不(?:要|管)(?:他|她|我|我们)", "哭到没(?:声|力气)",
        "(?:爸妈|父母|大人|家长)~{0,6}(?:一周|一个星期|好几天|半个月|一个月)(?:都)?没(?:有)?回~{0,12}"
        "(?:一个人|自己|没人|没有人|饿|垃圾)",
    )),
    ("neglect", False, _any(
        "(?:爸妈|父母|妈妈|爸爸|大人|家长)~{0,6}(?:一周|一个星期|好几天|几天|两天|三天|一个月|半个月|好久)"
        "(?:都)?没(?:有)?回",
        "(?:没|没有)(?:地方|地儿)(?:去|住|睡)", "(?:今晚|晚上)~{0,6}没地方",
        "(?:家里|屋里)~{0,4}(?:已经)?没有?(?:吃的|饭|米)了?", "没(?:有)?吃的了",
        "(?:亲戚|大人|邻居)~{0,6}(?:都)?不(?:肯|愿意|愿)?管(?:我们|他们|他|她)", "屋里全是垃圾",
        "破被子",
        "睡在~{0,10}(?:门口|台阶|桥下|路边|街上|车站|公园)", "(?:一个人|自己)在(?:屋|家)里哭",
        "(?:丢下|扔下)(?:了)?(?:一个|我们|他|她)",
        "冻得~{0,4}(?:睡不着|发抖)~{0,12}(?:没钱|没人|停了)",
        "(?:没钱|没人)~{0,12}冻得",
    )),
    ("stranger", True, _any(
        "扣着?(?:我的?)?(?:身份证|证件)", "骗(?:进|到|去)~{0,8}(?:干活|打工|厂|作坊)",
        "跟着我~{0,8}(?:不敢回家|不敢走|不敢出去)", "gen ?zhe ?wo", "jiu ?ming", "拧~{0,4}门锁",
        "撬~{0,4}门", "(?:卖花|乞讨|讨钱|要钱)~{0,12}不让回",
        "(?:带|拉|骗)(?:到|去)~{0,8}(?:卖花|乞讨|讨钱|要饭)",
        "(?:别|不要)去上学~{0,12}接(?:我|你)", "(?:昏睡|不合身)~{0,30}(?:说不上来|不像|不认识)",
    )),
    ("stranger", False, _any(
        "昏睡", "不合身", "说不上来", "干爹", "师傅", "网友",
        "不让(?:我|他|她)(?:走|回家|离开|出去)",
        "小作坊", "不让回(?:家)?", "(?:接|带)(?:他|她|我)去外地",
        "(?:说|自称)(?:自己)?(?:也)?是(?:初|高)[一二三]",
    )),
    ("hazard", True, _any(
        "(?:水|池|地|栏杆|扶手)~{0,4}(?:带电|漏电)", "电线还连着", "(?:倒|断)~{0,6}电线",
        "塔吊~{0,10}(?:掉|砸|晃)", "冰(?:面|层)~{0,4}(?:裂|碎)",
        "(?:孩子|小孩|弟弟|妹妹|宝宝|小朋友|同学|人)~{0,4}掉(?:进|到)~{0,6}(?:冰窟窿|水里|井里|坑里|河里)",
        "(?:门|屏蔽门|车门)~{0,8}夹(?:了|住)?(?:个|一个)?(?:小孩|孩子|小朋友|宝宝)",
        "(?:跳台|十米台|高台)~{0,6}(?:往下跳|跳下)", "(?:锁|关)在~{0,4}车里",
        "(?:锁着|关着)~{0,4}(?:娃|孩子|小孩|宝宝)~{0,12}车",
        "(?:车里|车上)(?:锁着|关着)~{0,10}(?:娃|孩子|小孩|宝宝|小朋友)",
        "(?:污水|废水)[^。！？]{0,20}蹚", "(?:扶梯|电梯)~{0,4}(?:倒着走|倒转|反转|突然下滑)",
        "(?:松|歪|裂)~{0,12}(?:底下|下面)~{0,4}(?:一群|好多|几个|全是|是|有)?~{0,4}(?:小朋友|孩子|小学生)",
    )),
    ("hazard", False, _any(
        "抽了一下", "差点撞上", "淹了", "漏气", "(?:烟|气味)飘进", "晃", "熄火在",
        "冒(?:黑|白|浓)烟",
        "水(?:都)?(?:到|没过|淹到|漫到)(?:了)?(?:车窗|胸口|脖子|腰)",
        "(?:开车|司机)~{0,6}(?:打瞌睡|睡着|闭眼)",
        "(?:屋顶|房顶|房子|墙)~{0,3}塌", "(?:黄绿色|黄色|绿色|刺鼻|很冲)的?(?:烟|气|味道)",
        "漫到~{0,8}(?:路上|教室|家里)", "树枝~{0,8}(?:断了|挂着|要掉)",
        "(?:底座|地基)~{0,4}松~{0,6}晃",
        "掉(?:进|到)~{0,6}(?:冰窟窿|水里|井里|坑里)", "地震了",
        "(?:随时|马上|快)(?:要|会)?(?:倒|塌|断)(?:下来)?",
        "(?:车里|车上)(?:锁着|关着)", "卷进(?:去|了)", "正对着~{0,8}(?:滑梯|小孩|孩子|游乐)",
    )),
]
# Signs that it is happening now, which a weak pattern needs (or the model's firm agreement).
_NOW = re.compile(
    r"现在|刚才|刚刚|今天|今晚|今早|今天早上|马上|还在|正在|到现在|此刻|这会儿|赶紧|救命|快来|"
    r"怎么办|求助|已经~{0,6}(?:小时|天)了|今晚还|明天还|正有|下面(?:就是|还有|正有)|"
    r"[0-9一二三四五六七八九十几两]{1,3}(?:天|个星期|个晚上|个小时|分钟)了|还没|怎么叫都|快受不了|"
    r"最后一次|不知道怎么办|不知道(?:该|能|可以)?找谁|好几天(?:没|了)|没有大人|就在(?:隔壁|旁边|附近|下面|边上)|在旁边|"
    r"继续(?:上课|营业|开放|使用)|还(?:在营业|开着)|"
    r"(?:上面|下面|车上|里面|旁边)~{0,2}(?:全是|都是|一群|好多|还有|正有)~{0,6}"
    r"(?:小朋友|孩子|小孩|学生|娃)".replace("~", _NOT_END)
)
# "~" in a pattern stands for any character of the same clause.
_COMPILED = [
    (reason, strong, re.compile(p.replace("~", _NOT_END))) for reason, strong, p in _PATTERNS
]

_CLAUSE = re.compile(r"[^,.!?;。，！？；\n]+")
# Harmless frames, checked in the clause of the match.
_PREVENTION = re.compile(
    r"防(?:止|拐|骗|溺|欺凌|霸凌|性侵|火|震|灾|诈|走失|暴|范|护意识|身)|预防|反(?:家暴|拐|诈|欺凌|霸凌)|"
    r"讲座|宣传|演练|演习|培训|知识|学会|学到|教(?:我们|了我们|孩子|小朋友|大家)|安全教育|班会|"
    r"普法|科普|手抄报|比赛|模拟|疏散|讲讲|讲一讲|讲解|告诉我们|课程|绘本|"
    r"(?:怎么|如何|怎样)(?:防|保护|避免|应对|预防|识别|求助)"
)
_STORY = re.compile(
    r"电影|电视|动画|新闻|小说|故事|游戏里|视频里|书里|书上|剧里|一本书|这本书|书中|小剧场|讲了?一个"
)
_HYPOTHETICAL = re.compile(
    r"如果|万一|假如|要是|担心|以防|会不会|可能会|容易|小心|注意|以免|防止|听说|想知道|想问|请问|"
    r"常发生|经常发生|常常|常有|禁止|严禁|请勿"
)
# Asking about a danger in general (…是真的吗? …应该往哪里跑?) is not reporting one.
_QUESTION = re.compile(
    r"想知道|想问|请问|是真的吗|是不是真的|应该(?:怎么|往哪|找谁)|该怎么|能不能教"
)
# 走丢的时候 / 走失以后: a generic or past case, not one happening now.
_GENERIC_AFTER = re.compile(
    r"^(?:的时候|时|以后|之后|求助|手环|定位|预案|演练|提示|标识|(?:儿童)?的?(?:求助|集合|招领)点|"
    r"的(?:挑战|游戏|视频|动画|新闻|群)|瓶|袋|包装|罐|插座|"
    r"了?(?:怎么|该怎么|可怎么|很危险|根本|会|就麻烦|要怎么))"
)
# A suggestion about dangers in general (建议…走失求助点) rather than a report of one.
_SUGGESTION = re.compile(
    r"^(?:作为[^,，]{1,8}[,，]\s*)?(?:我)?(?:想)?(?:建议|希望|能不能|可不可以|应该|呼吁)"
)
_PAST = re.compile(r"以前|之前|上次|去年|小时候|那次|那时候|曾经")
_DENIAL = re.compile(r"(?:没有|没|从来没有?|不是|并没有?|不会)(?:被|人|再)?$")
# The text says it is over: only for dangers that can be over (not abuse, self-harm, sexual).
_RESOLVED = re.compile(
    r"找到了|找回来了|找回了|平安回|修好了|已经修|已经(?:解决|处理|好了|抓到|抓住)|抓到了|抓住了|"
    r"现在(?:好了|没事|安全|没有了|不会了|修好)|好多了|全换了|都换了|换掉了"
)
_OVER_OK = {"missing_child", "stranger", "hazard", "violence", "neglect", "medical"}


@dataclass(frozen=True, slots=True)
class DangerHit:
    """One lexicon match: its reason, whether it is strong, its span, whether it was cleared."""

    reason: str
    strong: bool
    start: int
    end: int
    cleared: str | None  # why a rule cleared it, or None
    cue: str = ""  # the words matched


MAX_HITS = 64  # a 2,000-character text repeating one phrase needs no more evidence than this


def lexicon_hits(text: str) -> list[DangerHit]:
    """All danger-lexicon matches in a normalised text, each with the rule that cleared it."""
    hits: list[DangerHit] = []
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]
    starts = [c[0] for c in clauses]
    # Whole-text facts, worked out once.
    resolved = bool(_RESOLVED.search(text))
    past_and_resolved = resolved and bool(_PAST.search(text))
    now = bool(_NOW.search(text))
    general_question = bool(_QUESTION.search(text)) and not now
    suggestion = bool(_SUGGESTION.match(text)) and not now
    for reason, strong, pattern in _COMPILED:
        for m in pattern.finditer(text):
            if len(hits) >= MAX_HITS:
                return hits
            at = bisect.bisect_right(starts, m.start()) - 1
            c_start, c_end = clauses[at] if at >= 0 else (m.start(), m.end())
            clause = text[c_start:c_end]
            before = text[c_start : m.start()]
            over_ok = reason in _OVER_OK
            cleared = None
            if _PREVENTION.search(clause):
                cleared = "prevention"
            elif _STORY.search(clause):
                cleared = "story"
            elif _HYPOTHETICAL.search(before):
                cleared = "hypothetical"
            elif _DENIAL.search(before[-4:]):
                cleared = "denial"
            elif _QUESTION.search(clause) or (general_question and over_ok):
                cleared = "question"
            elif _GENERIC_AFTER.match(text[m.end() : m.end() + 8]):
                cleared = "generic"
            elif (over_ok and (resolved or _PAST.search(before))) or past_and_resolved:
                cleared = "resolved"  # 已经找到了; 以前…现在好多了 for any kind
            elif reason in ("missing_child", "abuse") and _PETS.search(clause):
                cleared = "pet"
            elif over_ok and suggestion:
                cleared = "suggestion"
            hits.append(DangerHit(reason, strong, m.start(), m.end(), cleared, m.group()))
    return hits


@dataclass(frozen=True, slots=True)
class DangerResult:
    """Whether a text is urgent, why, and the model's probability."""

    urgent: bool
    reasons: tuple[str, ...]
    probability: float


# Model thresholds, set by cross-validation on the corpus (python -m moderation.evaluate).
WEAK_NEEDS = 0.3  # a weak pattern counts when the model gives at least this
WEAK_NOW_NEEDS = 0.01  # ... or this, when the text says it is happening now
MODEL_ALONE = 0.7  # the model alone flags a text at this probability
NOW_MODEL = 0.2  # ... or at this one, when the text says it is happening now


def happening_now(text: str) -> bool:
    """Whether the text says the situation is current (现在, 刚才, 还在, 今晚...)."""
    return bool(_NOW.search(text))


def cue_features(hits: list[DangerHit], now: bool) -> list[str]:
    """Lexicon cues as extra model features, so the danger model learns how much they mean."""
    cues = {f"⚑{h.reason}" for h in hits if h.cleared is None and not h.strong}
    if any(h.cleared is None and h.strong for h in hits):
        cues.add("⚑strong")
    if now:
        cues.add("⚑now")
        cues.update(f"{c}+now" for c in list(cues) if c != "⚑now")
    return sorted(cues)


def _corroborated(hit: DangerHit, live: list[DangerHit]) -> bool:
    """Whether another weak cue of the same kind stands apart from this one.

    Two separate cues (单独去器材室 ... 我们的秘密) back each other; one phrase matched by
    two patterns (刺鼻, 刺鼻的味道) or said twice (摇摇晃晃) is still one cue.
    """
    return not hit.strong and any(
        other.reason == hit.reason
        and not other.strong
        and (other.end <= hit.start or other.start >= hit.end)
        and other.cue != hit.cue
        for other in live
    )


def judge(hits: list[DangerHit], probability: float, now: bool = False) -> DangerResult:
    """Combine lexicon hits, the model probability and immediacy into a decision."""
    live = [h for h in hits if h.cleared is None]
    reasons: dict[str, None] = {}
    weak_ok = probability >= WEAK_NEEDS or (now and probability >= WEAK_NOW_NEEDS)
    for h in live:
        if h.strong or weak_ok or _corroborated(h, live):
            reasons[h.reason] = None
    model_says = probability >= MODEL_ALONE or (now and probability >= NOW_MODEL)
    if not reasons and model_says and not any(h.cleared for h in hits):
        weak = [h.reason for h in live]
        reasons[weak[0] if weak else "other"] = None
    ordered = tuple(r for r in (*REASONS, "other") if r in reasons)
    return DangerResult(bool(ordered), ordered, probability)
