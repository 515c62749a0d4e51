/* Results page charts: totals by unit and the grade distribution (ECharts, vendored).
   Data comes from the JSON block #results-chart-data written by the server. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", ' +
    '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';

  function start() {
    var source = document.getElementById("results-chart-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];

    var totalsEl = document.getElementById("chart-totals");
    if (totalsEl && data.units.length) {
      // one bar per unit, best at the top; the box grows with the number of units
      totalsEl.style.height = Math.max(320, data.units.length * 24 + 90) + "px";
      var names = data.units.slice().reverse();
      var bars = data.totals.map(function (total, i) {
        return {
          value: total,
          itemStyle: {
            color: data.colors[data.grades[i]] || "#64748b",
            decal: data.vetoed[i] ? { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [3, 3], rotation: 0.8 } : null,
            opacity: data.vetoed[i] ? 0.55 : 1
          }
        };
      }).reverse();
      var totals = echarts.init(totalsEl);
      totals.setOption({
        textStyle: { fontFamily: FONT },
        grid: { left: 8, right: 48, top: 30, bottom: 24, containLabel: true },
        tooltip: {
          trigger: "axis", axisPointer: { type: "shadow" },
          formatter: function (items) {
            var p = items[0];
            var i = data.units.length - 1 - p.dataIndex;
            return p.name + "<br>" + data.labels.total + "：" + Number(p.value).toFixed(2) +
              "<br>" + data.labels.grade + "：" + (data.grades[i] || "—") +
              (data.vetoed[i] ? "<br>" + data.labels.vetoed : "");
          }
        },
        xAxis: { type: "value", min: data.axisMin, max: 100, splitLine: { lineStyle: { color: "#eef1f5" } } },
        yAxis: {
          type: "category", data: names,
          axisLabel: {
            width: window.innerWidth < 600 ? 96 : 190, overflow: "truncate", fontSize: 12
          },
          axisTick: { show: false }
        },
        series: [{
          type: "bar", data: bars, barMaxWidth: 18,
          label: { show: true, position: "right", fontSize: 11, formatter: function (p) { return Number(p.value).toFixed(1); } },
          markLine: {
            silent: true, symbol: "none",
            lineStyle: { type: "dashed", color: "#94a3b8" },
            label: { formatter: function (p) { return p.name; }, position: "end", distance: 4, fontSize: 11, color: "#64748b" },
            data: data.thresholds.map(function (t) { return { name: t.name, xAxis: t.min }; })
          }
        }]
      });
      charts.push(totals);
    }

    var gradesEl = document.getElementById("chart-grades");
    if (gradesEl) {
      var grades = echarts.init(gradesEl);
      grades.setOption({
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0, icon: "circle" },
        series: [{
          type: "pie", radius: ["42%", "68%"], center: ["50%", "45%"],
          avoidLabelOverlap: true,
          itemStyle: { borderColor: "#fff", borderWidth: 2 },
          label: { formatter: "{b}\n{c}", fontSize: 12, overflow: "none" },
          data: data.gradeCounts.map(function (g) {
            return { name: g.name, value: g.value, itemStyle: { color: data.colors[g.name] || "#64748b" } };
          })
        }]
      });
      charts.push(grades);
    }

    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
