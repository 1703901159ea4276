"""Does a production step read like an Art. 3.6 minimal operation? A keyword classifier over
the step's description, in English and Chinese.

Art. 3.6 lists operations that, undertaken on non-originating materials, never confer origin,
alone or combined: (a) preserving for transport or storage; (b) packaging or presenting for
transport or sale; (c) simple sifting, screening, sorting, classifying, sharpening, cutting,
slitting, grinding, bending, coiling or uncoiling; (d) affixing or printing marks, labels,
logos; (e) mere dilution; (f) disassembly into parts; (g) slaughtering; (h) simple painting and
polishing; (i) simple peeling, stoning or shelling; (j) simple mixing; (k) any combination.
Footnote 3: "simple" describes an activity needing no special skills, machines, apparatus or
equipment especially produced or installed for it.

So a step is *suspected* minimal when it names one of those operations and nothing that needs
special skills or equipment (machining, welding, assembly, moulding, firmware flashing ...).
It is a prompt to look, never a verdict: the engine decides on the exporter's
``minimal_operation`` flag, and pre-review only warns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ARTICLE = "Art. 3.6"

# Art. 3.6 subparagraph -> English word stems (regular expressions, matched on whole words)
# and Chinese terms (matched as substrings).
_MINIMAL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "(a)": (
        (
            r"preserv\w*",
            r"refrigerat\w*",
            r"chill\w*",
            r"freez\w*",
            r"ventilat\w*",
            r"storage",
            r"storing",
        ),
        ("保鲜", "冷藏", "冷冻", "通风", "晾晒", "防腐", "仓储", "储存", "存储"),
    ),
    "(b)": (
        (
            r"pack\w*",
            r"repack\w*",
            r"packag\w*",
            r"box(es|ing)?",
            r"boxed",
            r"carton\w*",
            r"bagg\w*",
            r"bottl\w*",
            r"wrap\w*",
            r"palleti[sz]\w*",
            r"crat(e|ed|ing)",
        ),
        ("包装", "装箱", "分装", "装袋", "装瓶", "打包", "码垛", "封箱", "套袋"),
    ),
    "(c)": (
        (
            r"sift\w*",
            r"screen(ing|ed)?",
            r"sort\w*",
            r"classif\w*",
            r"grad(e|ed|ing)",
            r"sharpen\w*",
            r"cut(s|ting)?",
            r"slit\w*",
            r"grind\w*",
            r"bend\w*",
            r"coil\w*",
            r"uncoil\w*",
            r"trim\w*",
        ),
        (
            "筛选",
            "过筛",
            "筛分",
            "分拣",
            "分类",
            "分级",
            "挑选",
            "磨刃",
            "切割",
            "切断",
            "剪切",
            "分切",
            "纵切",
            "研磨",
            "磨碎",
            "弯曲",
            "折弯",
            "卷绕",
            "开卷",
            "收卷",
        ),
    ),
    "(d)": (
        (
            r"label\w*",
            r"mark(s|ing|ed)?",
            r"logos?",
            r"tagg\w*",
            r"sticker\w*",
            r"affix\w*",
            r"engrav\w*",
        ),
        ("贴标", "标签", "唛头", "打标", "印标", "贴牌", "喷码", "打码", "标识"),
    ),
    "(e)": ((r"dilut\w*",), ("稀释", "兑水")),
    "(f)": (
        (r"disassembl\w*", r"dismantl\w*", r"teardown"),
        ("拆解", "拆卸", "拆分", "拆机"),
    ),
    "(g)": ((r"slaughter\w*",), ("屠宰",)),
    "(h)": (
        (r"paint\w*", r"polish\w*", r"varnish\w*"),
        ("喷漆", "刷漆", "上漆", "涂漆", "抛光"),
    ),
    "(i)": ((r"peel\w*", r"stoning", r"shell(ing|ed)"), ("去皮", "剥皮", "去核", "去壳", "剥壳")),
    "(j)": ((r"mix(es|ing|ed)?", r"blend\w*"), ("混合", "拌和", "掺混", "搅拌")),
}

# Work that needs special skills, machines or equipment (Art. 3.6, footnote 3) or changes the
# good: its presence means the step is not *simple*, whatever else it names.
_SUBSTANTIVE_EN = (
    r"cnc",
    r"machin\w*",
    r"mill(ing|ed)",
    r"turn(ing|ed)",
    r"lath\w*",
    r"drill\w*",
    r"weld\w*",
    r"solder\w*",
    r"brazing",
    r"assembl(y|ing|ed)",
    r"mou?ld\w*",
    r"injection",
    r"cast(ing)?",
    r"forg(e|ed|ing)",
    r"stamp(ing|ed)",
    r"punch\w*",
    r"press(ing|ed)",
    r"extru\w*",
    r"heat[- ]treat\w*",
    r"anneal\w*",
    r"harden\w*",
    r"plat(ing|ed)",
    r"electroplat\w*",
    r"anodi[sz]\w*",
    r"powder[- ]coat\w*",
    r"laser",
    r"plasma",
    r"waterjet",
    r"firmware",
    r"flash(ing|ed)",
    r"programm\w*",
    r"calibrat\w*",
    r"smt",
    r"reflow",
    r"wir(ing|ed)",
    r"winding",
    r"laminat\w*",
    r"spinn\w*",
    r"weav\w*",
    r"knit\w*",
    r"sew\w*",
    r"ferment\w*",
    r"synthes\w*",
    r"reaction",
    r"react\w*",
    r"refin\w*",
    r"distill\w*",
    r"cook\w*",
    r"bak(e|ed|ing)",
    r"roast\w*",
    r"smelt\w*",
    r"integrat\w*",
    r"fabricat\w*",
    r"manufactur\w*",
    r"compound\w*",
    r"vulcani[sz]\w*",
    r"etch\w*",
    r"print(ed)? circuit",
    r"pcb",
)
_SUBSTANTIVE_ZH = (
    "数控",
    "机加工",
    "机械加工",
    "车削",
    "铣削",
    "钻孔",
    "焊",
    "装配",
    "组装",
    "总装",
    "注塑",
    "成型",
    "铸造",
    "锻造",
    "冲压",
    "冲裁",
    "热处理",
    "淬火",
    "电镀",
    "阳极氧化",
    "喷粉",
    "粉末喷涂",
    "激光",
    "烧录",
    "编程",
    "固件",
    "贴片",
    "回流",
    "绕线",
    "布线",
    "层压",
    "纺纱",
    "织造",
    "针织",
    "缝制",
    "发酵",
    "合成",
    "化学反应",
    "精炼",
    "提纯",
    "蒸馏",
    "烘焙",
    "烹",
    "冶炼",
    "集成",
    "制造",
    "生产加工",
    "硫化",
    "蚀刻",
    "调试",
)


def _words(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # Whole words in Latin script; a Chinese character next to the word still ends it
    # ("CNC加工"), which ``\b`` would not allow.
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(patterns) + r")(?![a-z0-9])")


_MINIMAL_EN = {para: _words(en) for para, (en, _) in _MINIMAL.items()}
_SUBSTANTIVE = _words(_SUBSTANTIVE_EN)


@dataclass(frozen=True, slots=True)
class Reading:
    subparagraphs: tuple[str, ...]  # the Art. 3.6 subparagraphs it names, e.g. ("(b)", "(d)")
    substantive: tuple[str, ...]  # words that show more than a simple operation

    @property
    def looks_minimal(self) -> bool:
        return bool(self.subparagraphs) and not self.substantive


@lru_cache(maxsize=4096)
def read_step(description: str) -> Reading:
    """Which Art. 3.6 operations a step's description names, and what shows it is more."""
    text = description.casefold()
    found = tuple(
        para
        for para, (_, chinese) in _MINIMAL.items()
        if _MINIMAL_EN[para].search(text) or any(term in text for term in chinese)
    )
    substantive = tuple(
        dict.fromkeys(
            [m.group(0) for m in _SUBSTANTIVE.finditer(text)]
            + [term for term in _SUBSTANTIVE_ZH if term in text]
        )
    )
    return Reading(found, substantive)
