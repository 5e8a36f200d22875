"""Hot words (诉求热词): the words whose count in the last 24 hours jumps against their own baseline.

Descriptions are segmented with jieba (a maintained Chinese segmenter) plus the hotline's own
vocabulary (`hotwords_dict.txt`); stop words (`hotwords_stop.txt`), place names and one-character
tokens are dropped. Each order counts a word once. A word is hot when its count in the window is
at least `min_count`, at least `min_ratio` times its expected count (its own mean per window over
the `baseline_days` complete local days before yesterday, so the window and the baseline never
overlap), and its Poisson upper-tail probability under that expectation is below `p_value`. The
most frequent words (停水 every day) are therefore not hot; a rare word that surges is.

Only words and counts leave this module: the descriptions stay on the server. Complete baseline
days are segmented once and cached (keyed by the day and its order count, so a late import of
that day is picked up); texts are segmented once per distinct text.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jieba
from scipy import stats
from sqlalchemy import Engine, func, select

from dashboard.assessment.rules import HotWordRules, Rules
from dashboard.clock import local_day_start
from dashboard.scope import Scope
from dashboard.store.schema import Case, District, Township

jieba.setLogLevel(logging.WARNING)
HERE = Path(__file__).parent
WORDS_FILE = HERE / "hotwords_dict.txt"
STOP_FILE = HERE / "hotwords_stop.txt"
PLACE_SUFFIXES = ("街道", "地区", "镇", "乡", "区")
EXPECTED_FLOOR = 0.5  # a word never seen before is expected this often per window, not 0
DISTRICT_TOP = 5
_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z]")  # a token must hold a letter or a Chinese character


def place_names(names: Iterable[str]) -> set[str]:
    """Names and their stems without the unit suffix: 朝阳区 -> 朝阳, 建外街道 -> 建外."""
    out = set()
    for name in names:
        out.add(name)
        for suffix in PLACE_SUFFIXES:
            stem = name.removesuffix(suffix)
            if stem != name and len(stem) >= 2:
                out.add(stem)
    return out


class Segmenter:
    """jieba with the hotline vocabulary; yields the meaningful words of one description."""

    def __init__(self, places: Iterable[str] = ()) -> None:
        self.places = place_names(places)
        self.stop = {w.strip() for w in STOP_FILE.read_text(encoding="utf-8").splitlines()}
        self.stop |= set(PLACE_SUFFIXES)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.load_userdict(str(WORDS_FILE))
        for place in self.places:  # kept whole, so a place name is dropped whole, not half-split
            self._tokenizer.add_word(place, 100)
        self._lock = threading.Lock()  # jieba's lazy initialisation is not thread-safe
        self.words = lru_cache(maxsize=100_000)(self._words)

    def segment(self, text: str) -> list[str]:
        """Every kept token in order (repeats included)."""
        with self._lock:
            tokens = self._tokenizer.lcut(text or "")
        return [t for t in tokens if len(t) >= 2 and _KEEP.search(t) and t not in self.stop and t not in self.places]

    def _words(self, text: str) -> frozenset[str]:
        return frozenset(self.segment(text))


def count_words(rows: Iterable[tuple[str, str]], segmenter: Segmenter) -> dict[str, Counter]:
    """(unit code, description) rows -> per unit, the number of orders naming each word."""
    out: dict[str, Counter] = {}
    for code, text in rows:
        out.setdefault(code, Counter()).update(segmenter.words(text or ""))
    return out


def surging(recent: Counter, baseline: Counter, baseline_windows: float, rules: HotWordRules) -> list[dict]:
    """Hot words, hottest first: count, expected count per window, ratio and score (-log10 p)."""
    out = []
    for word, count in recent.items():
        if count < rules.min_count:
            continue
        expected = max(baseline.get(word, 0) / baseline_windows, EXPECTED_FLOOR)
        if count < rules.min_ratio * expected:
            continue
        p = float(stats.poisson.sf(count - 1, expected))
        if p >= rules.p_value:
            continue
        score = min(-math.log10(p), 300.0) if p > 0 else 300.0
        out.append({"word": word, "count": int(count), "expected": round(expected, 2),
                    "ratio": round(count / expected, 1), "score": round(score, 1)})  # fmt: skip
    out.sort(key=lambda h: (-h["score"], -h["count"], h["word"]))
    return out


def _total(counters: Iterable[Counter]) -> Counter:
    total: Counter = Counter()
    for c in counters:
        total.update(c)
    return total


class HotWords:
    """The detector for one database: its segmenter (place names from the reference tables) and the
    cache of complete baseline days."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as conn:
            names = [*conn.scalars(select(Township.name)), *conn.scalars(select(District.name))]
        self.segmenter = Segmenter(names)
        self._days: dict[tuple[datetime, int], dict[str, Counter]] = {}
        self._warming: threading.Thread | None = None
        self._warming_lock = threading.Lock()

    def _rows(self, start: datetime, end: datetime, scope: Scope) -> list[tuple[str, str, str]]:
        query = select(Case.district_code, Case.township_code, Case.description).where(
            Case.received_at >= start, Case.received_at < end, scope.where(Case.district_code)
        )
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]

    def _day(self, start: datetime) -> dict[str, Counter]:
        """Per district word counts of one complete local day, computed once per (day, order count)."""
        end = start + timedelta(days=1)
        with self.engine.connect() as conn:
            n = conn.scalar(select(func.count()).where(Case.received_at >= start, Case.received_at < end))
        key = (start, int(n or 0))
        if key not in self._days:
            rows = self._rows(start, end, Scope.all())
            self._days[key] = count_words(((d, text) for d, _t, text in rows), self.segmenter)
            self._days = {k: v for k, v in self._days.items() if k[0] >= start - timedelta(days=60)}
        return self._days[key]

    def baseline_starts(self, rules: HotWordRules, now: datetime, tz: ZoneInfo) -> list[datetime]:
        """Local midnights of the baseline days: the complete days before the window's first day."""
        first = local_day_start(now - timedelta(hours=rules.window_hours), tz) - timedelta(days=rules.baseline_days)
        return [local_day_start(first + timedelta(days=i, hours=12), tz) for i in range(rules.baseline_days)]

    def warm(self, rules: HotWordRules, now: datetime, tz: ZoneInfo) -> bool:
        """True when every baseline day is cached; otherwise start caching them on a background thread."""
        if all(any(k[0] == start for k in self._days) for start in self.baseline_starts(rules, now, tz)):
            return True
        with self._warming_lock:
            if self._warming is None or not self._warming.is_alive():
                starts = self.baseline_starts(rules, now, tz)
                self._warming = threading.Thread(target=lambda: [self._day(d) for d in starts], daemon=True,
                                                 name="hot-words-warm-up")  # fmt: skip
                self._warming.start()
        return False

    def compute(self, rules: HotWordRules, now: datetime, tz: ZoneInfo, scope: Scope) -> dict:
        """City and per district hot words; each city word with its orders per township (for the map)."""
        window = timedelta(hours=rules.window_hours)
        rows = self._rows(now - window, now + timedelta(seconds=1), scope)
        by_town = count_words(((t, text) for _d, t, text in rows), self.segmenter)
        district_of = {t: d for d, t, _text in rows}
        by_district: dict[str, Counter] = {}
        for town, counter in by_town.items():
            by_district.setdefault(district_of[town], Counter()).update(counter)
        days = [self._day(start) for start in self.baseline_starts(rules, now, tz)]
        windows = rules.baseline_days * 24 / rules.window_hours
        allowed = (lambda d: True) if scope.districts is None else scope.districts.__contains__
        base_by_district = {d: _total(day.get(d, Counter()) for day in days) for d in by_district if allowed(d)}
        city = surging(_total(by_district.values()), _total(base_by_district.values()), windows, rules)[: rules.top_n]
        for hot in city:
            hot["townships"] = {t: c[hot["word"]] for t, c in by_town.items() if c.get(hot["word"])}
        return {
            "window_hours": rules.window_hours,
            "baseline_days": rules.baseline_days,
            "as_of": now.isoformat(),
            "city": city,
            "district": {
                d: surging(counter, base_by_district.get(d, Counter()), windows, rules)[:DISTRICT_TOP]
                for d, counter in sorted(by_district.items())
            },
        }


_detectors: dict[int, HotWords] = {}
_detectors_lock = threading.Lock()


def hot_words(engine: Engine, rules: Rules, now: datetime, tz: ZoneInfo, scope: Scope, *, block: bool = True) -> dict:
    """The snapshot part: one detector per engine, kept for its baseline cache.

    With `block=False` (the poller) a cold cache is filled on a background thread and `{}` ("no
    data yet") is returned meanwhile, so the first tick never waits for a week of segmentation.
    """
    with _detectors_lock:
        detector = _detectors.get(id(engine))
        if detector is None or detector.engine is not engine:
            detector = _detectors[id(engine)] = HotWords(engine)
    if not block and not detector.warm(rules.hot_words, now, tz):
        return {}
    return detector.compute(rules.hot_words, now, tz, scope)


def orders_with_word(engine: Engine, word: str, now: datetime, scope: Scope, *, hours: int = 24,
                     township: str | None = None, limit: int = 200) -> list[dict]:  # fmt: skip
    """The orders of the last `hours` whose description names `word`, newest first (case level).

    A scope that sees aggregates only (the wall) gets no rows; descriptions are not returned.
    """
    if scope.aggregates_only or not word:
        return []
    columns = (Case.case_id, Case.received_at, Case.district_code, Case.township_code, Case.category,
               Case.subcategory, Case.urgency, Case.status)  # fmt: skip
    query = (
        select(*columns)
        .where(Case.received_at >= now - timedelta(hours=hours), Case.received_at <= now)
        .where(Case.description.contains(word, autoescape=True), scope.where(Case.district_code))
        .order_by(Case.received_at.desc())
        .limit(limit)
    )
    if township:
        query = query.where(Case.township_code == township)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def word_drilldown(engine: Engine, word: str, now: datetime, scope: Scope, *, kiosk: bool) -> list[dict] | None:
    """The orders naming `word` for a page's drill-down; None when the page may list no orders at all:
    a scope of aggregates only, or a kiosk page whoever is logged in (a wall in a lobby)."""
    if scope.aggregates_only or kiosk:
        return None
    return orders_with_word(engine, word, now, scope)
