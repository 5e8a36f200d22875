/* Map refresh in the browser: the server sends only the values (one number per area), never the
   geometry again. Restyle waits until maplibre has finished loading, because a restyle during
   load makes plotly's map creation fail ("Map error."). */
(function () {
  "use strict";
  var pending = {};

  function apply(graphId) {
    var holder = document.getElementById(graphId);
    var gd = holder && holder.querySelector(".js-plotly-plot");
    var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    if (!gd || !gd.data || !sub || !sub.map || !sub.map.loaded()) {
      if (pending[graphId]) setTimeout(function () { apply(graphId); }, 300);
      return;
    }
    var values = pending[graphId];
    delete pending[graphId];
    if (values && values.length === gd.data[0].locations.length) {
      window.Plotly.restyle(gd, { z: [values] }, [0]);
    }
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    hotline: {
      mapValues: function (values, graphId) {
        if (values) {
          var waiting = !!pending[graphId];
          pending[graphId] = values;
          if (!waiting) apply(graphId);
        }
        return window.dash_clientside.no_update;
      }
    }
  });
})();

/* Fit Beijing to whatever size the map panel has (1080p wall, 4K wall, tablet), once per graph:
   after that the viewer's own zoom is kept (uirevision). */
(function () {
  "use strict";
  var BEIJING = [[115.42, 39.44], [117.51, 41.06]];
  var fitted = new WeakSet();

  /* data-fit-bounds holds [minx, miny, maxx, maxy] (a district); data-fit-beijing the whole city. */
  function boundsOf(panel) {
    var raw = panel.getAttribute("data-fit-bounds");
    if (!raw) return BEIJING;
    var b = JSON.parse(raw);
    return [[b[0], b[1]], [b[2], b[3]]];
  }

  function fit() {
    document.querySelectorAll("[data-fit-beijing], [data-fit-bounds]").forEach(function (panel) {
      var gd = panel.querySelector(".js-plotly-plot");
      var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (!gd || fitted.has(gd) || !sub || !sub.map || !sub.map.loaded()) return;
      var camera = sub.map.cameraForBounds(boundsOf(panel), { padding: 16 });
      if (!camera) return;
      fitted.add(gd);
      // Move the maplibre camera directly: a plotly relayout re-diffs the map style, which fails
      // on our source-less offline style; plotly picks the new view up from maplibre's events.
      sub.map.jumpTo(camera);
      var view = { center: { lon: camera.center.lng, lat: camera.center.lat }, zoom: camera.zoom };
      [gd.layout, gd._fullLayout].forEach(function (layout) {
        layout.map = layout.map || {};
        layout.map.center = view.center;
        layout.map.zoom = view.zoom;
      });
    });
  }
  setInterval(fit, 400);
})();
