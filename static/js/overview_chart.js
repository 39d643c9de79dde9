// The leaders' overview (/tong-quan/): received and closed letters per month, drawn with
// Chart.js (static/vendor/chartjs) from the JSON the page carries (json_script). A static
// file, since the Content-Security-Policy runs no inline script; without script (or in
// print) the table under the chart holds the same figures.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("ov-chart-data");
  var canvas = document.getElementById("ov-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  canvas.parentNode.hidden = false;
  var lang = document.documentElement.lang || "vi";
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.received_label, data: data.received, backgroundColor: "#0b57a4" },
        { label: data.closed_label, data: data.closed, backgroundColor: "#8fb8e3" }
      ]
    },
    options: {
      locale: lang,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } }
    }
  });
});
