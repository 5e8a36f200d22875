/* Ticks everything time-based in the browser, once a second, with no server call:
   the header clock, every SLA countdown ([data-due]) and the freshness badge. */
(function () {
  "use strict";
  var TZ = "Asia/Shanghai";
  var WEEK_ZH = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
  var WEEK_EN = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function parts(date) {
    var f = new Intl.DateTimeFormat("en-GB", {
      timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, weekday: "short"
    });
    var out = {};
    f.formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }

  function hms(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return pad(h) + ":" + pad(m) + ":" + pad(s);
  }

  /* "2天 03:12:45" over a day, "03:12:45" under, "超期 01:02:03" past the deadline (DESIGN.md). */
  window.hotlineCountdown = function (dueMs, nowMs, lang) {
    var left = Math.round((dueMs - nowMs) / 1000);
    var en = lang === "en";
    if (left < 0) {
      var over = -left, od = Math.floor(over / 86400);
      var body = (od > 0 ? od + (en ? "d " : "天 ") : "") + hms(over % 86400);
      return (en ? "overdue " : "超期 ") + body;
    }
    var d = Math.floor(left / 86400);
    return d > 0 ? d + (en ? "d " : "天 ") + hms(left % 86400) : hms(left);
  };

  function lang() {
    return /[?&]lang=en\b/.test(window.location.search) ? "en" : "zh";
  }

  function tickClock(now) {
    var el = document.getElementById("header-clock");
    if (!el) return;
    var p = parts(now), en = lang() === "en";
    var wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(p.weekday);
    el.textContent = p.year + "-" + p.month + "-" + p.day + " " + (en ? WEEK_EN[wd] : WEEK_ZH[wd]) +
      " " + p.hour + ":" + p.minute + ":" + p.second;
  }

  function tickCountdowns(now) {
    var cells = document.querySelectorAll("[data-due]");
    for (var i = 0; i < cells.length; i++) {
      var due = Date.parse(cells[i].getAttribute("data-due"));
      if (isNaN(due)) continue;
      var text = window.hotlineCountdown(due, now.getTime(), cells[i].getAttribute("data-lang") || lang());
      if (cells[i].textContent !== text) cells[i].textContent = text;
      if (due < now.getTime()) cells[i].parentNode.classList.add("state-overdue");
    }
  }

  /* Ages from the poller's last successful database read (data_as_of). A healthy pipeline is up to
     about two intervals old when seen (one between ticks, one between the browser's polls, plus the
     tick itself), so: green live; amber past 4 poll intervals (ticks stopped or failing); red past 10. */
  function tickFreshness(now) {
    var badge = document.getElementById("freshness-badge");
    var source = document.getElementById("data-time-source");
    var page = document.querySelector("[data-poll-seconds]");
    if (!badge || !source || !page) return;
    var en = lang() === "en";
    var generated = Date.parse(source.textContent);
    if (isNaN(generated)) return;
    var poll = parseFloat(page.getAttribute("data-poll-seconds")) || 5;
    var age = Math.max(0, Math.round((now.getTime() - generated) / 1000));
    var p = parts(new Date(generated));
    var stamp = (en ? "Data as of " : "数据时间 ") + p.hour + ":" + p.minute + ":" + p.second;
    var cls, label;
    if (age > 10 * poll) {
      cls = "freshness-stale";
      label = (en ? "stale " : "数据过期 ") + (age >= 3600 ? hms(age) : age + (en ? " s" : " 秒"));
    } else if (age > 4 * poll) {
      cls = "freshness-late"; label = (en ? "late " : "延迟 ") + age + (en ? " s" : " 秒");
    } else {
      cls = "freshness-live"; label = en ? "live" : "实时";
    }
    var text = stamp + " ● " + label;
    if (badge.textContent !== text) badge.textContent = text;
    badge.className = "freshness " + cls;
    badge.setAttribute("data-age", String(age));
  }

  function tick() {
    var now = new Date();
    tickClock(now);
    tickCountdowns(now);
    tickFreshness(now);
  }

  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
