// Issue 15: a tap on a rate tile (data-trace-figure) asks for the list behind it. One listener on the
// document, because the tiles are re-rendered with every snapshot; the request goes into a store that
// is not, so a refresh arriving mid-request cannot cancel it.
document.addEventListener("click", function (event) {
  var tile = event.target.closest && event.target.closest("[data-trace-figure]");
  if (!tile || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
  window.dash_clientside.set_props("trace-request", {
    data: { figure: tile.getAttribute("data-trace-figure"), at: Date.now() },
  });
});
