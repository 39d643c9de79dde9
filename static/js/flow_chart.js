// The flow chart of a case is wider than most screens (viewflow lays the steps out in one
// row). It scrolls inside its frame: bring the current step into view, and keep the note
// "kéo thanh cuộn ngang…" only while the chart is in fact wider than its frame. Without
// script the chart still scrolls and the note still shows.
document.addEventListener("DOMContentLoaded", function () {
  var figure = document.querySelector("figure.flow-chart[data-current-x]");
  var note = document.querySelector(".chart-scroll-note");
  if (!figure) { return; }
  function scrolls() { return figure.scrollWidth > figure.clientWidth + 1; }
  if (note) { note.hidden = !scrolls(); }
  if (scrolls()) {
    var x = parseFloat(figure.getAttribute("data-current-x"));
    figure.scrollLeft = Math.max(0, x - figure.clientWidth / 2);
  }
  window.addEventListener("resize", function () { if (note) { note.hidden = !scrolls(); } });
});
