/* Keeps an unattended screen attached to its server (issue 6).
   Every poll interval it asks /api/v1/version (tiny, served from the cache) and reloads the page
   when the deployment changed (boot_id differs from the one at load) or when the server answers
   again after being unreachable (a restart). While unreachable it marks <html data-connection="lost">
   and shows #connection-banner, so the screen says so; the freshness badge keeps ageing meanwhile. */
(function () {
  "use strict";
  var LOST_AFTER = 2; /* consecutive failures before the screen says the connection is lost */
  var bootId = null;
  var failures = 0;

  function pollSeconds() {
    var page = document.querySelector("[data-poll-seconds]");
    return (page && parseFloat(page.getAttribute("data-poll-seconds"))) || 5;
  }

  function english() {
    return /[?&]lang=en\b/.test(window.location.search);
  }

  function showLost(lost) {
    document.documentElement.setAttribute("data-connection", lost ? "lost" : "ok");
    var banner = document.getElementById("connection-banner");
    if (!banner && lost) {
      banner = document.createElement("div");
      banner.id = "connection-banner";
      banner.className = "connection-banner";
      banner.setAttribute("role", "status");
      document.body.insertBefore(banner, document.body.firstChild);
    }
    if (banner) {
      banner.textContent = english() ? "Connection to the server lost, reconnecting…" : "与服务器的连接已中断，正在重连…";
      banner.hidden = !lost;
    }
  }

  function answered(body) {
    if (bootId === null) bootId = body.boot_id;
    if (body.boot_id !== bootId || failures >= LOST_AFTER) {
      window.location.reload();
      return;
    }
    failures = 0;
    showLost(false);
  }

  function failed() {
    failures += 1;
    if (failures >= LOST_AFTER) showLost(true);
  }

  function check() {
    fetch("/api/v1/version", { cache: "no-store" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(answered, failed)
      .then(function () { window.setTimeout(check, pollSeconds() * 1000); });
  }

  window.hotlineReconnect = { state: function () { return { bootId: bootId, failures: failures }; } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", check);
  else check();
})();
