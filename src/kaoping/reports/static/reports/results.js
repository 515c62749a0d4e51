/* Results page charts: totals by unit and the grade distribution (ECharts, vendored).
   Data comes from the JSON block #results-chart-data written by the server.

   The options follow the width of each chart's box, not of the window: on a phone
   (or in the narrow column beside the ranking) the grade cut-off labels are staggered
   so they never overlap, and the pie shows its counts inside the ring with the legend
   below, so no label is cut off at the edge. Resizing across a width re-applies them. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", ' +
    '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';
  var NARROW_BARS = 600;  // px: below this the bar chart uses its compact layout
  var NARROW_PIE = 480;   // px: below this the pie labels go inside the ring
  var ROW = 14;           // px between staggered cut-off labels

  function totalsOption(data, narrow) {
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
    // cut-off lines sorted by score: neighbours take turns on up to three label rows
    var thresholds = data.thresholds.slice().sort(function (a, b) { return a.min - b.min; });
    var rows = narrow ? Math.min(thresholds.length, 3) : 1;
    var lines = thresholds.map(function (t, i) {
      return {
        name: t.name, xAxis: t.min,
        label: { distance: 4 + (rows > 1 ? (i % rows) * ROW : 0) }
      };
    });
    return {
      textStyle: { fontFamily: FONT },
      grid: { left: 4, right: narrow ? 36 : 48, top: 18 + rows * ROW, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
        formatter: function (items) {
          var p = items[0];
          var i = data.units.length - 1 - p.dataIndex;
          return p.name + "<br>" + data.labels.total + "：" + Number(p.value).toFixed(2) +
            "<br>" + data.labels.grade + "：" + (data.grades[i] || "—") +
            (data.vetoed[i] ? "<br>" + data.labels.vetoed : "");
        }
      },
      xAxis: {
        type: "value", min: data.axisMin, max: 100, splitNumber: narrow ? 3 : 6,
        axisLabel: { fontSize: narrow ? 11 : 12 },
        splitLine: { lineStyle: { color: "#eef1f5" } }
      },
      yAxis: {
        type: "category", data: names,
        axisLabel: { width: narrow ? 92 : 190, overflow: "truncate", fontSize: narrow ? 11 : 12 },
        axisTick: { show: false }
      },
      series: [{
        type: "bar", data: bars, barMaxWidth: 18,
        label: {
          show: true, position: "right", fontSize: narrow ? 10 : 11,
          formatter: function (p) { return Number(p.value).toFixed(1); }
        },
        markLine: {
          silent: true, symbol: "none",
          lineStyle: { type: "dashed", color: "#94a3b8" },
          label: {
            formatter: function (p) { return p.name; }, position: "end",
            fontSize: 11, color: "#475569", backgroundColor: "rgba(255,255,255,.85)", padding: [1, 3]
          },
          data: lines
        }
      }]
    };
  }

  function gradesOption(data, narrow) {
    var counts = {};
    data.gradeCounts.forEach(function (g) { counts[g.name] = g.value; });
    return {
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）", confine: true },
      legend: {
        bottom: 0, left: "center", icon: "circle", itemWidth: 10, itemHeight: 10, itemGap: narrow ? 10 : 14,
        formatter: function (name) { return name + " " + counts[name]; }
      },
      series: [{
        type: "pie", radius: narrow ? ["40%", "70%"] : ["42%", "68%"], center: ["50%", "45%"],
        avoidLabelOverlap: true,
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        label: narrow
          ? { position: "inside", formatter: "{c}", fontSize: 13, fontWeight: "bold", color: "#fff" }
          : { formatter: "{b}\n{c}", fontSize: 12, alignTo: "labelLine", edgeDistance: 8, minMargin: 4 },
        labelLine: { show: !narrow },
        data: data.gradeCounts.map(function (g) {
          return { name: g.name, value: g.value, itemStyle: { color: data.colors[g.name] || "#64748b" } };
        })
      }]
    };
  }

  function mount(el, build, limit) {
    var chart = echarts.init(el);
    var narrow = null;
    function apply() {
      var now = el.clientWidth < limit;
      if (now !== narrow) {
        narrow = now;
        chart.setOption(build(narrow), true);
      }
      chart.resize();
    }
    apply();
    return apply;
  }

  function start() {
    var source = document.getElementById("results-chart-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var updates = [];

    var totalsEl = document.getElementById("chart-totals");
    if (totalsEl && data.units.length) {
      // one bar per unit, best at the top; the box grows with the number of units
      totalsEl.style.height = Math.max(320, data.units.length * 24 + 90) + "px";
      updates.push(mount(totalsEl, function (narrow) { return totalsOption(data, narrow); }, NARROW_BARS));
    }
    var gradesEl = document.getElementById("chart-grades");
    if (gradesEl) {
      updates.push(mount(gradesEl, function (narrow) { return gradesOption(data, narrow); }, NARROW_PIE));
    }
    window.addEventListener("resize", function () {
      updates.forEach(function (update) { update(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
