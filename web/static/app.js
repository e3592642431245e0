// Small progressive enhancements; every page works without this file.
(function () {
  // filter a table's rows as you type (adverse reactions page)
  document.querySelectorAll("input[data-filter-table]").forEach(function (box) {
    var table = document.getElementById(box.getAttribute("data-filter-table"));
    if (!table) return;
    box.addEventListener("input", function () {
      var needle = box.value.toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        tr.style.display = tr.textContent.toLowerCase().indexOf(needle) >= 0 ? "" : "none";
      });
    });
  });
  // SPARQL page: an example link fills the editor instead of leaving the page
  document.querySelectorAll("a.example[data-query]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      var area = document.getElementById("query");
      if (!area) return;
      ev.preventDefault();
      area.value = a.getAttribute("data-query");
      area.focus();
    });
  });
})();
// Dose page: show only the inputs the chosen rule needs (the server sends the same fields hidden)
(function () {
  var sel = document.getElementById("indication");
  if (!sel) return;
  function apply() {
    var opt = sel.options[sel.selectedIndex];
    var needs = (opt && opt.getAttribute("data-needs") || "").split(" ");
    document.querySelectorAll("#dose-form [data-field]").forEach(function (el) {
      var on = needs.indexOf(el.getAttribute("data-field")) >= 0;
      el.hidden = !on;
      el.querySelectorAll("input, select").forEach(function (i) { i.disabled = !on; });
    });
  }
  sel.addEventListener("change", apply);
  apply();
})();
// SPARQL page: a running indicator with a timer while the query runs, and how long the answer took
(function () {
  var form = document.getElementById("sparql-form");
  if (!form) return;
  var running = document.getElementById("sparql-running"), timer = document.getElementById("sparql-timer");
  form.addEventListener("submit", function () {
    var t0 = Date.now();
    running.hidden = false;
    document.getElementById("run").disabled = true;
    setInterval(function () { timer.textContent = ((Date.now() - t0) / 1000).toFixed(1); }, 100);
  });
  window.addEventListener("pageshow", function () {  // back to this page: ready to run again
    running.hidden = true;
    document.getElementById("run").disabled = false;
  });
  var out = document.getElementById("sparql-elapsed");
  var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
  if (out && nav) out.textContent = "Answered in " + Math.round(nav.responseEnd - nav.requestStart) + " ms";
})();
