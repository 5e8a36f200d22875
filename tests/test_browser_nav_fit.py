"""The header's navigation keeps one row, language switch included, on a tablet, a laptop and a desktop, in
both languages.

Seven page links plus the switch wrapped the switch onto a second row in English (1024 and 1920 px);
here its box must start on the first link's row and nothing may overflow the viewport.
"""

from __future__ import annotations

import pytest

from layouts import ids
from tests.shots import SHOTS

pytestmark = pytest.mark.browser

SIZES = {"tablet": (1024, 768), "laptop": (1366, 768), "desktop": (1920, 1080)}
LANGS = {"zh": "", "en": "?lang=en"}
# Tops of the nav links and the switch, and whether anything overflows horizontally.
MEASURE_JS = f"""() => {{
  const nav = document.getElementById('{ids.NAV}');
  const tops = [...nav.querySelectorAll('a')].map(a => a.getBoundingClientRect().top);
  return {{first: tops[0], tops, lang: document.getElementById('{ids.LANG_SWITCH}').getBoundingClientRect().top,
          scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth}};
}}"""


@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize("size", list(SIZES))
def test_navigation_and_language_switch_share_one_row(live_server, watched, size, lang):
    width, height = SIZES[size]
    w = watched(width, height)
    page = w.page
    page.goto(live_server.url + "/" + LANGS[lang])
    page.wait_for_selector(f"#{ids.LANG_SWITCH}", timeout=60_000)
    page.wait_for_selector(f"#{ids.FRESHNESS}:not(.freshness-waiting)", timeout=60_000)  # badge at its real width
    page.wait_for_timeout(500)
    box = page.evaluate(MEASURE_JS)
    page.screenshot(path=str(SHOTS / f"nav-{size}-{lang}-{width}x{height}.png"),
                    clip={"x": 0, "y": 0, "width": width, "height": 160})  # fmt: skip
    assert abs(box["lang"] - box["first"]) < 1, f"the language switch wrapped: {box}"
    assert max(box["tops"]) - min(box["tops"]) < 1, f"a nav link wrapped: {box}"
    assert box["scrollWidth"] <= box["innerWidth"], "no horizontal overflow"
    assert w.console_errors == [], "\n".join(w.console_errors)
