/* Watchdog for unattended wall screens (issue 16): a page that stops rendering reloads itself.
   "Rendering" means the data time the page shows (#data-time-source, set when a new snapshot is
   drawn) moves. Every 30 s the watchdog asks /api/v1/version; when the server has a snapshot more
   than STALL_SECONDS newer than the one on screen (the server is fine, the tab is stuck: a wedged
   callback, a leaking renderer), the page reloads. When the server itself is down, reconnect.js
   handles it and the watchdog does nothing. Active on the wall only (?kiosk=1 or ?screen=). */
(function () {
  "use strict";
  var STALL_SECONDS = 180;
  var CHECK_MS = 30000;
  var loadedAt = Date.now();
  var lastRender = null;
  var shown = "";

  function onWall() {
    return /[?&](kiosk=(1|true|yes)|screen=)/.test(window.location.search);
  }

  function dataTime() {
    var el = document.getElementById("data-time-source");
    return el ? el.textContent : "";
  }

  function noteRender() {
    var now = dataTime();
    if (now && now !== shown) {
      shown = now;
      lastRender = Date.now();
    }
  }

  function shownMillis() {
    var parsed = Date.parse(shown);
    return isNaN(parsed) ? null : parsed;
  }

  function check() {
    noteRender();
    fetch("/api/v1/version", { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || !body.version) return;
        var onScreen = shownMillis();
        var behind = onScreen === null ? (Date.now() - loadedAt) : (body.version - onScreen);
        if (behind > STALL_SECONDS * 1000) window.location.reload();
      })
      .catch(function () { /* server unreachable: reconnect.js shows it */ });
  }

  window.hotlineWatchdog = {
    lastRender: function () { return lastRender; },
    shown: function () { return shown; },
  };
  if (!onWall()) return;
  new MutationObserver(noteRender).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
  window.setInterval(check, CHECK_MS);
})();
