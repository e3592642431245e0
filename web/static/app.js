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
