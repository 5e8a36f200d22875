/* Heartbeat of a wall screen (issue 16): every 30 s POST /api/v1/screens/heartbeat with the screen's
   name (?screen=, else a name kept for this tab), the page, the data time shown, the JS heap where
   the browser reports it (Chromium's performance.memory) and the time of the last render (from
   watchdog.js). The answer may carry a command from the operator page: "reload". Wall only. */
(function () {
  "use strict";
  var EVERY_MS = 30000;

  function param(name) {
    var match = new RegExp("[?&]" + name + "=([^&]*)").exec(window.location.search);
    return match ? decodeURIComponent(match[1].replace(/\+/g, " ")) : null;
  }

  function screenName() {
    var named = param("screen");
    if (named) return named;
    var kept = window.sessionStorage.getItem("hotline-screen");
    if (!kept) {
      kept = "screen-" + Math.random().toString(36).slice(2, 8);
      window.sessionStorage.setItem("hotline-screen", kept);
    }
    return kept;
  }

  function beat() {
    var wd = window.hotlineWatchdog;
    var memory = window.performance && window.performance.memory;
    var body = {
      screen: screenName(),
      page: window.location.pathname,
      data_time: wd ? wd.shown() : "",
      heap_mb: memory ? memory.usedJSHeapSize / 1048576 : null,
      rendered_at: wd ? wd.lastRender() : null,
      user_agent: navigator.userAgent,
    };
    fetch("/api/v1/screens/heartbeat", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) { if (answer && answer.command === "reload") window.location.reload(); })
      .catch(function () { /* the server is down: reconnect.js shows it */ });
  }

  window.hotlineHeartbeat = { beat: beat, screenName: screenName };
  if (!/[?&](kiosk=(1|true|yes)|screen=)/.test(window.location.search)) return;
  window.setTimeout(beat, 3000);
  window.setInterval(beat, EVERY_MS);
})();
