// report.html, script part 1: reads the embedded data, gives every op type one colour used by
// every table and chart, makes the tables sortable and filterable (the state is kept in the
// page's query string, e.g. report.html?layers.sort=time&layers.dir=desc&layers.q=conv, so a
// view can be shared as a link), and provides the shared helpers the charts use (window.LS).
// The page runs tables.js, charts.js and roofline.js in that order in one <script> element;
// they are embedded into the library at build time (cmake/embed_asset.cmake).
(function () {
  'use strict';
  window.addEventListener('error', function (e) {
    document.documentElement.setAttribute('data-script-error', String(e.message));
  });
  var LS = window.LS = {};
  LS.data = JSON.parse(document.getElementById('report-data').textContent);
  LS.report = LS.data.report;
  var R = LS.report;

  // ---- text helpers ----
  var ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  LS.esc = function (s) { return String(s).replace(/[&<>"']/g, function (c) { return ESC[c]; }); };
  LS.num = function (v, digits) {
    return Number(v).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  };
  // Microseconds with as many decimals as are meaningful at their size (as in the tables).
  LS.us = function (v) { return LS.num(v, v >= 1000 ? 0 : v >= 10 ? 1 : 2); };
  LS.bytes = function (b) {
    if (b >= 1073741824) return LS.num(b / 1073741824, 2) + ' GiB';
    if (b >= 1048576) return LS.num(b / 1048576, 2) + ' MiB';
    if (b >= 1024) return LS.num(b / 1024, 2) + ' KiB';
    return b + ' B';
  };
  // scoped_full_name (src/util/text.h): a body layer's name after its scope, "loop_0/body/MatMul:mm".
  LS.fullName = function (l) { return (l.scope ? l.scope + '/' : '') + l.op_type + ':' + l.source_names.join('+'); };
  LS.layerSummary = function (l) {
    var share = R.layer_sum_us > 0 ? 100 * l.time_us.median / R.layer_sum_us : 0;
    return '#' + l.id + '  ' + LS.fullName(l) + '\nmedian ' + LS.us(l.time_us.median) + ' \u00b5s (' +
      LS.num(share, 1) + '% of layer time)\nkernel ' + l.kernel + (l.bound ? ', ' + l.bound + '-bound' : '');
  };

  // ---- op-type colours: by rank (most time first), identical in every table and chart ----
  var PALETTE = ['#3566c0', '#e07b2e', '#2f9a68', '#cf3f52', '#8460c0', '#2a9fb5', '#c29a1e', '#d062a6',
                 '#6f8296', '#8c5633', '#5aa83c', '#4548a4', '#a3b83a', '#b0417a', '#1f7f7a', '#f0b43c',
                 '#7fa6e0', '#a05a9e', '#e8866f', '#4d6b2e'];
  var order = R.ranking.map(function (k) { return k.op_type; });
  R.layers.forEach(function (l) { if (order.indexOf(l.op_type) < 0) order.push(l.op_type); });
  var colours = {};
  order.forEach(function (op, i) {
    colours[op] = i < PALETTE.length ? PALETTE[i] : 'hsl(' + Math.round((i * 137.508) % 360) + ',50%,47%)';
  });
  LS.opOrder = order;
  LS.opColour = function (op) { return colours[op] || '#9aa1ad'; };
  var legend = document.getElementById('op-legend');
  if (legend) {
    legend.innerHTML = order.map(function (op) {
      return '<span class="op-chip" data-op="' + LS.esc(op) + '">' + LS.esc(op) + '</span>';
    }).join('');
  }
  document.querySelectorAll('[data-op]').forEach(function (el) {
    el.style.setProperty('--op', LS.opColour(el.getAttribute('data-op')));
  });

  // ---- tooltip ----
  var tip = document.getElementById('tooltip');
  LS.showTip = function (text, ev) {
    tip.textContent = text;
    tip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth - 8) x = Math.max(8, ev.clientX - tip.offsetWidth - 14);
    if (y + tip.offsetHeight > window.innerHeight - 8) y = Math.max(8, ev.clientY - tip.offsetHeight - 14);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  };
  LS.hideTip = function () { tip.hidden = true; };

  // ---- view state in the query string ----
  var params = new URLSearchParams(location.search);
  function saveParams() {
    var q = params.toString();
    try { history.replaceState(null, '', (q ? '?' + q : location.pathname) + location.hash); } catch (e) { /* file: */ }
  }

  // ---- sortable, filterable tables ----
  function setupTable(table) {
    var key = table.getAttribute('data-table');
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.forEach(function (r, i) { r.lsIndex = i; r.lsText = r.textContent.toLowerCase(); });
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var input = document.querySelector('input[data-filter-for="' + table.id + '"]');
    var count = document.querySelector('[data-count-for="' + table.id + '"]');

    function value(row, col, numeric) {
      var cell = row.cells[col];
      var v = cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent;
      if (!numeric) return v.toLowerCase();
      return v === '' ? NaN : parseFloat(v);
    }
    function sortBy(colKey, dir) {
      var col = heads.findIndex(function (th) { return th.getAttribute('data-key') === colKey; });
      if (col < 0) return;
      var numeric = heads[col].getAttribute('data-type') === 'num';
      var sign = dir === 'desc' ? -1 : 1;
      var keyed = rows.map(function (r) { return { r: r, v: value(r, col, numeric) }; });
      keyed.sort(function (a, b) {
        var an = numeric && isNaN(a.v), bn = numeric && isNaN(b.v);
        if (an !== bn) return an ? 1 : -1;  // unknown values last, whatever the direction
        if (!an && a.v < b.v) return -sign;
        if (!an && a.v > b.v) return sign;
        return a.r.lsIndex - b.r.lsIndex;   // stable: ties keep execution order
      });
      var frag = document.createDocumentFragment();
      keyed.forEach(function (k) { frag.appendChild(k.r); });
      tbody.appendChild(frag);
      heads.forEach(function (th) { th.setAttribute('aria-sort', 'none'); });
      heads[col].setAttribute('aria-sort', dir === 'desc' ? 'descending' : 'ascending');
      table.setAttribute('data-sorted', colKey + ':' + dir);
    }
    function filter(text) {
      var terms = text.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (r) {
        var keep = terms.every(function (t) { return r.lsText.indexOf(t) >= 0; });
        r.hidden = !keep;
        if (keep) shown++;
      });
      count.textContent = (terms.length ? shown + ' of ' + rows.length : rows.length) + ' ' +
        count.getAttribute('data-noun');
      table.setAttribute('data-shown', String(shown));
    }
    heads.forEach(function (th) {
      function activate() {
        var current = th.getAttribute('aria-sort');
        var numeric = th.getAttribute('data-type') === 'num';
        // First click: largest numbers / A first; later clicks flip.
        var dir = current === 'none' ? (numeric ? 'desc' : 'asc') : (current === 'ascending' ? 'desc' : 'asc');
        sortBy(th.getAttribute('data-key'), dir);
        params.set(key + '.sort', th.getAttribute('data-key'));
        params.set(key + '.dir', dir);
        saveParams();
      }
      th.addEventListener('click', activate);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); activate(); }
      });
    });
    input.addEventListener('input', function () {
      filter(input.value);
      if (input.value) params.set(key + '.q', input.value); else params.delete(key + '.q');
      saveParams();
    });
    var sortKey = params.get(key + '.sort');
    if (sortKey) sortBy(sortKey, params.get(key + '.dir') === 'desc' ? 'desc' : 'asc');
    if (params.get(key + '.q')) input.value = params.get(key + '.q');
    filter(input.value);
    return {
      clearFilter: function () { input.value = ''; filter(''); params.delete(key + '.q'); saveParams(); }
    };
  }
  LS.tables = {};
  document.querySelectorAll('table[data-table]').forEach(function (t) { LS.tables[t.id] = setupTable(t); });

  // ---- jumping to a layer row (findings links, chart clicks) ----
  LS.showLayer = function (id) {
    var row = document.getElementById('layer-' + id);
    if (!row) return;
    if (row.hidden) LS.tables['layer-table'].clearFilter();
    try { history.replaceState(null, '', location.search + '#layer-' + id); } catch (e) { /* file: */ }
    row.scrollIntoView({ block: 'center' });
    row.classList.add('flash');
    setTimeout(function () { row.classList.remove('flash'); }, 1800);
  };
  document.addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('a[href^="#layer-"]');
    if (!link) return;
    e.preventDefault();
    LS.showLayer(link.getAttribute('href').slice(7));
  });
  var initial = /^#layer-(\d+)$/.exec(location.hash);
  if (initial) LS.showLayer(initial[1]);
})();
