// Small helpers of every page. A static file (the Content-Security-Policy runs no inline
// script); each part only improves a page that already works without it.
(function () {
  "use strict";
  // The menu is shown open when scripts do not run (casework.css, html:not(.js)).
  document.documentElement.classList.add("js");

  // Letters folded as casework/search_keys.py folds them: no accents, đ → d, lower case,
  // so "thinh" finds "Thịnh" and NFD input finds NFC text.
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐÐð]/g, "d").toLowerCase().replace(/\s+/g, " ").trim();
  }

  // <select data-filter="label">: a search box above it hides the options (and groups)
  // that do not contain the typed words. Without script the select is a plain list.
  function filterable(select, n) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1 select-filter";
    box.id = select.id + "-filter";
    box.setAttribute("autocomplete", "off");
    var label = document.createElement("label");
    label.className = "form-text d-block select-filter-label";
    label.htmlFor = box.id;
    label.textContent = select.dataset.filter;
    var note = document.createElement("p");
    note.className = "form-text select-filter-empty";
    note.id = select.id + "-filter-note";
    note.setAttribute("aria-live", "polite");
    box.setAttribute("aria-describedby", note.id);
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(note, select.nextSibling);
    var options = Array.prototype.map.call(select.options, function (option) {
      var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
      return {option: option, key: fold(option.text + " " + group)};
    });
    box.addEventListener("input", function () {
      var words = fold(box.value).split(" ").filter(Boolean), shown = 0, last = null;
      options.forEach(function (o) {
        var match = !o.option.value || words.every(function (w) { return o.key.indexOf(w) >= 0; });
        o.option.hidden = !match;
        o.option.disabled = !match && !o.option.selected;
        if (match && o.option.value) { shown += 1; last = o.option; }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
        g.hidden = !g.querySelector("option:not([hidden])");
      });
      if (shown === 1 && words.length) { last.selected = true; }
      note.textContent = words.length && !shown ? select.dataset.filterEmpty || "" : "";
    });
  }

  // <input data-labels='{"kind": "label"}'>: its label follows the form's "kind" select.
  function followsKind(input) {
    var kind = input.form && input.form.elements.kind;
    var label = document.querySelector("label[for='" + input.id + "']");
    if (!kind || !label) { return; }
    var labels = JSON.parse(input.dataset.labels);
    var text = label.firstChild;  // the label's text; a "*" mark may follow it
    kind.addEventListener("change", function () {
      text.nodeValue = labels[kind.value] || input.dataset.labelDefault;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-filter]"), filterable);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-labels]"), followsKind);
    // A form shown again with errors: the summary gets the focus, so a screen reader reads
    // it and Tab goes on to its links.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
}());
