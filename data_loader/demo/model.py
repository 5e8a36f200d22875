"""The calibrated model of a Beijing 12345 day: what is asked, where, when, and how well it is handled.

All numbers here are calibration (BRIEF section 2), kept as data in one place so the seed and the live
simulator draw from the same city. Sources: the 2019 volumes (2.52M accepted orders; Chaoyang 320k,
Haidian 220k, Yanqing 40k), the 2020 top-10 categories (in 10k orders), the peaks at 09-11 and 14-16,
and the topics the 2019 article names (heating, leaking roofs, parking locks, estate gates, dust ...).
Everything is vectorised: callers pass arrays of receipt times and get arrays back. The life cycle of
an order (deadlines met or missed, extensions, callbacks) is in `demo_life`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

URGENCY_KEYS = ("emergency", "utilities", "general", "complex")
SATISFACTION = ("satisfied", "basically", "dissatisfied")


@dataclass(frozen=True)
class Sub:
    """A second-level category: share within its parent, urgency mix (URGENCY_KEYS order), season."""

    zh: str
    en: str
    share: float
    urgency: tuple[float, float, float, float] | None = None  # None: the parent's mix
    season: str = "flat"


@dataclass(frozen=True)
class Category:
    zh: str
    en: str
    weight: float  # 2020 orders in 10k where published, otherwise inferred (noted below)
    urgency: tuple[float, float, float, float]
    subs: tuple[Sub, ...]


_GENERAL = (0.02, 0.0, 0.88, 0.10)

# Epidemic control (108 in 2020) is left out: it was a 2020-22 effect, not today's city.
TAXONOMY: tuple[Category, ...] = (
    Category("市场监管", "Market supervision", 98, _GENERAL, (
        Sub("消费纠纷", "Consumer disputes", 0.45),
        Sub("预付卡退费", "Prepaid card refunds", 0.25, (0.0, 0.0, 0.7, 0.3)),
        Sub("食品安全", "Food safety", 0.15, (0.1, 0.0, 0.85, 0.05), "summer"),
        Sub("价格投诉", "Price complaints", 0.15),
    )),
    Category("公共服务", "Public services", 65, _GENERAL, (
        Sub("供暖服务", "Heating service", 0.40, (0.0, 0.5, 0.45, 0.05), "heating"),
        Sub("公交服务", "Bus service", 0.40),
        Sub("邮政快递", "Post and parcels", 0.20),
    )),
    Category("住房", "Housing", 61, _GENERAL, (
        Sub("物业管理", "Property management", 0.45),
        Sub("屋顶漏雨", "Leaking roof", 0.15, (0.1, 0.0, 0.6, 0.3), "rain"),
        Sub("房屋租赁", "Housing rental", 0.25),
        Sub("电梯故障", "Lift breakdown", 0.15, (0.3, 0.0, 0.65, 0.05)),
    )),
    Category("卫生健康", "Health", 60, _GENERAL, (
        Sub("医疗服务", "Medical services", 0.50),
        Sub("养老服务", "Elderly care", 0.30),
        Sub("公共卫生", "Public health", 0.20, None, "summer"),
    )),
    Category("城乡建设", "Urban and rural construction", 55, _GENERAL, (
        Sub("施工扰民", "Construction noise", 0.40, None, "spring"),
        Sub("道路设施", "Roads and facilities", 0.35),
        Sub("违法建设", "Illegal structures", 0.25, (0.0, 0.0, 0.5, 0.5)),
    )),
    Category("交通与停车", "Traffic and parking", 47, _GENERAL, (
        Sub("违章停车", "Illegal parking", 0.45),
        Sub("私装地锁", "Private parking locks", 0.30),
        Sub("小区门口拥堵", "Congestion at estate gates", 0.25),
    )),
    Category("社会治安", "Public order", 47, (0.08, 0.0, 0.85, 0.07), (
        Sub("噪声扰民", "Noise nuisance", 0.50, None, "summer"),
        Sub("邻里纠纷", "Neighbour disputes", 0.30),
        Sub("安全隐患", "Safety hazards", 0.20, (0.4, 0.0, 0.55, 0.05)),
    )),
    Category("劳动社保", "Labour and social security", 36, (0.0, 0.0, 0.7, 0.3), (
        Sub("拖欠工资", "Unpaid wages", 0.50, None, "new_year"),
        Sub("社保医保", "Social and medical insurance", 0.50),
    )),
    Category("教育", "Education", 35, _GENERAL, (
        Sub("入学入托", "School and childcare places", 0.55, None, "enrolment"),
        Sub("校外培训", "Private tutoring", 0.45),
    )),
    # Not in the 2020 top 10 as one heading (heating is partly under public services): inferred.
    Category("水电气热", "Water, power, gas and heating", 40, (0.1, 0.85, 0.05, 0.0), (
        Sub("停水", "Water outage", 0.30),
        Sub("停电", "Power outage", 0.25, None, "summer"),
        Sub("燃气", "Gas", 0.15, (0.35, 0.6, 0.05, 0.0)),
        Sub("暖气不热", "Heating not warm", 0.30, None, "heating"),
    )),
    Category("环境卫生", "Sanitation", 40, _GENERAL, (
        Sub("建筑垃圾", "Construction waste", 0.30, None, "spring"),
        Sub("施工扬尘", "Construction dust", 0.25, None, "spring"),
        Sub("垃圾清运", "Refuse collection", 0.45, None, "summer"),
    )),
    Category("文化", "Culture", 12, _GENERAL, (
        Sub("文体设施", "Sports and culture facilities", 0.6),
        Sub("文化活动", "Cultural events", 0.4),
    )),
)  # fmt: skip

# Flattened second level, the unit every draw works on.
SUBS: tuple[Sub, ...] = tuple(s for c in TAXONOMY for s in c.subs)
SUB_CATEGORY = np.array([c.zh for c in TAXONOMY for _ in c.subs], dtype=object)
SUB_NAME = np.array([s.zh for s in SUBS], dtype=object)
SUB_WEIGHT = np.array([c.weight * s.share for c in TAXONOMY for s in c.subs])
SUB_URGENCY = np.array([s.urgency or c.urgency for c in TAXONOMY for s in c.subs], dtype=float)
SUB_URGENCY /= SUB_URGENCY.sum(axis=1, keepdims=True)
LABELS_EN: dict[str, str] = {c.zh: c.en for c in TAXONOMY} | {s.zh: s.en for s in SUBS}


def sub_index(zh: str) -> int:
    """Position of a second-level category in SUBS (for events aimed at one topic)."""
    return int(np.flatnonzero(zh == SUB_NAME)[0])


# Orders per year in 2019, thousands. Published: Chaoyang, Haidian, Yanqing. The rest inferred from
# resident population (7th census) with the inner-city districts a little above their population share.
DISTRICT_ORDERS_2019: dict[str, float] = {
    "110101": 95,  # Dongcheng
    "110102": 125,  # Xicheng
    "110105": 320,  # Chaoyang
    "110106": 175,  # Fengtai
    "110107": 55,  # Shijingshan
    "110108": 220,  # Haidian
    "110109": 40,  # Mentougou
    "110111": 105,  # Fangshan
    "110112": 150,  # Tongzhou
    "110113": 110,  # Shunyi
    "110114": 185,  # Changping
    "110115": 160,  # Daxing
    "110116": 42,  # Huairou
    "110117": 42,  # Pinggu
    "110118": 48,  # Miyun
    "110119": 40,  # Yanqing
}
# Topics of bursts (a water main, a power cut, a night-time building site): seed and simulator.
BURST_TOPICS = ("停水", "停电", "施工扰民", "噪声扰民", "垃圾清运", "燃气")
# Inner-city districts: where old walk-up estates with leaking roofs are.
OLD_CITY_DISTRICTS = ("110101", "110102", "110106", "110105")

# Share of a day's orders by local hour: quiet nights, peaks 09-11 and 14-16 (BRIEF 2).
HOURLY = np.array([
    0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 0.9, 2.2, 4.6, 7.6, 8.0, 6.9,
    5.0, 5.6, 7.3, 7.6, 6.8, 5.5, 4.2, 3.8, 3.5, 2.8, 1.8, 1.0,
])  # fmt: skip
HOURLY = HOURLY / HOURLY.sum()
# Monday..Sunday, mean 1: fewer orders at weekends.
WEEKDAY = np.array([1.08, 1.05, 1.03, 1.02, 0.99, 0.86, 0.82])
WEEKDAY = WEEKDAY / WEEKDAY.mean()
CHANNELS = np.array(["phone", "app", "wechat", "web", "weibo"], dtype=object)
CHANNEL_P = np.array([0.70, 0.09, 0.11, 0.06, 0.04])
# Urban 街道 generate more orders per unit than rural 镇 and 乡.
KIND_WEIGHT = {"街道": 1.25, "地区": 1.0, "镇": 0.8, "乡": 0.45}

ESTATES = np.array([
    "幸福家园", "阳光小区", "和平里", "建国里", "团结湖", "金台里", "花园新村", "望京西园", "育新小区",
    "康居苑", "枫林绿洲", "翠微北里", "光明楼", "长安小区", "丽泽雅园", "清河小区", "天通苑", "富力城",
], dtype=object)  # fmt: skip


def _bump(doy: np.ndarray, centre: float, width: float) -> np.ndarray:
    """A Gaussian bump on the circular year, so a December day is close to a January one."""
    d = np.abs(doy - centre)
    d = np.minimum(d, 365 - d)
    return np.exp(-0.5 * (d / width) ** 2)


def season_multipliers(doy: np.ndarray) -> np.ndarray:
    """(len(doy), len(SUBS)) multipliers of each topic's base weight on a day of the year.

    heating: nothing before the 15 Nov start, a surge in the first weeks, a plateau to mid-March;
    rain: the July-August rainy season; spring: construction season (waste, dust, noise);
    enrolment: April-July school places; new_year: unpaid wages before the Spring Festival.
    """
    doy = np.asarray(doy, dtype=float)
    since_start = (doy - 319) % 365  # days since 15 November
    in_heating = since_start < 121  # to 15 March
    curves = {
        "flat": np.ones_like(doy),
        "heating": np.where(in_heating, 1.4 + 3.0 * np.exp(-since_start / 20), 0.08),
        "rain": 0.25 + 4.0 * _bump(doy, 205, 18),
        "spring": 0.7 + 1.2 * _bump(doy, 105, 35),
        "summer": 0.8 + 0.6 * _bump(doy, 200, 40),
        "enrolment": 0.6 + 1.5 * _bump(doy, 150, 35),
        "new_year": 0.8 + 1.5 * _bump(doy, 25, 20),
    }
    return np.stack([curves[s.season] for s in SUBS], axis=1)


def _topic_mix(doy: np.ndarray) -> np.ndarray:
    return season_multipliers(doy) * SUB_WEIGHT


_MEAN_DAY_WEIGHT = _topic_mix(np.arange(1, 366)).sum(axis=1).mean()


def day_volume_factor(days: pd.DatetimeIndex) -> np.ndarray:
    """Expected orders on each local day relative to the average day (weekday x season)."""
    seasonal = _topic_mix(days.day_of_year.to_numpy()).sum(axis=1) / _MEAN_DAY_WEIGHT
    return WEEKDAY[days.day_of_week.to_numpy()] * seasonal


def topic_probabilities(doy: np.ndarray) -> np.ndarray:
    """(len(doy), len(SUBS)) probability of each second-level topic on those days of the year."""
    mix = _topic_mix(doy)
    return mix / mix.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Geography:
    """Townships as aligned arrays (sorted by code), with each one's share of the city's orders."""

    codes: np.ndarray
    names: np.ndarray
    district_codes: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    share: np.ndarray

    @classmethod
    def from_townships(cls, townships: pd.DataFrame, seed: int) -> Geography:
        """Split each district's 2019 volume over its townships by kind and a fixed random size.

        The size factor depends only on the seed, so seed and simulator agree on busy townships.
        """
        t = townships.sort_values("code").reset_index(drop=True)
        rng = np.random.default_rng([seed, 1])
        size = rng.lognormal(0.0, 0.5, len(t)) * t["kind"].map(KIND_WEIGHT).fillna(1.0).to_numpy()
        district_total = pd.Series(size).groupby(t["district_code"].to_numpy()).transform("sum").to_numpy()
        volume = t["district_code"].map(DISTRICT_ORDERS_2019).fillna(min(DISTRICT_ORDERS_2019.values()))
        share = volume.to_numpy() * size / district_total
        return cls(
            codes=t["code"].to_numpy(dtype=object),
            names=t["name"].to_numpy(dtype=object),
            district_codes=t["district_code"].to_numpy(dtype=object),
            lon=t["lon"].to_numpy(dtype=float),
            lat=t["lat"].to_numpy(dtype=float),
            share=share / share.sum(),
        )


def month_number(times: pd.DatetimeIndex) -> np.ndarray:
    """Months since year 0 of local times: the unit in which township quality drifts."""
    return times.year.to_numpy() * 12 + times.month.to_numpy() - 1


def township_quality(n_townships: int, months: np.ndarray, seed: int) -> np.ndarray:
    """(len(months), n_townships) latent handling quality, mean 0, persistent but drifting.

    A fixed part per township plus an AR(1) drift whose monthly shocks come from a generator keyed
    by (seed, month): any month can be computed on its own, the seed and the simulator agree, and
    neighbouring months are correlated, so the improved list is a real gain, not noise.
    """
    base = np.random.default_rng([seed, 2]).normal(0.0, 0.8, n_townships)
    out = np.empty((len(months), n_townships))
    for row, month in enumerate(months):
        drift = np.zeros(n_townships)
        for m in range(int(month) - 12, int(month) + 1):
            drift = 0.7 * drift + np.random.default_rng([seed, 3, m]).normal(0.0, 0.45, n_townships)
        out[row] = base + drift
    return out


def draw_hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after local midnight following the hourly shape."""
    return rng.choice(24, size=n, p=HOURLY) * 3600 + rng.integers(0, 3600, n)


def draw_topics(rng: np.random.Generator, doy: np.ndarray) -> np.ndarray:
    """Index into SUBS for each order, by the seasonal mix of its day (one draw per distinct day)."""
    out = np.empty(len(doy), dtype=np.int64)
    days, inverse = np.unique(doy, return_inverse=True)
    cdf = np.cumsum(topic_probabilities(days), axis=1)
    u = rng.random(len(doy))
    for i in range(len(days)):
        rows = np.flatnonzero(inverse == i)
        out[rows] = np.minimum(np.searchsorted(cdf[i], u[rows]), len(SUBS) - 1)
    return out


def draw_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cdf[:, -1:]
    return np.minimum((cdf < u).sum(axis=1), probs.shape[1] - 1)


def fake_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Plausible-looking mainland mobile numbers (never real data: they are hashed at once)."""
    prefixes = np.array([130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 152, 158, 159, 186, 187, 188, 189])
    body = rng.integers(0, 100_000_000, n)
    return (rng.choice(prefixes, n).astype(np.int64) * 100_000_000 + body).astype(str).astype(object)


@dataclass
class Orders:
    """Columns of new orders before their life cycle: all arrays of equal length."""

    received: np.ndarray  # datetime64[s], UTC
    township: np.ndarray  # index into Geography
    topic: np.ndarray  # index into SUBS
    caller: np.ndarray  # clear numbers, hashed when the frame is built
    lon: np.ndarray
    lat: np.ndarray
    burst: np.ndarray | None = None  # True for orders of a burst (their callers name its cause)

    def __post_init__(self) -> None:
        if self.burst is None:
            self.burst = np.zeros(len(self.received), dtype=bool)

    @staticmethod
    def concat(parts: list[Orders]) -> Orders:
        return Orders(*(np.concatenate([getattr(p, f) for p in parts]) for f in Orders.__dataclass_fields__))


def jitter(rng: np.random.Generator, lon: np.ndarray, lat: np.ndarray, metres: float) -> tuple[np.ndarray, np.ndarray]:
    """Scatter points by a normal jitter of about `metres` (degrees at Beijing's latitude)."""
    n = len(lon)
    return lon + rng.normal(0, metres / 85_000, n), lat + rng.normal(0, metres / 111_000, n)


def local_times(utc: np.ndarray, tz: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(tz)


def draw_orders(rng: np.random.Generator, received: np.ndarray, geo: Geography, tz: str) -> Orders:
    """Ordinary orders at the given receipt times: topic by season, township by share, a new caller."""
    n = len(received)
    township = rng.choice(len(geo.codes), size=n, p=geo.share)
    topic = draw_topics(rng, local_times(received, tz).day_of_year.to_numpy())
    lon, lat = jitter(rng, geo.lon[township], geo.lat[township], 900)
    return Orders(received, township, topic, fake_numbers(rng, n), lon, lat)
