/* The content studio: checking as you type. Pages work without this file; it only adds the check.
 * Each form with data-check sends its fields (and the CSRF token) to that address after a pause
 * in typing, and shows each problem line under the field it is about, as `content check` words it. */
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!token) return;

  function show(form, fields) {
    var lists = form.querySelectorAll("ul.problems[data-field]");
    var total = 0;
    lists.forEach(function (list) {
      var lines = fields[list.getAttribute("data-field")] || [];
      total += lines.length;
      list.replaceChildren.apply(list, lines.map(function (line) {
        var item = document.createElement("li");
        item.textContent = line;
        return item;
      }));
      var input = document.getElementById(list.id.replace(/-problems$/, ""));
      if (input && list.id) {
        if (lines.length) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
    });
    var status = form.querySelector(".checking");
    if (status) status.textContent = total ? total + " problem(s) found." : "No problems found.";
    form.setAttribute("data-checked", String(Number(form.getAttribute("data-checked") || "0") + 1));
  }

  function watch(form) {
    var timer = null, running = false, again = false;
    function check() {
      if (running) { again = true; return; }
      running = true;
      var status = form.querySelector(".checking");
      if (status) status.textContent = "Checking…";
      fetch(form.getAttribute("data-check"), {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRF-Token": token.getAttribute("content") },
        credentials: "same-origin",
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && data.fields) show(form, data.fields); })
        .catch(function () { if (status) status.textContent = "Couldn't check just now; saving still checks."; })
        .finally(function () {
          running = false;
          if (again) { again = false; check(); }
        });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(check, 600);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  document.querySelectorAll("form[data-check]").forEach(watch);
})();
