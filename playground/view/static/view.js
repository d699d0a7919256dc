// playground view: live text filter and column sort of the tables (the pages work without it).
// State lives in the address's hash (#q=text&sort=COLUMN&desc=1), so a view can be linked or reloaded.
"use strict";
(function () {
  function state() {
    var out = {};
    var hash = new URLSearchParams(location.hash.replace(/^#/, ""));
    var search = new URLSearchParams(location.search);
    ["q", "sort", "desc"].forEach(function (k) {
      var v = hash.get(k);
      if (v === null && k === "q" && location.protocol === "file:") v = search.get(k);
      if (v !== null) out[k] = v;
    });
    return out;
  }
  function save(changes) {
    var hash = new URLSearchParams(location.hash.replace(/^#/, ""));
    Object.keys(changes).forEach(function (k) {
      if (changes[k] === "" || changes[k] === null) hash.delete(k); else hash.set(k, changes[k]);
    });
    history.replaceState(null, "", "#" + hash.toString());
  }
  function filter(table, text) {
    var q = text.toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var hit = !q || row.textContent.toLowerCase().indexOf(q) >= 0;
      row.hidden = !hit;
      if (hit) shown += 1;
    });
    table.setAttribute("data-shown", String(shown));
  }
  function value(cell) {
    var t = cell.textContent.trim();
    var n = parseFloat(t.replace(/[%+,]/g, ""));
    return isNaN(n) || !/^[-+]?[\d.,]+%?(\s|$)/.test(t) ? t.toLowerCase() : n;
  }
  function sort(table, col, desc) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a.cells[col]), y = value(b.cells[col]);
      if (typeof x !== typeof y) { x = String(x); y = String(y); }
      var c = x < y ? -1 : x > y ? 1 : 0;
      return desc ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.setAttribute("aria-sort", i === col ? (desc ? "descending" : "ascending") : "none");
    });
    table.setAttribute("data-sorted", col + (desc ? " desc" : " asc"));
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.body.classList.add("js");
    var st = state();
    var first = true;
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      var mine = first;
      first = false;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
        th.classList.add("sorter");
        th.addEventListener("click", function (ev) {
          ev.preventDefault();
          var desc = table.getAttribute("data-sorted") === i + " asc";
          sort(table, i, desc);
          if (mine) save({sort: String(i), desc: desc ? "1" : ""});
        });
      });
      if (mine && st.sort !== undefined && table.tHead.rows[0].cells[+st.sort]) sort(table, +st.sort, st.desc === "1");
    });
    Array.prototype.forEach.call(document.querySelectorAll("input[data-filter-table]"), function (input) {
      var table = document.getElementById(input.getAttribute("data-filter-table"));
      if (!table) return;
      if (st.q !== undefined) input.value = st.q;
      if (input.value) filter(table, input.value);
      input.addEventListener("input", function () { filter(table, input.value); save({q: input.value}); });
    });
  });
})();
