/* The "rotation" alert's chart: who held first place in each period (data from the page,
   no requests). One row per holder, a dot where it was first, a step line through the turns. */
(function () {
  "use strict";
  var COLOURS = ["#b91c1c", "#1d4ed8", "#047857", "#b45309", "#6d28d9"];
  function draw() {
    var el = document.getElementById("alert-rotation-chart");
    var src = document.getElementById("alert-rotation-data");
    if (!el || !src || !window.echarts) { return; }
    var d = JSON.parse(src.textContent);
    var narrow = el.clientWidth < 480;
    el.style.height = (96 + (narrow ? 24 : 0) + 40 * d.holders.length) + "px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var turn = d.periods.map(function () { return null; });
    d.firsts.forEach(function (f) { if (turn[f[0]] === null) { turn[f[0]] = f[1]; } });
    var series = [{
      type: "line", step: "middle", data: turn, symbol: "none", silent: true, z: 1,
      lineStyle: { color: "#cbd5e1", width: 2, type: "dashed" }
    }];
    d.holders.forEach(function (name, h) {
      series.push({
        name: name, type: "scatter", symbolSize: 18, z: 2,
        itemStyle: { color: COLOURS[h % COLOURS.length] },
        data: d.firsts.filter(function (f) { return f[1] === h; }).map(function (f) { return [f[0], f[1]]; })
      });
    });
    chart.setOption({
      title: { text: d.title, textStyle: { fontSize: 13, fontWeight: 600 }, left: 0 },
      grid: { left: 8, right: 16, top: 44, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.periods, boundaryGap: true, axisTick: { alignWithLabel: true },
               axisLabel: { interval: 0, rotate: narrow ? 45 : 0, fontSize: narrow ? 10 : 12 } },
      yAxis: { type: "category", data: d.holders, boundaryGap: true, inverse: true, axisTick: { show: false },
               axisLabel: { fontSize: narrow ? 10 : 12 },
               splitLine: { show: true, lineStyle: { color: "#eef1f5" } } },
      tooltip: { trigger: "item", formatter: function (p) {
        return d.periods[p.value[0]] + "：" + d.holders[p.value[1]] + " " + d.mark;
      } },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
