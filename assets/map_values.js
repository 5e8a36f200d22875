/* Map refresh in the browser: the snapshot already holds the values, so new colours need no
   server call and no geometry. Restyle waits until maplibre has finished loading, because a
   restyle during load makes plotly's map creation fail ("Map error."). */
(function () {
  "use strict";
  var pending = {};

  function valuesFor(snapshot, gd) {
    var meta = (gd.data[0] && gd.data[0].meta) || {};
    var table = ((snapshot && snapshot.map) || {})[meta.layer] || {};
    return gd.data[0].locations.map(function (code) {
      var row = table[code];
      return row && row[meta.measure] != null ? row[meta.measure] : 0;
    });
  }

  function apply(graphId) {
    var holder = document.getElementById(graphId);
    var gd = holder && holder.querySelector(".js-plotly-plot");
    var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    if (!gd || !gd.data || !sub || !sub.map || !sub.map.loaded()) {
      setTimeout(function () { apply(graphId); }, 300);
      return;
    }
    var snapshot = pending[graphId];
    if (!snapshot) return;
    delete pending[graphId];
    window.Plotly.restyle(gd, { z: [valuesFor(snapshot, gd)] }, [0]);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    hotline: {
      mapValues: function (snapshot, graphId) {
        if (snapshot) {
          var first = !pending[graphId];
          pending[graphId] = snapshot;
          if (first) apply(graphId);
        }
        return window.dash_clientside.no_update;
      }
    }
  });
})();
