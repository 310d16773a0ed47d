// compare.html: clicking a column header of a table.sortable sorts its rows (numeric columns,
// th.num, by the raw value in each cell's data-v, an unknown value as the smallest; text columns
// alphabetically); a second click reverses the order, shown by data-dir on the header.
// Embedded into the library at build time (cmake/embed_asset.cmake).
document.querySelectorAll('table.sortable').forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener('click', function () {
      var asc = th.getAttribute('data-dir') !== 'asc';
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('data-dir'); });
      th.setAttribute('data-dir', asc ? 'asc' : 'desc');
      var numeric = th.classList.contains('num');
      var key = function (row) {
        var cell = row.cells[col];
        if (!numeric) return cell.textContent;
        var v = parseFloat(cell.getAttribute('data-v'));
        return isNaN(v) ? -Infinity : v;
      };
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (x, y) {
        var a = key(x), b = key(y);
        var r = numeric ? (a < b ? -1 : a > b ? 1 : 0) : a.localeCompare(b);
        return asc ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
