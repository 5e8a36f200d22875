/* AG Grid value formatters as named functions (layouts refer to them as {"function": "name(params)"}),
   so the grids' column definitions carry no code: the CSP needs no 'unsafe-eval' (issue 12). */
(function () {
  var functions = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

  /* 0.934 -> "93.4%"; a missing rate is a dash, never 0. */
  functions.percent1 = function (params) {
    return params.value === null || params.value === undefined ? "\u2014" : (params.value * 100).toFixed(1) + "%";
  };

  /* 93.94 -> "93.9". */
  functions.fixed1 = function (params) {
    return params.value === null || params.value === undefined ? "\u2014" : Number(params.value).toFixed(1);
  };

  /* The text the server formatted for this cell (row.fmt[field]): numbers sort, texts show. */
  functions.shownText = function (params) {
    return params.data && params.data.fmt ? params.data.fmt[params.colDef.field] : "";
  };
})();
