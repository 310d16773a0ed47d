// report.html, script part 3: the roofline plot, then the code that draws every chart (and
// redraws them when the window width changes). Units: FLOP = 2 x MACs + other arithmetic ops;
// intensity = FLOP / (bytes read + written); achieved GFLOP/s = FLOP / median time. Roofs come
// from the measured machine figures: compute = 2 x MACs/cycle/core x GHz x cores in use,
// memory = intensity x measured GB/s.
(function () {
  'use strict';
  var LS = window.LS, R = LS.report, C = LS.charts, esc = LS.esc;

  function points() {
    var out = [];
    R.layers.forEach(function (l) {
      var flop = 2 * l.macs + l.other_ops, bytes = l.bytes_read + l.bytes_written, t = l.time_us.median;
      // FLOP / (t us) = FLOP / (t * 1e-6 s); / 1e9 for GFLOP/s.
      if (flop > 0 && bytes > 0 && t > 0) out.push({ l: l, x: flop / bytes, y: flop / (t * 1e3) });
    });
    return out;
  }

  // The roofs in use (solid) and, with several cores, the one-core roofs (dashed) for contrast.
  function roofs() {
    var r = R.roofs;
    if (!r.measured) return [];
    var threads = Math.max(R.threads, 1), inUse = r.cores > 0 ? Math.min(threads, r.cores) : threads;
    var core = 2 * r.macs_per_cycle_per_core * r.clock_ghz, out = [];
    out.push({ peak: core * inUse, gbs: inUse > 1 ? r.bandwidth_gbs_all_cores : r.bandwidth_gbs_one_core,
               cores: inUse, main: true });
    if (inUse > 1) out.push({ peak: core, gbs: r.bandwidth_gbs_one_core, cores: 1, main: false });
    // int8 layers (DataType INT8/UINT8) run on the integer dot-product units: their own, higher
    // roof, drawn when the report has such a layer and the machine's int8 peak was measured.
    var int8 = R.layers.some(function (l) { return l.macs > 0 && (l.data_type === 'INT8' || l.data_type === 'UINT8'); });
    if (int8 && r.int8_macs_per_cycle_per_core > 0)
      out.push({ peak: 2 * r.int8_macs_per_cycle_per_core * r.clock_ghz * inUse,
                 gbs: inUse > 1 ? r.bandwidth_gbs_all_cores : r.bandwidth_gbs_one_core, cores: inUse, main: false,
                 int8: true });
    return out.filter(function (f) { return f.peak > 0 && f.gbs > 0; });
  }

  function decade(p) { return p >= -3 && p <= 5 ? String(Math.pow(10, p)) : '1e' + p; }

  function drawRoofline() {
    var el = document.getElementById('chart-roofline'), W = C.width(el), pts = points(), rf = roofs();
    if (!pts.length && !rf.length) return C.empty(el, W, 'No layer does arithmetic and no roofs were measured.');
    var xs = pts.map(function (p) { return p.x; }), ys = pts.map(function (p) { return p.y; });
    rf.forEach(function (f) { ys.push(f.peak); xs.push(f.peak / f.gbs); });
    // Whole decades with some room on every side, so no point sits on the frame.
    function lo(v) { return Math.floor(Math.log10(Math.min.apply(null, v) / 1.5)); }
    function hi(v) { return Math.ceil(Math.log10(Math.max.apply(null, v) * 1.5)); }
    var lx0 = lo(xs), lx1 = hi(xs), ly0 = lo(ys), ly1 = hi(ys);
    if (lx1 <= lx0) lx1 = lx0 + 1;
    if (ly1 <= ly0) ly1 = ly0 + 1;
    var H = 440, m = { l: 76, r: 24, t: 16, b: 48 }, pw = W - m.l - m.r, ph = H - m.t - m.b;
    function X(v) { return m.l + (Math.log10(v) - lx0) / (lx1 - lx0) * pw; }
    function Y(v) { return m.t + ph - (Math.log10(v) - ly0) / (ly1 - ly0) * ph; }
    var s = C.open(W, H, 'roofline: achieved GFLOP/s against arithmetic intensity') + '<g class="grid">';
    var a = '<g class="axis">', p, k, v;
    for (p = lx0; p <= lx1; p++) {
      for (k = 1; k < 10 && (k === 1 || p < lx1); k++) {
        v = C.f(X(k * Math.pow(10, p)));
        s += '<line x1="' + v + '" x2="' + v + '" y1="' + m.t + '" y2="' + (m.t + ph) + '"' +
          (k === 1 ? '' : ' stroke-opacity="0.45"') + '/>';
      }
      a += '<text x="' + C.f(X(Math.pow(10, p))) + '" y="' + (m.t + ph + 16) + '" text-anchor="middle">' + decade(p) +
        '</text>';
    }
    for (p = ly0; p <= ly1; p++) {
      for (k = 1; k < 10 && (k === 1 || p < ly1); k++) {
        v = C.f(Y(k * Math.pow(10, p)));
        s += '<line x1="' + m.l + '" x2="' + (m.l + pw) + '" y1="' + v + '" y2="' + v + '"' +
          (k === 1 ? '' : ' stroke-opacity="0.45"') + '/>';
      }
      a += '<text x="' + (m.l - 8) + '" y="' + C.f(Y(Math.pow(10, p))) + '" dy="0.32em" text-anchor="end">' +
        decade(p) + '</text>';
    }
    a += '<text x="' + (m.l + pw / 2) + '" y="' + (H - 8) + '" text-anchor="middle">arithmetic intensity ' +
      '(FLOP/byte, log)</text><text transform="translate(16,' + (m.t + ph / 2) + ') rotate(-90)" ' +
      'text-anchor="middle">achieved GFLOP/s (log)</text>';
    s += '</g>' + a + '<rect x="' + m.l + '" y="' + m.t + '" width="' + pw + '" height="' + ph +
      '" fill="none" stroke="#c7ccd6"/></g>';

    var xMin = Math.pow(10, lx0), xMax = Math.pow(10, lx1), yMin = Math.pow(10, ly0);
    rf.forEach(function (f) {
      var ridge = f.peak / f.gbs, x0 = Math.max(xMin, yMin / f.gbs), colour = f.main ? '#1d2330' : '#8a93a5';
      var dash = f.int8 ? ' stroke-dasharray="2 3"' : f.main ? '' : ' stroke-dasharray="6 4"';
      var who = f.cores + (f.cores === 1 ? ' core' : ' cores');
      s += '<path class="roof" d="M' + C.f(X(x0)) + ',' + C.f(Y(f.gbs * x0)) + 'L' + C.f(X(ridge)) + ',' +
        C.f(Y(f.peak)) + 'L' + C.f(X(xMax)) + ',' + C.f(Y(f.peak)) + '" stroke="' + colour + '"' + dash + '/>';
      s += '<text class="roof-label" fill="' + colour + '" x="' + C.f(X(xMax) - 6) + '" y="' + C.f(Y(f.peak) - 6) +
        '" text-anchor="end">' + (f.int8 ? 'int8 peak ' : 'fp32 peak ') + LS.num(f.peak, 1) +
        (f.int8 ? ' GOP/s (' : ' GFLOP/s (') + who + ')</text>';
      if (f.int8) return;  // its bandwidth slope is the main roof's, already labelled
      // The bandwidth label runs along its line, a little after the line's start.
      var sx = X(x0), sy = Y(f.gbs * x0), ex = X(ridge), ey = Y(f.peak);
      var angle = Math.atan2(ey - sy, ex - sx) * 180 / Math.PI, lx = sx + (ex - sx) * 0.12, ly = sy + (ey - sy) * 0.12;
      s += '<text class="roof-label" fill="' + colour + '" transform="translate(' + C.f(lx) + ',' + C.f(ly - 6) +
        ') rotate(' + C.f(angle) + ')">' + LS.num(f.gbs, 1) + ' GB/s (' + who + ')</text>';
    });

    // Point area grows with the layer's time, and the slowest layers are drawn last (on top).
    var maxT = Math.max.apply(null, pts.map(function (q) { return q.l.time_us.median; }).concat([1e-9]));
    pts.sort(function (q, r) { return q.l.time_us.median - r.l.time_us.median; });
    var main = rf.filter(function (f) { return f.main; })[0];
    s += '<g>';
    pts.forEach(function (q) {
      var tip = LS.layerSummary(q.l) + '\nintensity ' + LS.num(q.x, 3) + ' FLOP/byte, ' + LS.num(q.y, 2) + ' GFLOP/s';
      var own = (q.l.data_type === 'INT8' || q.l.data_type === 'UINT8') && q.l.macs > 0 ?
        rf.filter(function (f) { return f.int8; })[0] : main;
      if (own) tip += ' (' + LS.num(100 * q.y / Math.min(own.peak, own.gbs * q.x), 1) + '% of the ' +
        (own.int8 ? 'int8 ' : '') + 'roof)';
      s += '<circle class="mark" cx="' + C.f(X(q.x)) + '" cy="' + C.f(Y(q.y)) + '" r="' +
        C.f(3 + 6 * Math.sqrt(q.l.time_us.median / maxT)) + '" fill="' + LS.opColour(q.l.op_type) +
        '" fill-opacity="0.78" stroke="#fff" stroke-width="0.8" data-layer="' + q.l.id + '" data-tip="' + esc(tip) + '"/>';
    });
    s += '</g>';
    var skipped = R.layers.length - pts.length;
    if (skipped > 0) {
      s += '<text class="value" x="' + (m.l + 8) + '" y="' + (m.t + 16) + '">' + skipped +
        ' layer(s) without arithmetic (data movement) are not plotted</text>';
    }
    C.tipHover(el);
    var svg = C.finish(el, s + '</svg>', pts.length);
    svg.addEventListener('click', function (ev) {
      var dot = ev.target.closest && ev.target.closest('[data-layer]');
      if (dot) LS.showLayer(dot.getAttribute('data-layer'));
    });
  }
  C.draw.splice(2, 0, { id: 'chart-roofline', fn: drawRoofline });

  // ---- draw everything; one failing chart says so in place and does not stop the others ----
  function drawAll() {
    C.draw.forEach(function (c) {
      var el = document.getElementById(c.id);
      try {
        c.fn();
      } catch (e) {
        el.setAttribute('data-error', String(e && e.message));
        el.textContent = 'This chart could not be drawn: ' + (e && e.message);
      }
    });
  }
  var charts = document.getElementById('charts'), drawnWidth = charts.clientWidth, timer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (charts.clientWidth !== drawnWidth) { drawnWidth = charts.clientWidth; drawAll(); }
    }, 150);
  });
  drawAll();
  document.documentElement.setAttribute('data-charts', 'drawn');
})();
