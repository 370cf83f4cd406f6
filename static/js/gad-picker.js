// GAD picker: find a GAD by typing part of its name, canton or province.
// Without JavaScript the typed text is resolved on the server instead.
(function () {
  "use strict";

  function setup(root) {
    var input = root.querySelector("input[role=combobox]");
    var hidden = root.querySelector("input[type=hidden]");
    var list = root.querySelector("[role=listbox]");
    var status = root.querySelector("[role=status]");
    var url = root.dataset.searchUrl;
    var timer = null;
    var active = -1;
    var results = [];
    var lastQuery = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(index) {
      var item = results[index];
      if (!item) return;
      input.value = item.label;
      hidden.value = item.id;
      lastQuery = item.label;
      close();
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function render() {
      list.textContent = "";
      results.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(index);
        });
        list.appendChild(option);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      status.textContent = results.length + " " + (root.dataset.resultsLabel || "");
    }

    function search() {
      var query = input.value.trim();
      if (query.length < 2 || query === lastQuery) return;
      lastQuery = query;
      fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (input.value.trim() !== query) return;
          results = data.results || [];
          render();
        })
        .catch(function () { /* offline: the server resolves the text on submit */ });
    }

    input.addEventListener("input", function () {
      hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(active); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll(".gad-picker[data-search-url]").forEach(setup);
})();
