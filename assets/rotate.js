/* Wall playlist: with ?kiosk=1&rotate=SECONDS the wall moves through overview -> map -> SLA board
   -> rankings with a slow cross-fade, keeping the query (language, kiosk, rotate) on every page. */
(function () {
  "use strict";
  var PLAYLIST = ["/", "/map", "/sla", "/rankings"];
  var FADE_MS = 700;

  function seconds() {
    var match = /[?&]rotate=(\d+)/.exec(window.location.search);
    return match ? Math.max(10, parseInt(match[1], 10)) : 0;
  }

  function next() {
    var here = PLAYLIST.indexOf(window.location.pathname.replace(/\/$/, "") || "/");
    return PLAYLIST[(here + 1) % PLAYLIST.length];
  }

  function go() {
    var page = document.getElementById("page-content");
    if (page) page.classList.add("fading");
    setTimeout(function () {
      window.history.pushState({}, "", next() + window.location.search);
      window.dispatchEvent(new PopStateEvent("popstate"));
      setTimeout(function () { if (page) page.classList.remove("fading"); }, 60);
    }, FADE_MS);
  }

  var wait = 0;
  setInterval(function () {
    var every = seconds();
    if (!every) { wait = 0; return; }
    wait += 1;
    if (wait >= every) { wait = 0; go(); }
  }, 1000);
})();
