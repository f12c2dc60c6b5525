"""A demo county, made through the same workbook import a real county uses.

正定县 (130123): five streets and townships, twenty communities, about 150 compounds,
120 units and 5,000 members with Chinese names, and a staff account at every level.
Generated from a fixed seed, so seeding twice changes nothing.
"""

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta

import openpyxl

from services.onboarding.workbook import ACCOUNTS, DIVISIONS, MEMBERS, UNITS, Sheet
from services.registry.numbers import CREDIT_CODE_CHARS, credit_code_check_char, id_card_check_char


def _words(text: str) -> list[str]:
    return text.split()


COUNTY_CODE = "130123"
COUNTY_NAME = "正定县"
# Printed on start: the demo's accounts are for trying the platform, never for real data.
PASSWORD = "Gongjian2026"  # noqa: S105
ADMIN = ("county", "县委组织部管理员")

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢"
    "韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
    "华建国志红玉梅海燕雪松文博宇浩然子涵欣怡思远振华晓东春生立新永红"
)
TOWNSHIPS = [
    ("001", "城关街道"),
    ("002", "府前街道"),
    ("003", "新华街道"),
    ("101", "诸福屯镇"),
    ("102", "新城铺镇"),
]
COMMUNITY_WORDS = _words(
    "阳和 常山 兴荣 燕赵 开元 隆兴 府城 滹沱 永安 顺城 "
    "华安 恒山 育才 民主 建设 朝阳 迎旭 光明 南关 北关 "
)
COMPOUND_SUFFIXES = ["小区", "花园", "家园", "雅苑", "新村", "公寓"]
COMPOUND_WORDS = _words(
    "金地 翠湖 碧水 阳光 紫荆 锦绣 龙泉 凤凰 御景 书香 "
    "康乐 和平 幸福 盛世 祥和 东方 怡景 丽都 红枫 青年 "
)
DEPARTMENTS = _words(
    "财政局 教育局 卫生健康局 民政局 自然资源局 "
    "住房和城乡建设局 交通运输局 农业农村局 水利局 商务局 "
    "文化广电和旅游局 市场监督管理局 人力资源和社会保障局 "
    "司法局 审计局 统计局 应急管理局 生态环境局 "
    "退役军人事务局 医疗保障局 "
)
INSTITUTIONS = [
    "第一中学",
    "第二中学",
    "实验小学",
    "人民医院",
    "中医院",
    "妇幼保健院",
    "职业技术学校",
    "图书馆",
    "文化馆",
    "疾病预防控制中心",
]
ENTERPRISES = ["供电公司", "自来水公司", "燃气公司", "城市建设投资集团", "交通运输集团", "农商银行"]
PRIVATE = _words("恒信 华远 泰和 鼎盛 宏达 金诚 瑞丰 天成 弘毅 博远 ")
PRIVATE_TRADES = [
    "科技有限公司",
    "建筑工程有限公司",
    "商贸有限公司",
    "食品有限公司",
    "物流有限公司",
]
SOCIAL = ["志愿者协会", "慈善会", "老年人协会", "律师协会", "个体劳动者协会"]
SKILLS = _words(
    "法律咨询 医疗护理 心理疏导 政策宣传 文艺表演 家电维修 "
    "水电维修 理发 书法 摄影 计算机 教育辅导 环境整治 "
    "矛盾调解 应急救援 驾驶 "
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    node_name: str


def _rows(book: openpyxl.Workbook, sheet: Sheet, rows: list[list[object]]) -> None:
    worksheet = book.create_sheet(sheet.name)
    worksheet.append([c.header for c in sheet.columns])
    for row in rows:
        worksheet.append(row)


def _credit_code(rng: random.Random, kind_prefix: str) -> str:
    body = kind_prefix + COUNTY_CODE + "".join(rng.choice(CREDIT_CODE_CHARS[:10]) for _ in range(9))
    return body + credit_code_check_char(body)


def _id_card(rng: random.Random, male: bool) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 36))
    sequence = rng.randrange(0, 999)
    sequence += (1 - sequence % 2) if male else (sequence % 2)
    body = f"{COUNTY_CODE}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + id_card_check_char(body)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def demo_workbook() -> tuple[bytes, list[DemoAccount]]:
    """The demo county's workbook and the staff accounts it creates."""
    rng = random.Random(20261122)  # noqa: S311 (demo data, not secrets)
    divisions: list[list[object]] = []
    communities: list[tuple[str, str]] = []
    compounds: list[str] = []
    words = iter(COMMUNITY_WORDS)
    for township_code, township_name in TOWNSHIPS:
        code = f"{COUNTY_CODE}{township_code}000"
        divisions.append(
            [code, township_name, "乡镇" if township_name.endswith("镇") else "街道", ""]
        )
        for index in range(1, 5):
            community_code = f"{COUNTY_CODE}{township_code}{index:03d}"
            name = f"{next(words)}社区"
            divisions.append([community_code, name, "社区", code])
            communities.append((community_code, name))
            for number in range(1, rng.randint(6, 9) + 1):
                compound_code = f"{community_code}-{number:02d}"
                compound_name = rng.choice(COMPOUND_WORDS) + rng.choice(COMPOUND_SUFFIXES)
                divisions.append(
                    [
                        compound_code,
                        f"{compound_name}{number}期" if number > 1 else compound_name,
                        "小区",
                        community_code,
                    ]
                )
                compounds.append(compound_code)
    units: list[list[object]] = []
    names = [f"{COUNTY_NAME}{d}" for d in DEPARTMENTS] + [f"{COUNTY_NAME}{i}" for i in INSTITUTIONS]
    kinds = ["机关"] * len(DEPARTMENTS) + ["事业单位"] * len(INSTITUTIONS)
    names += [f"{COUNTY_NAME}{e}" for e in ENTERPRISES]
    kinds += ["国有企业"] * len(ENTERPRISES)
    names += [f"{COUNTY_NAME}{s}" for s in SOCIAL]
    kinds += ["社会组织"] * len(SOCIAL)
    while len(names) < 120:
        place = rng.choice(("正定", "常山", "真定"))
        name = f"{place}{rng.choice(PRIVATE)}{rng.choice(PRIVATE_TRADES)}"
        if name not in names:
            names.append(name)
            kinds.append("非公企业")
    unit_codes = []
    for name, kind in zip(names, kinds, strict=True):
        code = _credit_code(rng, {"机关": "11", "事业单位": "12", "社会组织": "51"}.get(kind, "91"))
        unit_codes.append(code)
        org_type = (
            "党委"
            if kind in ("机关", "国有企业") and rng.random() < 0.4
            else rng.choice(["党支部", "党支部", "党总支"])
        )
        community = rng.choice(communities)[0]
        units.append(
            [
                code,
                name,
                kind,
                org_type,
                community,
                _name(rng),
                f"0311-88{rng.randrange(100000, 999999)}",
            ]
        )
    members: list[list[object]] = []
    mobiles: set[str] = set()
    for _ in range(5000):
        male = rng.random() < 0.55
        mobile = ""
        while not mobile or mobile in mobiles:
            mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        mobiles.add(mobile)
        joined = date(1985, 1, 1) + timedelta(days=rng.randrange(365 * 40))
        skills = "、".join(rng.sample(SKILLS, rng.choice((0, 1, 1, 2))))
        members.append(
            [
                _name(rng),
                "男" if male else "女",
                mobile,
                _id_card(rng, male),
                joined.isoformat(),
                rng.choice(unit_codes),
                rng.choice(compounds),
                skills,
            ]
        )
    first_township = f"{COUNTY_CODE}{TOWNSHIPS[0][0]}000"
    first_community, first_community_name = communities[0]
    first_compound = next(c for c in compounds if c.startswith(first_community))
    accounts = [
        DemoAccount("street", "城关街道党工委管理员", "乡镇（街道）管理员", first_township),
        DemoAccount("community", f"{first_community_name}管理员", "社区管理员", first_community),
        DemoAccount("compound", "小区党支部书记", "小区负责人", first_compound),
        DemoAccount("unit", f"{names[0]}党组织管理员", "单位党组织管理员", units[0][4]),  # type: ignore[arg-type]
        DemoAccount("member", str(members[0][0]), "在职党员", str(members[0][6])),
        DemoAccount("auditor", "县纪委监督员", "审计员（只读）", f"{COUNTY_CODE}000000"),
    ]
    book = openpyxl.Workbook()
    if book.active is not None:
        book.remove(book.active)
    _rows(book, DIVISIONS, divisions)
    _rows(book, UNITS, units)
    _rows(book, MEMBERS, members)
    links = {"unit": [str(units[0][0]), ""], "member": ["", str(members[0][2])]}
    _rows(
        book,
        ACCOUNTS,
        [
            [a.username, a.name, a.role, a.node_name, PASSWORD, *links.get(a.username, ["", ""])]
            for a in accounts
        ],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), accounts
