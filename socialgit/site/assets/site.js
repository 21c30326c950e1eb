// socialgit site: draws the dashboard's charts with Chart.js (and its matrix plugin) from
// the data the page carries (#socialgit-data). Every chart has its numbers in a table
// beside it; here lines differ by dash and point shape as well as colour, and the heatmap
// prints each cell's value, so nothing depends on telling colours apart.
(function () {
  "use strict";
  var holder = document.getElementById("socialgit-data");
  if (!holder || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(holder.textContent);
  Chart.defaults.animation = false; // a dashboard, not a show: draw once, at once
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', sans-serif";
  Chart.defaults.color = "#1f2328";
  var colours = ["#0b57d0", "#b3261e", "#146c2e", "#7c5800", "#6f3ad8", "#a0306c"];
  var points = ["circle", "rect", "triangle", "rectRot", "star", "crossRot"];
  var dashes = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 5]];

  var weekly = document.getElementById("weekly");
  if (weekly && data.series.length) {
    new Chart(weekly, {
      type: "line",
      data: {
        labels: data.weeks,
        datasets: data.series.map(function (series, i) {
          var colour = colours[i % colours.length];
          return {
            label: series.account,
            data: series.values,
            borderColor: colour,
            backgroundColor: colour,
            borderDash: dashes[i % dashes.length],
            pointStyle: points[i % points.length],
            pointRadius: 5,
            spanGaps: true
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { labels: { usePointStyle: true } } },
        scales: {
          x: { title: { display: true, text: "week of" } },
          y: { beginAtZero: true, title: { display: true, text: "engagement" } }
        }
      }
    });
  }

  // Each cell's median and, in brackets, the posts behind it, written on the cell.
  var cellLabels = {
    id: "socialgitCellLabels",
    afterDatasetsDraw: function (chart) {
      var context = chart.ctx;
      context.save();
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.font = "11px " + Chart.defaults.font.family;
      chart.getDatasetMeta(0).data.forEach(function (element, i) {
        var cell = chart.data.datasets[0].data[i];
        var centre = element.getCenterPoint();
        context.fillStyle = cell.dark ? "#ffffff" : "#1f2328";
        context.fillText(String(cell.v), centre.x, centre.y - 6);
        context.fillText("(" + cell.n + ")", centre.x, centre.y + 7);
      });
      context.restore();
    }
  };

  // A tick on each cell's centre (0, 1, …), not on the half steps the edges fall on.
  function every(count) {
    return function (axis) {
      axis.ticks = [];
      for (var i = 0; i < count; i++) {
        axis.ticks.push({ value: i });
      }
    };
  }

  data.heat.forEach(function (item, index) {
    var canvas = document.getElementById("heat-" + index);
    if (!canvas) {
      return;
    }
    var most = Math.max.apply(null, item.cells.map(function (c) { return c.v; }).concat([1]));
    item.cells.forEach(function (cell) {
      cell.shade = 0.12 + 0.88 * (cell.v / most);
      cell.dark = cell.shade > 0.55;
    });
    new Chart(canvas, {
      type: "matrix",
      data: {
        datasets: [{
          label: item.account,
          data: item.cells,
          backgroundColor: function (ctx) {
            return "rgba(11, 87, 208, " + ctx.raw.shade.toFixed(3) + ")";
          },
          borderColor: "#0b3d91",
          borderWidth: 1,
          width: function (ctx) {
            var area = ctx.chart.chartArea;
            return area ? area.width / 24 - 2 : 10;
          },
          height: function (ctx) {
            var area = ctx.chart.chartArea;
            return area ? area.height / 7 - 2 : 10;
          }
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) {
                var cell = items[0].raw;
                return data.days[cell.y] + " " + String(cell.x).padStart(2, "0") + ":00";
              },
              label: function (ctx) {
                return "median " + ctx.raw.v + " from " + ctx.raw.n + " post(s)";
              }
            }
          }
        },
        scales: {
          x: {
            type: "linear", min: -0.5, max: 23.5, offset: false,
            afterBuildTicks: every(24),
            ticks: { callback: function (v) { return String(v).padStart(2, "0"); } },
            grid: { display: false },
            title: { display: true, text: "hour of publication" }
          },
          y: {
            type: "linear", min: -0.5, max: 6.5, reverse: true, offset: false,
            afterBuildTicks: every(7),
            ticks: { callback: function (v) { return data.days[v] || ""; } },
            grid: { display: false }
          }
        }
      },
      plugins: [cellLabels]
    });
  });
})();
