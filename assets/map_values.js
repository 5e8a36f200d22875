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
  var BOUNDS = [[115.42, 39.44], [117.51, 41.06]];
  var fitted = new WeakSet();

  function fit() {
    document.querySelectorAll("[data-fit-beijing] .js-plotly-plot").forEach(function (gd) {
      var sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (fitted.has(gd) || !sub || !sub.map || !sub.map.loaded()) return;
      var camera = sub.map.cameraForBounds(BOUNDS, { padding: 12 });
      if (!camera) return;
      fitted.add(gd);
      // Move the maplibre camera directly: a plotly relayout re-diffs the map style, which fails
      // on our source-less offline style; plotly picks the new view up from maplibre's events.
      sub.map.jumpTo(camera);
    });
  }
  setInterval(fit, 400);
})();
