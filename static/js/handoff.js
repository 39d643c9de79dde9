/* The transfer and guide forms' typeahead (casework.views.handoff): as the clerk types in
   "Tìm nơi nhận", the places found are listed as the same radio buttons the "Tìm" button
   shows without JavaScript. */
(function () {
  "use strict";
  var box = document.getElementById("destination");
  if (!box) { return; }
  var input = document.getElementById("id_destination_search");
  var list = document.getElementById("id_destination");
  var url = box.getAttribute("data-url");
  var timer = null;
  var asked = "";

  function option(result, index) {
    var row = document.createElement("div");
    row.className = "form-check";
    var radio = document.createElement("input");
    radio.type = "radio";
    radio.className = "form-check-input";
    radio.name = "destination";
    radio.id = "dest-live-" + index;
    radio.value = result.value;
    var label = document.createElement("label");
    label.className = "form-check-label";
    label.htmlFor = radio.id;
    label.textContent = result.label + " ";
    var group = document.createElement("span");
    group.className = "text-body-secondary";
    group.textContent = "(" + result.group + ")";
    label.appendChild(group);
    row.appendChild(radio);
    row.appendChild(label);
    return row;
  }

  function render(results) {
    var checked = list.querySelector("input:checked");
    list.textContent = "";
    if (checked && !results.some(function (r) { return r.value === checked.value; })) {
      list.appendChild(checked.closest(".form-check"));  // the choice already made stays
    }
    if (!results.length && !list.children.length) {
      var none = document.createElement("p");
      none.className = "text-body-secondary";
      none.textContent = list.getAttribute("data-empty");
      list.appendChild(none);
    }
    results.forEach(function (result, index) {
      var row = option(result, index);
      if (checked && checked.value === result.value) { row.querySelector("input").checked = true; }
      list.appendChild(row);
    });
  }

  function ask() {
    var q = input.value.trim();
    if (q.length < 2 || q === asked) { return; }
    asked = q;
    fetch(url + "?tim=" + encodeURIComponent(q), {credentials: "same-origin",
                                                headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (data) { if (input.value.trim() === q) { render(data.results || []); } })
      .catch(function () { /* the "Tìm" button still works */ });
  }

  input.setAttribute("autocomplete", "off");
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    // Enter picks the first place found instead of sending the form.
    event.preventDefault();
    var first = list.querySelector("input[type=radio]");
    if (first) { first.checked = true; first.focus(); }
  });
})();
