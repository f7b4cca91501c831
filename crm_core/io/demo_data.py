"""The demo's vocabulary: names, places, products and rewards (Chinese and Latin)."""

from __future__ import annotations

SURNAMES = (
    ("李", "li"), ("王", "wang"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"),
    ("徐", "xu"), ("孙", "sun"), ("胡", "hu"), ("朱", "zhu"), ("高", "gao"),
    ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo"),
)  # fmt: skip
GIVEN_NAMES = (
    ("娜", "na", "female"), ("伟", "wei", "male"), ("敏", "min", "female"),
    ("静", "jing", "female"), ("磊", "lei", "male"), ("洋", "yang", "male"),
    ("芳", "fang", "female"), ("军", "jun", "male"), ("秀英", "xiuying", "female"),
    ("志强", "zhiqiang", "male"), ("晓明", "xiaoming", "male"), ("丽华", "lihua", "female"),
    ("建国", "jianguo", "male"), ("婷婷", "tingting", "female"), ("浩然", "haoran", "male"),
    ("欣怡", "xinyi", "female"), ("子轩", "zixuan", "male"), ("雨涵", "yuhan", "female"),
    ("海燕", "haiyan", "female"), ("俊杰", "junjie", "male"), ("思琪", "siqi", "female"),
    ("文博", "wenbo", "male"),
)  # fmt: skip
LATIN_NAMES = (
    ("Anna", "Müller", "female", "de"), ("James", "Wilson", "male", "en"),
    ("Marie", "Dubois", "female", "fr"), ("Luca", "Rossi", "male", "it"),
    ("Olivia", "Brown", "female", "en"), ("Tom", "Becker", "male", "de"),
    ("Elena", "García", "female", "es"), ("David", "Smith", "male", "en"),
)  # fmt: skip
# province, city, region, area code, streets
CITIES = (
    ("上海市", "上海市", "华东", "21", ("南京西路", "淮海中路", "世纪大道", "虹桥路")),
    ("北京市", "北京市", "华北", "10", ("建国门外大街", "中关村大街", "朝阳北路")),
    ("广东省", "广州市", "华南", "20", ("天河路", "环市东路", "中山五路")),
    ("广东省", "深圳市", "华南", "755", ("深南大道", "华强北路", "科苑路")),
    ("浙江省", "杭州市", "华东", "571", ("延安路", "文三路", "钱江路")),
    ("江苏省", "南京市", "华东", "25", ("中山路", "汉中路", "珠江路")),
    ("四川省", "成都市", "西南", "28", ("春熙路", "人民南路", "天府大道")),
    ("湖北省", "武汉市", "华中", "27", ("解放大道", "中南路", "光谷大道")),
)
CITY_WEIGHTS = (30, 22, 10, 10, 9, 7, 6, 6)
# 138 is left to the bulk loader (crm_core.io.bulk), so demo and bulk phones never meet.
MOBILE_PREFIXES = ("139", "150", "186", "135", "158", "188", "136", "159", "187", "177")
OWNERS = ("陈静", "刘洋", "赵磊", "黄丽", "Sophie Martin")
MEMBER_TYPES = (
    ("standard", "普卡 Standard card"), ("silver", "银卡 Silver card"),
    ("gold", "金卡 Gold card"), ("platinum", "白金卡 Platinum card"),
    ("diamond", "钻石卡 Diamond card"),
)  # fmt: skip
TYPE_BY_LEVEL = {1: "standard", 2: "silver", 3: "gold", 4: "platinum", 5: "diamond"}
LEVEL_WEIGHTS = (45, 27, 15, 9, 4)
CARD_PREFIX = {"standard": "MC", "silver": "SC", "gold": "GC", "platinum": "PC", "diamond": "DC"}
# code, name, category, price in yuan
PRODUCTS = (
    ("EL-GPS-01", "GPS 导航仪", "electronics", 899),
    ("EL-PHN-12", "智能手机 Smartphone", "electronics", 4299),
    ("EL-TAB-05", "平板电脑 Tablet", "electronics", 2999),
    ("EL-EAR-03", "蓝牙耳机 Earphones", "electronics", 499),
    ("EL-TV-55", "55 寸电视 55-inch TV", "electronics", 5999),
    ("JW-GLD-BR", "黄金手镯 Gold bracelet", "jewellery", 8800),
    ("JW-PRL-NK", "珍珠项链 Pearl necklace", "jewellery", 3600),
    ("JW-DIA-RG", "钻石戒指 Diamond ring", "jewellery", 15800),
    ("JW-JAD-PD", "翡翠吊坠 Jade pendant", "jewellery", 2600),
    ("AU-DVR-02", "行车记录仪 Dash cam", "auto", 699),
    ("AU-TYR-4S", "轮胎套装 Tyre set", "auto", 3200),
    ("AU-MNT-SV", "汽车保养套餐 Car service", "auto", 1280),
    ("AU-SEAT-C", "儿童安全座椅 Child car seat", "auto", 1899),
    ("HM-AIR-PU", "空气净化器 Air purifier", "home", 2199),
    ("HM-RCK-01", "电饭煲 Rice cooker", "home", 599),
    ("HM-TEA-SET", "茶具套装 Tea set", "home", 388),
    ("HM-SLK-BD", "真丝被 Silk duvet", "home", 1688),
)
CATEGORIES = ("electronics", "jewellery", "auto", "home")
REWARDS = (
    ("咖啡券 Coffee voucher", 2_000), ("电影票两张 Two cinema tickets", 5_000),
    ("车载充电器 Car charger", 8_000), ("保温杯 Thermos flask", 12_000),
    ("话费充值 100 元 Phone credit", 20_000), ("行李箱 Suitcase", 60_000),
    ("空气净化器 Air purifier", 150_000),
)  # fmt: skip
ORG_WORDS = ("明辉", "华信", "星河", "云帆", "瑞丰", "金桥", "恒通", "嘉禾")
ORG_TRADES = ("贸易", "科技", "电子", "文化传媒", "汽车服务", "餐饮管理", "物流", "建筑装饰")
JOBS = (
    "工程师 Engineer", "教师 Teacher", "医生 Doctor", "销售经理 Sales manager",
    "会计 Accountant", "设计师 Designer", "公务员 Civil servant", "个体经营 Self-employed",
)  # fmt: skip
EDUCATION = ("高中 High school", "大专 College", "本科 Bachelor", "硕士 Master", "博士 Doctorate")
INCOME = ("<8k", "8k–15k", "15k–30k", "30k–60k", ">60k")
STORES = ("南京西路店", "国贸店", "天河城店", "线上旗舰店 Online flagship")
CHANNELS = ("store", "store", "online", "phone", "wechat")
