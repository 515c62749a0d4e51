/* A unit's page: the shortfall radar (unit vs campaign mean) and the trend across
   periods (ECharts, vendored). Data: the JSON block #unit-chart-data. */
(function () {
  "use strict";
  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", ' +
    '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';
  var UNIT = "#0f4c92", MEAN = "#94a3b8";

  function start() {
    var source = document.getElementById("unit-chart-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var narrow = window.innerWidth < 600;
    var charts = [];

    var radarEl = document.getElementById("chart-radar");
    if (radarEl && data.radar.indicators.length >= 3) {
      // start the axes below the lowest value so that shortfalls stand out
      var all = data.radar.unit.concat(data.radar.mean);
      var floor = Math.max(0, Math.floor((Math.min.apply(null, all) - 10) / 10) * 10);
      var indicators = data.radar.indicators.map(function (ind) { return { name: ind.name, max: ind.max, min: floor }; });
      var radar = echarts.init(radarEl);
      radar.setOption({
        textStyle: { fontFamily: FONT },
        color: [UNIT, MEAN],
        tooltip: { trigger: "item", confine: true },
        legend: { bottom: 0, data: [data.labels.unit, data.labels.mean] },
        radar: {
          indicator: indicators, radius: narrow ? "58%" : "66%", center: ["50%", "47%"],
          splitNumber: 4, axisName: { color: "#374151", fontSize: narrow ? 11 : 12,
            formatter: function (v) { return narrow && v.length > 6 ? v.slice(0, 6) + "…" : v; } },
          splitArea: { areaStyle: { color: ["#fafbfc", "#f3f5f8"] } }
        },
        series: [{
          type: "radar",
          data: [
            { name: data.labels.unit, value: data.radar.unit, areaStyle: { opacity: 0.25 }, symbolSize: 5 },
            { name: data.labels.mean, value: data.radar.mean, lineStyle: { type: "dashed" }, symbolSize: 3 }
          ]
        }]
      });
      charts.push(radar);
    } else if (radarEl) {
      radarEl.classList.add("empty");
      radarEl.style.height = "auto";
      radarEl.textContent = "—";
    }

    var trendEl = document.getElementById("chart-trend");
    if (trendEl) {
      var t = data.trend;
      var trend = echarts.init(trendEl);
      var values = t.scores.concat(t.means).filter(function (v) { return v !== null; });
      var low = Math.max(0, Math.floor((Math.min.apply(null, values) - 5) / 10) * 10);
      trend.setOption({
        textStyle: { fontFamily: FONT },
        color: [UNIT, MEAN],
        tooltip: {
          trigger: "axis", confine: true,
          formatter: function (items) {
            var i = items[0].dataIndex;
            var lines = [t.labels[i]];
            items.forEach(function (p) {
              if (p.value !== null && p.value !== undefined) { lines.push(p.marker + p.seriesName + "：" + p.value); }
            });
            if (t.ranks[i]) { lines.push(data.labels.rank + "：" + t.ranks[i]); }
            return lines.join("<br>");
          }
        },
        legend: { bottom: 0, data: [data.labels.unit, data.labels.mean] },
        grid: { left: 8, right: 16, top: 24, bottom: 40, containLabel: true },
        xAxis: { type: "category", data: t.codes, axisLabel: { fontSize: 11, interval: 0,
          formatter: function (v) { return v.length > 8 ? v.slice(0, 8) + "…" : v; }, rotate: narrow && t.labels.length > 2 ? 30 : 0 } },
        yAxis: { type: "value", min: low, max: 100, splitLine: { lineStyle: { color: "#eef1f5" } } },
        series: [
          { name: data.labels.unit, type: "line", data: t.scores, connectNulls: true, symbolSize: 8,
            label: { show: true, position: "top", fontSize: 11 }, lineStyle: { width: 3 } },
          { name: data.labels.mean, type: "line", data: t.means, connectNulls: true, symbol: "circle", symbolSize: 4,
            lineStyle: { type: "dashed" } }
        ]
      });
      charts.push(trend);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
