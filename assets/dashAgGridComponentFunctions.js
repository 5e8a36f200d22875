/* Cell renderers of the SLA board and the rankings grid (dash-ag-grid looks them up by name here).
   Everything runs offline in the browser; the server only sends values. */
(function () {
  "use strict";
  function h() { return window.React.createElement.apply(null, arguments); }
  var components = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});
  var functions = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

  /* One shared one-second timer for every visible countdown cell: cells subscribe on mount and
     unsubscribe on destroy, so scrolling through 20k rows never leaves intervals behind. */
  var listeners = new Set();
  var timer = null;
  function subscribe(fn) {
    listeners.add(fn);
    if (timer === null) {
      timer = setInterval(function () {
        var now = Date.now();
        listeners.forEach(function (l) { l(now); });
      }, 1000);
    }
    return function () {
      listeners.delete(fn);
      if (listeners.size === 0 && timer !== null) { clearInterval(timer); timer = null; }
    };
  }

  /* "2天 03:12:45" / "03:12:45" / "超期 01:02:03": the same text as assets/ticker.js. */
  components.Countdown = function (props) {
    var due = props.value;
    var lang = (props.colDef.cellRendererParams || {}).lang || "zh";
    var state = window.React.useState(Date.now());
    var now = state[0], setNow = state[1];
    window.React.useEffect(function () { return subscribe(setNow); }, []);
    if (due === undefined || due === null) return null;
    var text = window.hotlineCountdown ? window.hotlineCountdown(due, now, lang) : "";
    return h("span", { className: "countdown" + (due < now ? " countdown-overdue" : "") }, text);
  };

  /* A label chip coloured by its code (state or urgency); the label text is always there. */
  components.Chip = function (props) {
    if (!props.data) return null;
    var p = props.colDef.cellRendererParams || {};
    return h("span", { className: "chip " + p.prefix + "-chip " + p.prefix + "-" + props.value },
             props.data[p.labelField]);
  };

  /* A link inside the single-page app: push the URL like dcc.Link, so the router renders the page. */
  components.UnitLink = function (props) {
    if (!props.data) return null;
    var href = props.data.href;
    return h("a", {
      href: href,
      className: "grid-link",
      onClick: function (e) {
        if (e.ctrlKey || e.metaKey || e.shiftKey) return;
        e.preventDefault();
        window.history.pushState({}, "", href);
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        window.scrollTo(0, 0);
      }
    }, props.value);
  };

  /* The monthly lists a unit is on, as labelled chips. */
  components.ClassChips = function (props) {
    var labels = (props.colDef.cellRendererParams || {}).labels || {};
    var names = props.value || [];
    return h("span", { className: "class-chips" }, names.map(function (name) {
      return h("span", { key: name, className: "class-chip class-chip-" + name }, labels[name] || name);
    }));
  };

  /* Last six months' composite, drawn from the points the server computed (layouts/rankings.py
     spark_segments): one polyline per run of months with a score, a dot for a lone month. */
  components.Sparkline = function (props) {
    var segments = props.value || [];
    if (segments.length === 0) return h("span", { className: "spark-empty" }, "—");
    var shapes = segments.map(function (points, i) {
      if (points.indexOf(" ") > 0) return h("polyline", { key: i, points: points, className: "spark-line" });
      var xy = points.split(",");
      return h("circle", { key: i, cx: xy[0], cy: xy[1], r: 2, className: "spark-point" });
    });
    return h("svg", { className: "sparkline", viewBox: "0 0 96 28", width: 96, height: 28, role: "img",
                      "aria-label": props.data && props.data.spark_text }, shapes);
  };

  /* Sorting the rankings never mixes in units with too small a sample: they stay at the bottom. */
  functions.rankedFirst = function (a, b, nodeA, nodeB, isDescending) {
    var ua = !nodeA || !nodeA.data || nodeA.data.rank === null;
    var ub = !nodeB || !nodeB.data || nodeB.data.rank === null;
    if (ua !== ub) return (ua ? 1 : -1) * (isDescending ? -1 : 1);
    if (a === b) return 0;
    if (a === null || a === undefined) return isDescending ? -1 : 1;
    if (b === null || b === undefined) return isDescending ? 1 : -1;
    return a < b ? -1 : 1;
  };
})();
