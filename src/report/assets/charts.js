// report.html, script part 2: the bar and area charts (time per layer, time per op type,
// activation memory) and the chart plumbing shared with the roofline (part 3, roofline.js):
// SVG is built as markup (the HTML parser puts <svg> content in the SVG namespace by itself),
// each container gets data-rendered="1" and data-marks=<marks drawn> once drawn, so tests and
// readers can tell a drawn chart from an empty one. Charts redraw when the window is resized.
(function () {
  'use strict';
  // The per-layer charts show the top-level layers, end to end as they run: a body layer's time
  // (an If branch's, a Loop body's) is inside its control layer's bar, and its activations are
  // in its body's own arena, not on the model's curve. The roofline plots every layer.
  var LS = window.LS, R = LS.report, esc = LS.esc;
  var layers = R.layers.filter(function (l) { return !l.parent; });
  var C = LS.charts = {};

  C.width = function (el) { return Math.max(520, Math.floor(el.clientWidth || 960)); };
  C.open = function (w, h, label) {
    return '<svg viewBox="0 0 ' + w + ' ' + h + '" width="' + w + '" height="' + h + '" role="img" aria-label="' +
      esc(label) + '">';
  };
  C.finish = function (el, markup, marks) {
    el.innerHTML = markup;
    el.setAttribute('data-rendered', '1');
    el.setAttribute('data-marks', String(marks));
    return el.querySelector('svg');
  };
  C.empty = function (el, w, text) {
    C.finish(el, C.open(w, 60, text) + '<text class="empty" x="8" y="34">' + esc(text) + '</text></svg>', 0);
  };
  C.f = function (v) { return (Math.round(v * 100) / 100).toString(); };  // compact SVG coordinates
  // Round tick steps (1, 2, 2.5, 5 x 10^k) from 0 up to at least `max`.
  C.ticks = function (max, count) {
    if (!(max > 0)) return [0, 1];
    var raw = max / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / mag;
    var step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * mag;
    var out = [];
    for (var i = 0; i * step < max * (1 + 1e-9); i++) out.push(i * step);
    out.push(out.length * step);
    return out;
  };
  // Decimals that show every tick of a step exactly (0.25 -> 2, 5 -> 0).
  C.decimals = function (step) {
    for (var d = 0; d < 6; d++) if (Math.abs(Math.round(step * Math.pow(10, d)) - step * Math.pow(10, d)) < 1e-6) return d;
    return 6;
  };
  C.yAxis = function (ticks, top, m, pw, ph, label, unit) {
    var s = '<g class="grid">', a = '<g class="axis">', digits = C.decimals(ticks[1] - ticks[0]);
    ticks.forEach(function (t) {
      var y = C.f(m.t + ph - t / top * ph);
      s += '<line x1="' + m.l + '" x2="' + (m.l + pw) + '" y1="' + y + '" y2="' + y + '"/>';
      a += '<text x="' + (m.l - 8) + '" y="' + y + '" dy="0.32em" text-anchor="end">' + LS.num(t, digits) + '</text>';
    });
    a += '<text transform="translate(14,' + (m.t + ph / 2) + ') rotate(-90)" text-anchor="middle">' + esc(label) +
      (unit ? ' (' + esc(unit) + ')' : '') + '</text>';
    return s + '</g>' + a + '</g>';
  };
  // Layer ids along the x axis of the execution-order charts.
  C.layerAxis = function (n, m, pw, ph) {
    var step = Math.max(1, Math.ceil(C.ticks(n, 10)[1])), band = pw / n;  // whole layer ids only
    var a = '<g class="axis"><line x1="' + m.l + '" x2="' + (m.l + pw) + '" y1="' + (m.t + ph) + '" y2="' + (m.t + ph) +
      '"/>';
    for (var id = step; id <= n; id += step) {
      var x = C.f(m.l + (id - 0.5) * band);
      a += '<line x1="' + x + '" x2="' + x + '" y1="' + (m.t + ph) + '" y2="' + (m.t + ph + 4) + '"/>' +
        '<text x="' + x + '" y="' + (m.t + ph + 16) + '" text-anchor="middle">' + id + '</text>';
    }
    return a + '<text x="' + (m.l + pw / 2) + '" y="' + (m.t + ph + 34) +
      '" text-anchor="middle">layer (execution order)</text></g>';
  };
  // Hover/click by x position over an execution-order chart: thin bars stay easy to hit.
  C.indexHover = function (svg, m, pw, n, marks, text) {
    var hot = null;
    function index(ev) {
      var box = svg.getBoundingClientRect(), scale = svg.viewBox.baseVal.width / box.width;
      var i = Math.floor(((ev.clientX - box.left) * scale - m.l) / (pw / n));
      return i >= 0 && i < n ? i : -1;
    }
    svg.addEventListener('mousemove', function (ev) {
      var i = index(ev);
      if (hot) hot.classList.remove('hot');
      hot = i >= 0 && marks ? marks[i] : null;
      if (hot) hot.classList.add('hot');
      if (i >= 0) LS.showTip(text(i), ev); else LS.hideTip();
    });
    svg.addEventListener('mouseleave', function () { if (hot) hot.classList.remove('hot'); LS.hideTip(); });
    svg.addEventListener('click', function (ev) { var i = index(ev); if (i >= 0) LS.showLayer(layers[i].id); });
    svg.style.cursor = 'pointer';
  };
  // Tooltips from data-tip attributes (op-type bars, roofline points).
  C.tipHover = function (el) {
    if (el.lsTips) return;  // the container outlives redraws: listen once
    el.lsTips = true;
    el.addEventListener('mousemove', function (ev) {
      var t = ev.target.closest && ev.target.closest('[data-tip]');
      if (t) LS.showTip(t.getAttribute('data-tip'), ev); else LS.hideTip();
    });
    el.addEventListener('mouseleave', LS.hideTip);
  };

  function drawLayerTime() {
    var el = document.getElementById('chart-layer-time'), W = C.width(el), n = layers.length;
    if (!n) return C.empty(el, W, 'No layers were executed.');
    var H = 300, m = { l: 70, r: 16, t: 12, b: 44 }, pw = W - m.l - m.r, ph = H - m.t - m.b;
    var ticks = C.ticks(Math.max.apply(null, layers.map(function (l) { return l.time_us.median; })), 5);
    var top = ticks[ticks.length - 1], band = pw / n, bw = band > 3 ? band * 0.8 : band;
    var s = C.open(W, H, 'median time per layer') + C.yAxis(ticks, top, m, pw, ph, 'median time', '\u00b5s') + '<g>';
    layers.forEach(function (l, i) {
      var h = Math.max(1, l.time_us.median / top * ph);  // 1 px floor: every layer stays visible
      s += '<rect class="mark" x="' + C.f(m.l + i * band + (band - bw) / 2) + '" y="' + C.f(m.t + ph - h) +
        '" width="' + C.f(Math.max(bw, 0.5)) + '" height="' + C.f(h) + '" fill="' + LS.opColour(l.op_type) + '"/>';
    });
    s += '</g>' + C.layerAxis(n, m, pw, ph) + '</svg>';
    var svg = C.finish(el, s, n);
    C.indexHover(svg, m, pw, n, svg.querySelectorAll('rect.mark'), function (i) { return LS.layerSummary(layers[i]); });
  }

  function drawOpTypeTime() {
    var el = document.getElementById('chart-optype-time'), W = C.width(el), rows = R.ranking;
    if (!rows.length) return C.empty(el, W, 'No op types.');
    var rowH = 24, m = { l: 160, r: 250, t: 8, b: 36 }, pw = W - m.l - m.r, H = m.t + rows.length * rowH + m.b;
    var ticks = C.ticks(Math.max.apply(null, rows.map(function (k) { return k.total_us; })), 6);
    var top = ticks[ticks.length - 1], s = C.open(W, H, 'time per op type') + '<g class="grid">', a = '<g class="axis">';
    var digits = C.decimals(ticks[1] - ticks[0]);
    ticks.forEach(function (t) {
      var x = C.f(m.l + t / top * pw);
      s += '<line x1="' + x + '" x2="' + x + '" y1="' + m.t + '" y2="' + (H - m.b) + '"/>';
      a += '<text x="' + x + '" y="' + (H - m.b + 14) + '" text-anchor="middle">' + LS.num(t, digits) + '</text>';
    });
    a += '<text x="' + (m.l + pw / 2) + '" y="' + (H - 4) + '" text-anchor="middle">total time (\u00b5s)</text></g>';
    s += '</g>' + a + '<g>';
    rows.forEach(function (k, i) {
      var y = m.t + i * rowH, w = Math.max(1, k.total_us / top * pw);
      var tipText = k.op_type + '\n' + LS.us(k.total_us) + ' \u00b5s total, ' + LS.num(k.ratio_pct, 2) +
        '% of layer time\n' + k.calls + ' call(s) per run, ' + LS.us(k.calls ? k.total_us / k.calls : 0) + ' \u00b5s per call';
      s += '<text class="label" x="' + (m.l - 10) + '" y="' + (y + rowH / 2) + '" dy="0.32em" text-anchor="end">' +
        esc(k.op_type) + '</text><rect class="mark" x="' + m.l + '" y="' + (y + 4) + '" width="' + C.f(w) +
        '" height="' + (rowH - 8) + '" rx="2" fill="' + LS.opColour(k.op_type) + '" data-tip="' + esc(tipText) + '"/>' +
        '<text class="value" x="' + C.f(m.l + w + 8) + '" y="' + (y + rowH / 2) + '" dy="0.32em">' + LS.us(k.total_us) +
        ' \u00b5s \u00b7 ' + LS.num(k.ratio_pct, 1) + '% \u00b7 ' + k.calls + (k.calls === 1 ? ' call' : ' calls') +
        '</text>';
    });
    C.tipHover(el);
    C.finish(el, s + '</g></svg>', rows.length);
  }

  function drawActivationMemory() {
    var el = document.getElementById('chart-activation-memory'), W = C.width(el), n = layers.length;
    if (!n) return C.empty(el, W, 'No layers were executed.');
    var live = layers.map(function (l) { return l.live_activation_bytes; });
    var peakPlan = R.memory.internal_bytes, maxLive = Math.max.apply(null, live), hi = Math.max(maxLive, peakPlan);
    if (!(maxLive > 0)) return C.empty(el, W, 'No per-layer activation figures in this report (no memory plan).');
    var unit = hi >= 1048576 ? 'MiB' : 'KiB', div = unit === 'MiB' ? 1048576 : 1024;
    var H = 280, m = { l: 70, r: 16, t: 22, b: 44 }, pw = W - m.l - m.r, ph = H - m.t - m.b, band = pw / n;
    var ticks = C.ticks(hi / div, 5), top = ticks[ticks.length - 1];
    function y(bytes) { return C.f(m.t + ph - bytes / div / top * ph); }
    var d = 'M' + m.l + ',' + (m.t + ph);
    live.forEach(function (b, i) {  // a step per layer: flat over the layer's own slot
      d += 'L' + C.f(m.l + i * band) + ',' + y(b) + 'L' + C.f(m.l + (i + 1) * band) + ',' + y(b);
    });
    d += 'L' + (m.l + pw) + ',' + (m.t + ph) + 'Z';
    var s = C.open(W, H, 'activation memory per layer') + C.yAxis(ticks, top, m, pw, ph, 'live activations', unit) +
      '<path class="mark" d="' + d + '" fill="#3566c0" fill-opacity="0.22" stroke="#3566c0" stroke-width="1.5"/>';
    var at = live.indexOf(maxLive), cx = C.f(m.l + (at + 0.5) * band), right = at < n / 2;
    if (peakPlan > 0) {  // labelled on the side away from the most-live point, so the labels never meet
      s += '<line x1="' + m.l + '" x2="' + (m.l + pw) + '" y1="' + y(peakPlan) + '" y2="' + y(peakPlan) +
        '" stroke="#cf3f52" stroke-width="1.5" stroke-dasharray="6 4"/><text class="roof-label" fill="#cf3f52" x="' +
        (right ? m.l + pw - 4 : m.l + 4) + '" y="' + (y(peakPlan) - 6) + '" text-anchor="' + (right ? 'end' : 'start') +
        '">planned arena peak ' + esc(LS.bytes(peakPlan)) + '</text>';
    }
    s += '<circle cx="' + cx + '" cy="' + y(maxLive) + '" r="4" fill="#1d2330"/><text class="label" x="' + cx +
      '" y="' + (y(maxLive) - 8) + '" text-anchor="' + (at > n / 2 ? 'end' : 'start') + '">most live: ' +
      esc(LS.bytes(maxLive)) + ' at #' + layers[at].id + '</text>';
    s += C.layerAxis(n, m, pw, ph) + '</svg>';
    var svg = C.finish(el, s, n);  // one vertex per layer
    C.indexHover(svg, m, pw, n, null, function (i) {
      return LS.layerSummary(layers[i]) + '\nlive activations ' + LS.bytes(live[i]);
    });
  }

  C.draw = [{ id: 'chart-layer-time', fn: drawLayerTime }, { id: 'chart-optype-time', fn: drawOpTypeTime },
            { id: 'chart-activation-memory', fn: drawActivationMemory }];
})();
