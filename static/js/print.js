// The receipt's "In" (print) button. A static file rather than onclick="…": the
// Content-Security-Policy (script-src 'self') runs no inline script.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
