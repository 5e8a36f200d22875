"""What callers say: a realistic description (诉求内容) for each demo order, so hot words have content.

Each second-level topic has a few phrasings built from its own words; a request closes the text.
An order of a burst (a water main, a night-time building site) names the burst's cause, a word that
is rare on ordinary days: that is the word the hot-word detector should find surging, not 停水
itself, which is frequent every day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_loader.demo import model as dm

PHRASES: dict[str, tuple[str, ...]] = {
    "消费纠纷": ("商场购买电器质量差商家拒绝退货", "网购商品与描述不符商家不予退款", "装修公司收取定金后拖延工期"),
    "预付卡退费": ("健身房突然闭店预付卡无法退费", "美容店关门跑路会员卡余额无法退还", "教育机构停课预付学费退费困难"),
    "食品安全": ("餐馆后厨卫生脏乱", "超市销售过期食品", "外卖食品里吃出异物"),
    "价格投诉": ("停车场乱收费", "超市标价与结算价格不一致", "出租车司机拒绝打表议价"),
    "供暖服务": ("供暖后室温不达标", "供热公司收费后迟迟不供暖", "暖气管道漏水无人维修"),
    "公交服务": ("公交车经常不按时发车", "公交司机拒载老人", "公交站台被占用无法候车"),
    "邮政快递": ("快递丢失快递公司推诿", "快递员不送货上门", "快递柜超时收费"),
    "物业管理": ("物业不作为楼道堆物无人清理", "物业费上涨未经业主同意", "小区门禁损坏物业长期不修"),
    "屋顶漏雨": ("顶层屋顶漏雨墙面发霉", "下雨后屋顶漏雨家具被泡", "楼顶防水层老化漏雨"),
    "房屋租赁": ("中介克扣押金", "房东提前收回房屋不退押金", "群租房人员混杂存在隐患"),
    "电梯故障": ("电梯故障停运老人无法下楼", "电梯频繁困人", "电梯异响维保单位不处理"),
    "医疗服务": ("医院挂号难排队时间长", "医生态度差", "社区医院缺少常用药"),
    "养老服务": ("养老驿站服务不到位", "老人助餐点关闭", "高龄津贴迟迟未发放"),
    "公共卫生": ("楼道内老鼠蟑螂多", "小区内蚊虫滋生", "公共厕所卫生差"),
    "施工扰民": ("工地施工噪音大", "施工车辆堵塞道路", "施工单位未设围挡"),
    "道路设施": ("路面坑洼不平", "路灯不亮", "井盖缺失存在安全隐患"),
    "违法建设": ("邻居私搭乱建占用公共空间", "楼顶违建", "私自拆改承重墙"),
    "违章停车": ("车辆乱停乱放堵塞消防通道", "人行道违章停车", "僵尸车长期占用车位"),
    "私装地锁": ("有人私装地锁占用公共车位", "小区内地锁泛滥", "私装地锁影响出行"),
    "小区门口拥堵": ("小区门口早晚高峰拥堵", "小区门口摆摊造成拥堵", "学校接送车辆堵住小区门口"),
    "噪声扰民": ("楼下商户音响噪音大", "邻居装修噪音扰民", "夜间烧烤店噪音大"),
    "邻里纠纷": ("邻居占用楼道堆放杂物", "楼上漏水邻居不配合维修", "邻居饲养犬只扰民"),
    "安全隐患": ("电动自行车楼道充电", "楼道堆放易燃物", "小区消防设施损坏"),
    "拖欠工资": ("公司拖欠工资", "包工头拖欠农民工工资", "离职后单位不结算工资"),
    "社保医保": ("单位未缴纳社保", "医保报销比例有疑问", "社保转移办理困难"),
    "入学入托": ("孩子入学登记遇到困难", "幼儿园学位紧张", "入托报名材料要求不清楚"),
    "校外培训": ("培训机构退费难", "培训机构违规收费", "培训机构无资质办学"),
    "停水": ("小区突然停水没有通知", "家中停水影响生活", "停水后水压低"),
    "停电": ("小区突然停电没有通知", "家中频繁停电", "停电后电梯无法使用"),
    "燃气": ("楼道内有燃气异味", "燃气表故障无法充值", "燃气管道老化"),
    "暖气不热": ("暖气不热室温只有十几度", "暖气片不热需要放气", "家中暖气不热老人受冻"),
    "建筑垃圾": ("建筑垃圾堆放路边无人清运", "装修垃圾随意倾倒", "渣土车遗撒"),
    "施工扬尘": ("工地施工扬尘严重", "拆迁工地未覆盖防尘网", "道路施工扬尘大"),
    "垃圾清运": ("垃圾桶满溢无人清运", "垃圾分类点异味大", "垃圾清运不及时"),
    "文体设施": ("小区健身器材损坏", "公园体育设施老化", "图书馆开放时间短"),
    "文化活动": ("社区文化活动太少", "广场舞音响扰民", "公园演出未提前公告"),
}
# The cause a burst's callers name; rare on ordinary days (BURST_BASE_P of that topic's orders).
BURST_PHRASES: dict[str, str] = {
    "停水": "水管爆裂导致停水",
    "停电": "变压器故障导致停电",
    "施工扰民": "夜间施工噪音扰民",
    "噪声扰民": "酒吧夜间噪音扰民",
    "垃圾清运": "垃圾站臭味熏人",
    "燃气": "燃气泄漏有异味",
}
BURST_BASE_P = 0.04
REQUESTS = ("请尽快处理。", "希望相关部门尽快解决。", "已多次反映未解决，请督促处理。", "要求给予答复。")


def describe(rng: np.random.Generator, orders: dm.Orders, address_tail: np.ndarray) -> np.ndarray:
    """One description per order: estate, a phrasing of its topic (or the burst's cause), a request."""
    n = len(orders.topic)
    subs = dm.SUB_NAME[orders.topic]
    pick = rng.integers(0, 3, n)
    phrase = np.array([PHRASES[s][i] for s, i in zip(subs, pick, strict=True)], dtype=object)
    burst_word = np.array([BURST_PHRASES.get(s, "") for s in subs], dtype=object)
    cause = (burst_word != "") & (orders.burst | (rng.random(n) < BURST_BASE_P))
    phrase[cause] = burst_word[cause]
    estate = pd.Series(address_tail, dtype=object).str.replace(r"\d+号楼$", "", regex=True).to_numpy(object)
    request = np.array(REQUESTS, dtype=object)[rng.integers(0, len(REQUESTS), n)]
    return "市民来电反映" + estate + phrase + "，" + request
