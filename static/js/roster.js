// The attendance roster: a tapped status is saved without reloading the page, so the
// trainer keeps their place in a long list. Without JavaScript, or when saving this way
// fails, the form is sent as usual and the page comes back at the same person.
(function () {
  "use strict";
  var roster = document.querySelector("[data-roster]");
  if (!roster || !window.fetch || !window.FormData) return;
  var counts = document.querySelector("[data-roster-counts]");

  function show(row, data) {
    row.querySelectorAll(".status-button").forEach(function (button) {
      button.setAttribute("aria-pressed", button.value === data.status ? "true" : "false");
    });
    row.className = row.className.replace(/\broster-row--[a-z_]+/g, "").trim() + " roster-row--" + data.status;
    var note = row.querySelector("[data-roster-note]");
    if (note) note.hidden = false;
    if (counts && data.counts) {
      Object.keys(data.counts).forEach(function (key) {
        var target = counts.querySelector('[data-count="' + key + '"]');
        if (target) target.textContent = data.counts[key];
      });
    }
  }

  function sendAsUsual(form, value) {
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "status";
    field.value = value;
    form.appendChild(field);
    form.submit();
  }

  roster.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!form.matches("[data-roster-mark]") || !button || !button.value) return;
    event.preventDefault();
    var row = form.closest(".roster-row");
    var data = new FormData(form);
    data.set("status", button.value);
    row.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" }
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (json) {
        row.removeAttribute("aria-busy");
        show(row, json);
      })
      .catch(function () {
        row.removeAttribute("aria-busy");
        sendAsUsual(form, button.value);
      });
  });
})();
