/* Dashboard charts: drawn with ECharts from the indicators API. Without ECharts (or JavaScript) the
   server-rendered tables below each chart carry the same data, so nothing here is required. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || typeof window.echarts === "undefined") { return; }
  var unit = root.dataset.unit, ratio = root.dataset.kind === "ratio", current = root.dataset.region;
  // Names and units in the page's language come from the page (the API speaks the catalog's Chinese).
  var name = root.dataset.name, yoyLabel = root.dataset.yoyLabel, yoyUnit = root.dataset.yoyUnit;
  var charts = [];

  function num(v) { return v === null || v === undefined ? null : Number(v); }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  function chart(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = window.echarts.init(el, null, { renderer: "svg" });
    charts.push(c);
    return c;
  }
  function drillTo(tableId, region) {
    var a = document.querySelector("#" + tableId + " a[data-region='" + region + "']");
    if (a) { window.location.href = a.href; }
  }

  if (root.dataset.trendUrl) {
    getJSON(root.dataset.trendUrl).then(function (data) {
      var c = chart("trend-chart");
      if (!c) { return; }
      var periods = data.points.map(function (p) { return p.period; });
      c.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { data: [name, yoyLabel] },
        grid: { left: 60, right: 60, bottom: 40 },
        xAxis: { type: "category", data: periods },
        yAxis: [{ type: "value", name: unit }, { type: "value", name: yoyUnit }],
        series: [
          { name: name, type: "line", data: data.points.map(function (p) { return num(p.value); }), connectNulls: false },
          { name: yoyLabel, type: "bar", yAxisIndex: 1, barMaxWidth: 8,
            data: data.points.map(function (p) { return num(ratio ? p.yoy_pp : p.yoy_pct); }) }
        ]
      });
    }).catch(function () {});
  }

  function bars(id, tableId, data, highlight) {
    var c = chart(id);
    if (!c) { return; }
    var rows = data.rows.filter(function (r) { return r.value !== null; }).slice().reverse();
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 110, right: 40, top: 10, bottom: 30 },
      xAxis: { type: "value", name: unit },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [{
        type: "bar", name: name,
        data: rows.map(function (r) {
          return { value: num(r.value), region: r.region,
                   itemStyle: { color: highlight && r.region === current ? "#b42318" : "#1d4f91" } };
        })
      }]
    });
    c.on("click", function (p) { if (p.data && p.data.region) { drillTo(tableId, p.data.region); } });
    var el = document.getElementById(id);
    el.style.height = Math.max(240, rows.length * 22 + 50) + "px";
    c.resize();
  }

  if (root.dataset.rankingUrl) {
    getJSON(root.dataset.rankingUrl).then(function (d) { bars("ranking-chart", "ranking-table", d, true); })
      .catch(function () {});
  }
  if (root.dataset.breakdownUrl) {
    getJSON(root.dataset.breakdownUrl).then(function (d) { bars("towns-chart", "towns-table", d, false); })
      .catch(function () {});
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
