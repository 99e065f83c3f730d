// Alerts (#/alerts): filter by state and kind, acknowledge, and label as a real fault or a false
// alarm with a note: the same labels `tinymlops alerts label` writes and the loop trains on.
'use strict';
(() => {
tmf.pages = tmf.pages || {};
const filter = {state: 'open', kind: 'all'};

async function act(path, body, what, buttons) {
  for (const b of buttons) b.disabled = true;
  try {
    const a = await tmf.post(path, body);
    tmf.notice(`alert ${a.id}: ${what}`);
    await tmf.render();
  } catch (e) {
    for (const b of buttons) b.disabled = false;
    tmf.notice(tmf.errorText(e), 'error');
  }
}

function detailText(detail) {
  if (detail === null || typeof detail !== 'object') return String(detail === null ? '' : detail);
  return Object.entries(detail).map(([k, v]) => `${k} ${typeof v === 'number' ? tmf.num(v) : JSON.stringify(v)}`).join(', ');
}

function alertRow(a) {
  const admin = tmf.isAdmin();
  const note = tmf.el('input', {type: 'text', class: 'note', placeholder: 'note', size: 18, value: a.label_note || ''});
  const fault = tmf.el('button', {type: 'button', class: 'label-fault', title: 'a real fault: the loop leaves this machine out of its next collection of healthy data'}, 'Fault');
  const falseAlarm = tmf.el('button', {type: 'button', class: 'label-false', title: 'a false alarm: counts towards serve --labels-to-retrain'}, 'False alarm');
  const ack = tmf.el('button', {type: 'button', class: 'ack'}, 'Ack');
  const buttons = [fault, falseAlarm, ack];
  fault.addEventListener('click', () => act(`/alerts/${a.id}/label`, {label: true, note: note.value || null}, 'labelled a fault', buttons));
  falseAlarm.addEventListener('click', () => act(`/alerts/${a.id}/label`, {label: false, note: note.value || null}, 'labelled a false alarm', buttons));
  ack.addEventListener('click', () => act(`/alerts/${a.id}/ack`, {}, 'acknowledged', buttons));
  const label = a.label === null ? '—' : tmf.badge(a.label ? 'fault' : 'false alarm', a.label ? 'fault' : 'falsealarm');
  return tmf.el('tr', {'data-alert': a.id, 'data-state': a.state, 'data-label': a.label === null ? '' : String(a.label)},
    tmf.el('td', {}, a.id), tmf.el('td', {}, tmf.time(a.raised_at_ms)), tmf.el('td', {}, tmf.badge(a.kind)), tmf.el('td', {}, a.source),
    tmf.el('td', {}, a.device ? tmf.deviceLink(a.device) : (a.group || '—')), tmf.el('td', {}, a.subject),
    tmf.el('td', {class: 'detail'}, detailText(a.detail)), tmf.el('td', {}, tmf.badge(a.state)),
    tmf.el('td', {}, label, a.label_note ? [' ', tmf.el('span', {class: 'muted'}, a.label_note)] : null),
    tmf.el('td', {class: 'actions'}, admin ? [note, ' ', fault, ' ', falseAlarm, a.state === 'open' ? [' ', ack] : null]
      : tmf.el('span', {class: 'muted'}, 'an admin token labels')));
}

tmf.pages.alerts = {
  title: () => 'Alerts',
  async render() {
    const list = await tmf.get(tmf.query('/alerts', {state: filter.state, kind: filter.kind, limit: 1000}));
    const select = (id, key, values) => tmf.el('select', {id, onchange: (e) => { filter[key] = e.target.value; tmf.render(); }},
      values.map((v) => tmf.el('option', {value: v, selected: v === filter[key]}, v)));
    const rows = list.alerts.slice().reverse().map(alertRow);
    return tmf.el('div', {},
      tmf.el('h1', {}, 'Alerts'),
      tmf.section(`${list.alerts.length} alert${list.alerts.length === 1 ? '' : 's'}, newest first`,
        tmf.el('div', {class: 'filters'}, 'state ', select('alert-state', 'state', ['open', 'acked', 'all']), ' kind ', select('alert-kind', 'kind', ['all', 'alarm', 'drift'])),
        tmf.table(['id', 'raised', 'kind', 'source', 'device / group', 'subject', 'detail', 'state', 'label', ''], rows, 'no alerts match', {id: 'alerts'}),
        tmf.prose('Labels are what `tinymlops alerts label` writes: with --labels-to-retrain N, N labelled alarms start a retraining; a machine labelled a fault is left out of the next collection (docs/loop.md).')));
  },
};
})();
