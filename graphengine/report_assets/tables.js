/* graphengine report tables: sort by any column, filter rows, count what is shown.
   Written for graphengine (Apache-2.0); no dependencies, works offline. Every table with
   class "ge-table" gets a filter box and sortable headers. Numbers sort as numbers, text
   as text (locale-aware), empty cells last. Clicking a header again reverses the order.
   A table with data-total holds only the first rows of a longer table: the count says so. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var raw = cell.getAttribute("data-sort");
    return raw !== null ? raw : cell.textContent.trim();
  }

  function asNumber(text) {
    if (text === "") { return null; }
    var cleaned = text.replace(/,/g, "");
    return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(cleaned) ? parseFloat(cleaned) : null;
  }

  function compare(a, b) {
    if (a === "" && b === "") { return 0; }
    if (a === "") { return 1; }
    if (b === "") { return -1; }
    var na = asNumber(a), nb = asNumber(b);
    if (na !== null && nb !== null) { return na - nb; }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function updateCount(table) {
    var rows = table.tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i++) { if (!rows[i].hidden) { shown++; } }
    var note = table.parentNode.nextElementSibling;
    if (note && !note.classList.contains("ge-count")) { note = null; }
    if (!note) { return; }
    var text = "Showing " + shown + " of " + rows.length + " rows";
    // a table the report cut to its first rows: say the page does not hold them all
    var total = table.getAttribute("data-total");
    if (total) { text += " (the report holds " + rows.length + " of " + total + "; see the note above)"; }
    note.textContent = text;
  }

  function sortBy(table, index, header) {
    var body = table.tBodies[0];
    var direction = header.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) { row.setAttribute("data-order", i); });
    rows.sort(function (r1, r2) {
      var c = compare(cellValue(r1, index), cellValue(r2, index)) * direction;
      return c !== 0 ? c : r1.getAttribute("data-order") - r2.getAttribute("data-order");
    });
    rows.forEach(function (row) { body.appendChild(row); });
    var headers = table.tHead.rows[0].cells;
    for (var h = 0; h < headers.length; h++) { headers[h].removeAttribute("aria-sort"); }
    header.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
  }

  function filter(table, text) {
    var needle = text.trim().toLowerCase();
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      rows[i].hidden = needle !== "" && rows[i].textContent.toLowerCase().indexOf(needle) < 0;
    }
    updateCount(table);
  }

  function enhance(table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    var wrap = table.parentNode;
    var box = document.createElement("input");
    box.type = "search";
    box.className = "ge-filter";
    box.placeholder = "Filter rows (any column)…";
    box.setAttribute("aria-label", "Filter rows");
    box.addEventListener("input", function () { filter(table, box.value); });
    wrap.parentNode.insertBefore(box, wrap);
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, index) {
      header.tabIndex = 0;
      header.title = "Sort by this column";
      header.addEventListener("click", function () { sortBy(table, index, header); });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortBy(table, index, header);
        }
      });
    });
    updateCount(table);
  }

  function init() {
    var tables = document.querySelectorAll("table.ge-table");
    for (var i = 0; i < tables.length; i++) { enhance(tables[i]); }
    document.documentElement.setAttribute("data-ge-tables", String(tables.length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
