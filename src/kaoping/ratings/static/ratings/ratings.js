/* 好差评 charts (ECharts, vendored): the dashboard and a window's public record.
   Data come from the JSON blocks the server writes (#ratings-dashboard-data,
   #ratings-public-data); the pages read fine without this script. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", ' +
    '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';
  var BLUE = "#2563eb", RED = "#dc2626", GREY = "#94a3b8";
  // levels best → worst: the office sees colours; the citizen's pages have none
  var LEVEL_COLOURS = ["#15803d", "#65a30d", "#d97706", "#ea580c", "#b91c1c"];
  var charts = [];

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function init(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = echarts.init(el);
    charts.push(c);
    return c;
  }

  function empty(chart, text) {
    chart.setOption({
      textStyle: { fontFamily: FONT },
      title: { text: text, left: "center", top: "middle", textStyle: { color: GREY, fontSize: 14, fontWeight: "normal" } }
    });
  }

  function trendChart(id, trend, labels) {
    var c = init(id);
    if (!c) { return; }
    var any = trend.some(function (m) { return m.count > 0; });
    if (!any) { empty(c, labels.none || ""); return; }
    c.setOption({
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: trend.map(function (m) { return m.period.slice(2); }) },
      yAxis: [
        { type: "value", name: labels.count, minInterval: 1, splitLine: { lineStyle: { color: "#eef1f5" } } },
        { type: "value", name: labels.satisfaction, min: 0, max: 100, splitLine: { show: false } }
      ],
      series: [
        { name: labels.count, type: "bar", data: trend.map(function (m) { return m.count; }),
          itemStyle: { color: "#93c5fd" }, barMaxWidth: 22 },
        { name: labels.satisfaction, type: "line", yAxisIndex: 1, connectNulls: false, smooth: false,
          data: trend.map(function (m) { return m.satisfaction === null ? null : Number(m.satisfaction.toFixed(2)); }),
          itemStyle: { color: BLUE }, lineStyle: { width: 2 }, symbolSize: 6 }
      ]
    });
  }

  function dashboard(d) {
    trendChart("chart-trend", d.trend, d.labels);

    var lv = init("chart-levels");
    if (lv) {
      var total = d.levels.reduce(function (s, x) { return s + x.value; }, 0);
      if (!total) { empty(lv, d.labels.none); } else {
        lv.setOption({
          textStyle: { fontFamily: FONT },
          tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
          legend: { bottom: 0, icon: "circle" },
          series: [{
            type: "pie", radius: ["40%", "66%"], center: ["50%", "44%"],
            itemStyle: { borderColor: "#fff", borderWidth: 2 },
            label: { show: window.innerWidth >= 600, formatter: "{b}\n{c}", fontSize: 12 },
            data: d.levels.map(function (x, i) { return { name: x.name, value: x.value, itemStyle: { color: LEVEL_COLOURS[i] } }; })
          }]
        });
      }
    }

    var rk = document.getElementById("chart-ranking");
    if (rk && d.ranking.length) {
      rk.style.height = Math.max(260, d.ranking.length * 28 + 60) + "px";
      var r = init("chart-ranking");
      var rows = d.ranking.slice().reverse();
      r.setOption({
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
          formatter: function (items) {
            var p = items[0], row = rows[p.dataIndex];
            return row.name + "（" + row.hall + "）<br>" + d.labels.satisfaction + "：" + row.satisfaction.toFixed(1) +
              "<br>" + d.labels.count + "：" + row.count;
          } },
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", min: 0, max: 100, splitLine: { lineStyle: { color: "#eef1f5" } } },
        yAxis: { type: "category", data: rows.map(function (x) { return x.name; }), axisTick: { show: false },
          axisLabel: { width: window.innerWidth < 600 ? 110 : 220, overflow: "truncate" } },
        series: [{ type: "bar", barMaxWidth: 18,
          data: rows.map(function (x) { return { value: x.satisfaction, itemStyle: { color: x.satisfaction < 80 ? RED : BLUE } }; }),
          label: { show: true, position: "right", formatter: function (p) { return Number(p.value).toFixed(1); } },
          markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: GREY },
            label: { formatter: "80", position: "end" }, data: [{ xAxis: 80 }] } }]
      });
    }

    var ph = init("chart-phrases");
    if (ph) {
      var p = d.phrases;
      if (!p || !p.series || !p.series.length) { empty(ph, d.labels.none); } else {
        ph.setOption({
          textStyle: { fontFamily: FONT },
          tooltip: { trigger: "axis" },
          legend: { type: "scroll", top: 0 },
          grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
          xAxis: { type: "category", data: p.periods.map(function (x) { return x.slice(2); }) },
          yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef1f5" } } },
          series: p.series.map(function (s) { return { name: s.name, type: "line", data: s.data, symbolSize: 5 }; })
        });
      }
    }
  }

  function start() {
    if (typeof echarts === "undefined") { return; }
    var d = data("ratings-dashboard-data");
    if (d) { dashboard(d); }
    var pub = data("ratings-public-data");
    if (pub) { trendChart("chart-public-trend", pub.trend, pub.labels); }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
