/* Who-rates-whom heat map, the totals histogram and per-group box plots (ECharts).
   Data: #heat-chart-data. Clicking a cell loads the raters behind it (names masked)
   into #heat-cell, for those allowed to see individual scores. */
(function () {
  "use strict";
  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", ' +
    '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';

  function shorten(v, n) { return v.length > n ? v.slice(0, n) + "…" : v; }

  function start() {
    var source = document.getElementById("heat-chart-data");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var h = data.heat, L = data.labels;
    var narrow = window.innerWidth < 600;
    var charts = [];

    var heatEl = document.getElementById("chart-heat");
    if (heatEl) {
      var side = Math.max(h.x.length, h.y.length);
      var cell = narrow ? 14 : 18;
      heatEl.style.height = Math.max(420, h.y.length * cell + 190) + "px";
      heatEl.style.minWidth = Math.max(narrow ? 560 : 640, h.x.length * cell + 220) + "px";
      var heat = echarts.init(heatEl);
      heat.setOption({
        textStyle: { fontFamily: FONT },
        tooltip: {
          position: "top", confine: true,
          formatter: function (p) {
            var v = p.value;
            return L.from + "：" + h.y[v[1]] + "<br>" + L.to + "：" + h.x[v[0]] + "<br>" +
              L.mean + "：" + v[2] + "<br>" + L.count + "：" + v[3] + "<br>" + L.deviation + "：" +
              (v[4] > 0 ? "+" : "") + v[4];
          }
        },
        grid: { left: 8, right: 16, top: 8, bottom: 70, containLabel: true },
        xAxis: { type: "category", data: h.x, splitArea: { show: true },
          axisLabel: { rotate: 60, fontSize: 10, interval: 0, formatter: function (v) { return shorten(v, narrow ? 7 : 12); } } },
        yAxis: { type: "category", data: h.y, splitArea: { show: true }, inverse: true,
          axisLabel: { fontSize: 10, interval: 0, formatter: function (v) { return shorten(v, narrow ? 6 : 16); } } },
        visualMap: {
          dimension: 2, min: Math.floor(h.min), max: Math.ceil(h.max), calculable: true, orient: "horizontal",
          left: 8, bottom: 0, itemHeight: narrow ? 120 : 200, itemWidth: 12, precision: 0,
          inRange: { color: ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"] }
        },
        series: [{ type: "heatmap", data: h.cells, progressive: 4000,
          emphasis: { itemStyle: { borderColor: "#c8161d", borderWidth: 2 } } }]
      });
      if (data.cellUrl) {
        heat.on("click", function (p) {
          var target = document.getElementById("heat-cell");
          var url = data.cellUrl + "?from=" + encodeURIComponent(h.y_codes[p.value[1]]) +
            "&to=" + encodeURIComponent(h.x_codes[p.value[0]]);
          fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); })
            .then(function (html) { target.innerHTML = html; target.scrollIntoView({ behavior: "smooth", block: "nearest" }); });
        });
      }
      charts.push(heat);
    }

    var histEl = document.getElementById("chart-hist");
    if (histEl && data.dist.bins.length) {
      var hist = echarts.init(histEl);
      hist.setOption({
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.dist.bins, axisLabel: { fontSize: 11, rotate: narrow ? 40 : 0 } },
        yAxis: { type: "value", minInterval: 1, name: L.units, nameTextStyle: { fontSize: 11 } },
        series: [{ type: "bar", data: data.dist.counts, barCategoryGap: "8%", itemStyle: { color: "#2563eb" },
          label: { show: !narrow, position: "top", fontSize: 11 } }]
      });
      charts.push(hist);
    }

    var boxEl = document.getElementById("chart-box");
    if (boxEl && data.dist.boxes.length) {
      var box = echarts.init(boxEl);
      box.setOption({
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: "item", confine: true },
        grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.dist.boxes.map(function (b) { return b.name; }),
          // one slot per group: long names wrap inside it instead of running into the next
          axisLabel: { fontSize: 11, interval: 0, overflow: "break", lineHeight: 14,
            width: Math.max(36, boxEl.clientWidth / data.dist.boxes.length - 10) } },
        yAxis: { type: "value", scale: true, splitLine: { lineStyle: { color: "#eef1f5" } } },
        series: [{ type: "boxplot", data: data.dist.boxes.map(function (b) { return b.box; }),
          itemStyle: { color: "#e8f0fa", borderColor: "#0f4c92" } }]
      });
      charts.push(box);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
