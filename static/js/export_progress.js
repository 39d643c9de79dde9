// The background export's progress (templates/casework/export_job.html): asks the job's
// status every two seconds and moves the bar; once the job has finished (or failed) the
// page is loaded again, which then shows the download link or the error. A static file:
// the Content-Security-Policy (script-src 'self') runs no inline script.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("export-job");
  if (!box) { return; }
  var bar = document.getElementById("export-progress");
  var text = document.getElementById("export-text");
  var state = document.getElementById("export-state");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, 5000); return; }
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
        text.textContent = job.text;
        state.textContent = job.label;
        if (job.state === "queued" || job.state === "running") {
          window.setTimeout(poll, 2000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
});
