// Time-series charts drawn as SVG by the console itself (no charting library, no build step):
// lines with gaps where the data has none, a min-max band, marks for alarms and vertical
// markers for model changes, and a read-out of the point under the pointer.
'use strict';
(() => {
window.tmf = window.tmf || {};

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) node.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

// About `count` round steps (1, 2, 5 x 10^k) covering [lo, hi].
function niceTicks(lo, hi, count) {
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

const TIME_STEPS = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080].map((m) => m * 60000);
function timeTicks(from, to, count) {
  const step = TIME_STEPS.find((s) => (to - from) / s <= count) || TIME_STEPS[TIME_STEPS.length - 1];
  const ticks = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return {ticks, step};
}
function timeLabel(t, step) {
  const iso = new Date(t).toISOString();
  return step >= 86400000 ? iso.slice(5, 10) : (step >= 21600000 ? iso.slice(5, 10) + ' ' + iso.slice(11, 16) : iso.slice(11, 16));
}
function formatValue(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(0) + 'k';
  if (a >= 100 || Number.isInteger(v)) return v.toFixed(0);
  return v.toPrecision(3).replace(/\.?0+$/, '');
}

// Splits [[t, ...], ...] (sorted by t) where two neighbours are more than `gap` apart.
function segments(points, gap) {
  const out = [];
  let current = [];
  for (const p of points) {
    if (current.length && gap && p[0] - current[current.length - 1][0] > gap) {
      out.push(current);
      current = [];
    }
    current.push(p);
  }
  if (current.length) out.push(current);
  return out;
}

// options: {from, to (ms), width, height, yLabel, yZero (include 0), gap (ms: a longer step is a gap),
//   lines: [{name, cls, points: [[t, y]]}], band: {name, cls, points: [[t, lo, hi]]},
//   alarms: [{t, label}], markers: [{t, label}]}
tmf.timeChart = function timeChart(o) {
  const width = o.width || 900, height = o.height || 240;
  const m = {left: 58, right: 16, top: 22, bottom: 26};
  const w = width - m.left - m.right, h = height - m.top - m.bottom;
  const ys = [];
  for (const line of o.lines) for (const p of line.points) ys.push(p[1]);
  if (o.band) for (const p of o.band.points) ys.push(p[1], p[2]);
  let lo = ys.length ? Math.min(...ys) : 0, hi = ys.length ? Math.max(...ys) : 1;
  if (o.yZero) lo = Math.min(lo, 0);
  if (hi - lo < 1e-12) { hi += 1; lo -= lo === 0 ? 0 : 1; }
  const pad = (hi - lo) * 0.05;
  hi += pad;
  if (!(o.yZero && lo === 0)) lo -= pad;
  const x = (t) => m.left + (t - o.from) / (o.to - o.from) * w;
  const y = (v) => m.top + (1 - (v - lo) / (hi - lo)) * h;
  const root = svg('svg', {class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': o.yLabel || 'chart', 'data-points': o.lines.length ? o.lines[0].points.length : 0});

  const grid = svg('g', {class: 'grid'});
  for (const v of niceTicks(lo, hi, 5)) {
    grid.append(svg('line', {x1: m.left, x2: m.left + w, y1: y(v), y2: y(v)}),
      svg('text', {x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end'}, formatValue(v)));
  }
  const tt = timeTicks(o.from, o.to, Math.max(2, Math.floor(w / 110)));
  for (const t of tt.ticks) {
    grid.append(svg('line', {x1: x(t), x2: x(t), y1: m.top, y2: m.top + h}),
      svg('text', {x: x(t), y: m.top + h + 17, 'text-anchor': 'middle'}, timeLabel(t, tt.step)));
  }
  if (o.yLabel) grid.append(svg('text', {x: m.left, y: 13, class: 'ylabel'}, o.yLabel));
  root.append(grid);

  if (o.band) {
    for (const seg of segments(o.band.points, o.gap)) {
      const d = seg.length === 1
        ? `M${x(seg[0][0]) - 1},${y(seg[0][2])}V${y(seg[0][1])}H${x(seg[0][0]) + 1}V${y(seg[0][2])}Z`
        : 'M' + seg.map((p) => `${x(p[0]).toFixed(1)},${y(p[2]).toFixed(1)}`).join('L') +
          'L' + seg.slice().reverse().map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('L') + 'Z';
      root.append(svg('path', {class: 'band ' + (o.band.cls || ''), d}));
    }
  }
  for (const line of o.lines) {
    const g = svg('g', {class: 'series ' + (line.cls || ''), 'data-series': line.name, 'data-points': line.points.length});
    for (const seg of segments(line.points, o.gap)) {
      if (seg.length === 1) g.append(svg('circle', {class: 'single', cx: x(seg[0][0]), cy: y(seg[0][1]), r: 2.5}));
      else g.append(svg('path', {class: 'line', d: 'M' + seg.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('L')}));
    }
    root.append(g);
  }
  const marks = svg('g', {class: 'markers'});
  for (const mk of o.markers || []) {
    if (mk.t < o.from || mk.t > o.to) continue;
    marks.append(svg('line', {class: 'model-change', x1: x(mk.t), x2: x(mk.t), y1: m.top, y2: m.top + h}),
      // Near the right edge the label goes to the left of its line.
      x(mk.t) > m.left + w - 140
        ? svg('text', {class: 'model-change-label', x: x(mk.t) - 3, y: m.top + 10, 'text-anchor': 'end'}, mk.label)
        : svg('text', {class: 'model-change-label', x: x(mk.t) + 3, y: m.top + 10}, mk.label),
      svg('title', {}, mk.label));
  }
  for (const a of o.alarms || []) {
    if (a.t < o.from || a.t > o.to) continue;
    const cx = x(a.t), top = m.top + h;
    marks.append(svg('path', {class: 'alarm-mark', d: `M${cx},${top - 9}L${cx - 5},${top}L${cx + 5},${top}Z`},
      svg('title', {}, a.label)));
  }
  root.append(marks);

  // Read-out: the nearest point of the first line under the pointer.
  const readout = svg('text', {class: 'readout', x: m.left + w, y: 13, 'text-anchor': 'end'}, '');
  const cursor = svg('line', {class: 'cursor', x1: -10, x2: -10, y1: m.top, y2: m.top + h});
  root.append(cursor, readout);
  const first = o.lines[0];
  const hit = svg('rect', {class: 'hit', x: m.left, y: m.top, width: w, height: h});
  hit.addEventListener('mousemove', (ev) => {
    if (!first || !first.points.length) return;
    const box = root.getBoundingClientRect();
    const t = o.from + ((ev.clientX - box.left) * width / box.width - m.left) / w * (o.to - o.from);
    let best = first.points[0];
    for (const p of first.points) if (Math.abs(p[0] - t) < Math.abs(best[0] - t)) best = p;
    cursor.setAttribute('x1', x(best[0]));
    cursor.setAttribute('x2', x(best[0]));
    readout.textContent = new Date(best[0]).toISOString().slice(0, 19).replace('T', ' ') + ' UTC  ' + first.name + ' ' + formatValue(best[1]);
  });
  root.append(hit);

  const legend = tmf.el('div', {class: 'legend'},
    o.lines.map((l) => tmf.el('span', {class: 'key ' + (l.cls || '')}, l.name)),
    o.band ? tmf.el('span', {class: 'key band ' + (o.band.cls || '')}, o.band.name) : null,
    (o.alarms || []).length ? tmf.el('span', {class: 'key alarm'}, 'alarm') : null,
    (o.markers || []).length ? tmf.el('span', {class: 'key model'}, 'model change') : null);
  return tmf.el('figure', {class: 'chart-box'}, root, legend);
};
})();
