/* The small bar chart of an alert's numbers (data from the page, no requests). */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("alert-chart");
    var src = document.getElementById("alert-chart-data");
    if (!el || !src || !window.echarts) { return; }
    var d = JSON.parse(src.textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var colours = ["#b91c1c", "#64748b", "#94a3b8", "#94a3b8", "#94a3b8"];
    var series = {
      type: "bar", barMaxWidth: 42,
      data: d.values.map(function (v, i) { return { value: v, itemStyle: { color: i === d.values.length - 1 && d.values.length > 2 ? "#94a3b8" : colours[Math.min(i, 1)] } }; }),
      label: { show: true, position: "right", formatter: function (p) { return d.decimals === 0 ? String(p.value) : (+p.value).toFixed(1); } }
    };
    if (d.line !== null && d.line !== undefined) {
      series.markLine = { symbol: "none", lineStyle: { color: "#d97706", type: "dashed" },
        label: { formatter: d.lineLabel + " " + (+d.line).toFixed(1), position: "end" },
        data: [{ xAxis: d.line }] };
    }
    chart.setOption({
      title: { text: d.title, textStyle: { fontSize: 13, fontWeight: 600 }, left: 0 },
      grid: { left: 8, right: 48, top: 52, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: d.decimals === 0 ? 1 : null, splitLine: { lineStyle: { color: "#eef1f5" } } },
      yAxis: { type: "category", data: d.labels, inverse: true, axisTick: { show: false } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      series: [series]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
