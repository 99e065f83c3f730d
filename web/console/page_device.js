// One device (#/device/ID): what it is and runs, its anomaly score over time (mean line, min-max
// band, alarm marks, model changes), signal RMS and inference cycles, model history, rollouts it took part
// in, its alerts and raw-data captures (downloads).
'use strict';
(() => {
const RANGES = [['15 min', 900e3], ['1 h', 3600e3], ['6 h', 6 * 3600e3], ['24 h', 24 * 3600e3], ['7 d', 7 * 24 * 3600e3]];
const state = {range: 24 * 3600e3};
// TELEMETRY's phase field (docs/serve.md, telemetry_batches).
const PHASES = ['no model', 'commissioning', 'monitoring'];

// A gap in a line is a missing bucket and more: 2.5 steps, or 3 times the usual spacing of the
// device's batches when it reports less often than one per bucket.
function gapOf(series) {
  const spacing = [];
  for (let i = 1; i < series.points.length; ++i) spacing.push(series.points[i].t_ms - series.points[i - 1].t_ms);
  spacing.sort((a, b) => a - b);
  const median = spacing.length ? spacing[Math.floor(spacing.length / 2)] : 0;
  return Math.max(2.5 * series.step_ms, 3 * median);
}

function charts(series) {
  const pts = series.points.filter((p) => p.score_mean !== null);
  const common = {from: series.from_ms, to: series.to_ms, gap: gapOf(series),
    markers: series.model_changes.map((c) => ({t: c.at_ms, label: `${c.from || 'none'} → ${c.to}`}))};
  const alarms = series.points.filter((p) => p.alarm).map((p) => ({t: p.t_ms,
    label: `${tmf.time(p.t_ms)}: alarm (${p.alarms_raised} raised in ${p.batches} batch${p.batches === 1 ? '' : 'es'})`}));
  const score = tmf.timeChart(Object.assign({}, common, {
    yLabel: 'anomaly score (mean per bucket; band: min–max)', yZero: true, alarms,
    lines: [{name: 'score', cls: 'score', points: pts.map((p) => [p.t_ms, p.score_mean])}],
    band: {name: 'min–max', cls: 'score', points: pts.map((p) => [p.t_ms, p.score_min, p.score_max])}}));
  score.id = 'score-chart';
  // What the chart was drawn from, for whoever checks it against the device's own batches.
  const root = score.querySelector('svg');
  root.dataset.rangeMs = String(series.to_ms - series.from_ms);
  root.dataset.batches = String(series.points.reduce((n, p) => n + p.batches, 0));
  root.dataset.windows = String(series.points.reduce((n, p) => n + p.windows, 0));
  root.dataset.scoreMax = pts.length ? String(Math.max(...pts.map((p) => p.score_max))) : '';
  // Signal RMS of each window's raw samples (TELEMETRY's optional part; null where no batch of the
  // bucket carried it: older firmware, the 16 KB build).
  const rmsPts = series.points.filter((p) => p.rms_mean !== null && p.rms_mean !== undefined);
  const rms = tmf.timeChart(Object.assign({}, common, {height: 180, yLabel: 'signal RMS (mean per bucket; band: min–max)', yZero: true,
    lines: [{name: 'RMS', cls: 'rms', points: rmsPts.map((p) => [p.t_ms, p.rms_mean])}],
    band: {name: 'min–max', cls: 'rms', points: rmsPts.map((p) => [p.t_ms, p.rms_min, p.rms_max])}}));
  rms.id = 'rms-chart';
  const rmsRoot = rms.querySelector('svg');
  rmsRoot.dataset.rmsMax = rmsPts.length ? String(Math.max(...rmsPts.map((p) => p.rms_max))) : '';
  rmsRoot.dataset.rmsMin = rmsPts.length ? String(Math.min(...rmsPts.map((p) => p.rms_min))) : '';
  const cycles = tmf.timeChart(Object.assign({}, common, {height: 160, yLabel: 'inference cycles per window (mean)', yZero: true,
    lines: [{name: 'cycles', cls: 'cycles', points: series.points.map((p) => [p.t_ms, p.inference_cycles_mean])}]}));
  cycles.id = 'cycles-chart';
  return [score, rms, cycles];
}

async function download(capture, format) {
  try {
    await tmf.download(`/captures/${capture.id}/data?format=${format}`, `capture-${capture.id}-${capture.device}.${format === 'csv' ? 'csv' : 'f32'}`);
  } catch (e) {
    tmf.notice(tmf.errorText(e), 'error');
  }
}

tmf.pages = tmf.pages || {};
tmf.pages.device = {
  nav: 'fleet',
  title: (args) => args[0],
  async render(args) {
    const id = args[0];
    const to = Date.now(), from = to - state.range;
    const enc = encodeURIComponent(id);
    const [d, series] = await Promise.all([
      tmf.get('/devices/' + enc),
      tmf.get(tmf.query(`/devices/${enc}/telemetry`, {from, to, max_points: 600})),
    ]);
    const last = d.last_telemetry;
    const facts = tmf.el('dl', {class: 'facts'},
      tmf.el('dt', {}, 'group'), tmf.el('dd', {}, d.group),
      tmf.el('dt', {}, 'state'), tmf.el('dd', {}, tmf.dot(d.online), ' last seen ', d.last_seen ? tmf.ago(tmf.parseUtc(d.last_seen)) : 'never'),
      tmf.el('dt', {}, 'hardware'), tmf.el('dd', {}, `${d.hardware.core || '?'}, ${tmf.bytes(d.hardware.ram_bytes)} RAM, ${tmf.bytes(d.hardware.flash_bytes)} flash` +
        (d.hardware.clock_hz ? `, ${(d.hardware.clock_hz / 1e6).toFixed(0)} MHz` : '')),
      tmf.el('dt', {}, 'model'), tmf.el('dd', {id: 'device-model'}, tmf.modelLink(d.current_model), d.previous_model ? [' (before: ', tmf.modelLink(d.previous_model), ')'] : null),
      tmf.el('dt', {}, 'last batch'), tmf.el('dd', {}, last ? `${tmf.time(last.received_at_ms)}: ${PHASES[last.phase] || 'phase ' + last.phase}, score mean ${tmf.num(last.score_mean)}, ` +
        `max ${tmf.num(last.score_max)}, ${last.windows} windows${last.alarm ? ', ALARM' : ''}, ${tmf.num(last.inference_cycles)} cycles, ` +
        `${tmf.bytes(last.free_ram_bytes)} free RAM, up ${tmf.num(last.uptime_s)} s` : 'none'));

    const ranges = tmf.el('div', {class: 'filters'}, 'range: ', RANGES.map(([label, ms]) =>
      tmf.el('button', {type: 'button', class: ms === state.range ? 'active' : '', 'data-range': label,
        onclick: () => { state.range = ms; tmf.render(); }}, label)));
    const batches = series.points.reduce((n, p) => n + p.batches, 0);
    const chartNote = tmf.el('p', {class: 'muted'}, `${series.points.length} buckets of ${tmf.num(series.step_ms / 1000, 1)} s from ${batches} batches; ` +
      'gaps are periods without telemetry. Signal RMS is each window\'s raw samples, all axes; devices whose firmware ' +
      'sends none (older ones, the 16 KB build) leave its chart empty.');

    const history = d.model_history.map((h) => [tmf.modelLink(h.model), tmf.time(h.first_batch_at_ms), tmf.time(h.last_batch_at_ms), tmf.num(h.batches)]);
    const rollouts = d.rollouts.map((r) => [tmf.link('#/rollout/' + r.rollout, '#' + r.rollout), tmf.modelLink(r.model), r.stage + 1, tmf.badge(r.state), r.detail, r.updated_at]);
    const alerts = d.alerts.map((a) => [tmf.time(a.raised_at_ms), tmf.badge(a.kind), a.subject, tmf.badge(a.state),
      a.label === null ? '—' : (a.label ? 'fault' : 'false alarm')]);
    const captures = d.captures.map((c) => [c.id, tmf.time(c.requested_at_ms), tmf.badge(c.state),
      `${tmf.num(c.received_samples)} / ${tmf.num(c.total_samples === null ? c.samples : c.total_samples)}`,
      c.sample_rate_hz ? tmf.num(c.sample_rate_hz) + ' Hz' : '—',
      [tmf.el('button', {type: 'button', onclick: () => download(c, 'csv')}, 'CSV'), ' ',
        tmf.el('button', {type: 'button', onclick: () => download(c, 'f32')}, 'float32')]]);

    return tmf.el('div', {},
      tmf.el('h1', {}, 'Device ', tmf.el('span', {id: 'device-id'}, d.id)),
      tmf.section('Device', facts),
      tmf.section('Score and health over time', ranges, charts(series), chartNote),
      tmf.section('Model history (from its telemetry)', tmf.table(['model', 'first batch', 'last batch', 'batches'], history, 'no telemetry yet')),
      tmf.section('Rollouts', tmf.table(['rollout', 'model', 'stage', 'state', 'detail', 'updated'], rollouts, 'in no rollout')),
      tmf.section('Alerts', tmf.table(['raised', 'kind', 'subject', 'state', 'label'], alerts, 'no alerts'), tmf.link('#/alerts', 'label or acknowledge →')),
      tmf.section('Captures (raw data)', tmf.table(['id', 'requested', 'state', 'samples', 'rate', 'download'], captures, 'no captures')));
  },
};
})();
