// Fleet overview (#/fleet): totals, groups (devices, online, models, open alerts), the model
// versions in production, the devices (filter by group and state, paged) and the newest open alarms.
'use strict';
(() => {
window.tmf = window.tmf || {};
tmf.pages = tmf.pages || {};

const FLEET_PAGE = 200;

tmf.pages.fleet = {
  title: () => 'Fleet',
  state: {group: '', state: 'all', offset: 0},
  async render() {
    const st = this.state;
    const [groups, devices, models, alerts, rollouts, paused, approvals] = await Promise.all([
      tmf.get('/groups'),
      tmf.get(tmf.query('/devices', {group: st.group, state: st.state, limit: FLEET_PAGE, offset: st.offset})),
      tmf.get('/models'),
      tmf.get('/alerts?state=open&limit=1000'),
      tmf.get('/rollouts?state=running'),
      tmf.get('/rollouts?state=paused'),
      tmf.get('/approvals?state=pending'),
    ]);
    const totalDevices = groups.groups.reduce((n, g) => n + g.devices, 0);
    const online = groups.groups.reduce((n, g) => n + g.online, 0);
    const openAlarms = alerts.alerts.filter((a) => a.kind === 'alarm').length;
    const openDrift = alerts.alerts.filter((a) => a.kind === 'drift').length;

    const summary = tmf.el('div', {class: 'tiles'},
      tile('devices', totalDevices), tile('online', online, online < totalDevices ? 'warn' : ''),
      tile('open alarms', openAlarms, openAlarms ? 'bad' : ''), tile('open drift alerts', openDrift, openDrift ? 'warn' : ''),
      tile('rollouts running', rollouts.rollouts.length), tile('rollouts paused', paused.rollouts.length, paused.rollouts.length ? 'warn' : ''),
      tile('approvals waiting', approvals.approvals.length, approvals.approvals.length ? 'warn' : ''));

    const groupRows = groups.groups.map((g) => [
      g.group, tmf.num(g.devices), tmf.num(g.online),
      Object.entries(g.models).map(([m, n]) => tmf.el('span', {class: 'pair'}, m === 'none' ? 'none' : tmf.modelLink(m), ' × ' + n)),
      Object.entries(g.open_alerts).map(([k, n]) => tmf.badge(`${n} ${k}`, k)),
    ]);
    const production = models.models.map((m) => [
      m.production !== null ? tmf.modelLink(`${m.name}:${m.production}`) : m.name + ' (none in production)',
      m.versions.length,
      m.versions.filter((v) => v.stage === 'staging').map((v) => tmf.el('span', {class: 'pair'}, tmf.modelLink(`${m.name}:${v.version}`)))]);

    const groupSelect = tmf.el('select', {id: 'fleet-group', onchange: (e) => { st.group = e.target.value; st.offset = 0; tmf.render(); }},
      tmf.el('option', {value: ''}, 'all groups'),
      groups.groups.map((g) => tmf.el('option', {value: g.group, selected: g.group === st.group}, g.group)));
    const stateSelect = tmf.el('select', {id: 'fleet-state', onchange: (e) => { st.state = e.target.value; st.offset = 0; tmf.render(); }},
      ['all', 'online', 'offline'].map((s) => tmf.el('option', {value: s, selected: s === st.state}, s)));
    const deviceRows = devices.devices.map((d) => tmf.el('tr', {'data-device': d.id},
      tmf.el('td', {}, tmf.deviceLink(d.id)), tmf.el('td', {}, d.group), tmf.el('td', {}, tmf.dot(d.online)),
      tmf.el('td', {}, tmf.modelLink(d.current_model)), tmf.el('td', {}, d.hardware.core || '—'),
      tmf.el('td', {}, d.last_seen ? tmf.ago(tmf.parseUtc(d.last_seen)) : '—')));
    const pager = tmf.el('p', {class: 'pager'},
      `${devices.total === 0 ? 0 : devices.offset + 1}–${devices.offset + devices.devices.length} of ${devices.total}`,
      devices.offset > 0 ? tmf.el('button', {type: 'button', onclick: () => { st.offset = Math.max(0, st.offset - FLEET_PAGE); tmf.render(); }}, '◀ previous') : null,
      devices.offset + devices.devices.length < devices.total ? tmf.el('button', {type: 'button', onclick: () => { st.offset += FLEET_PAGE; tmf.render(); }}, 'next ▶') : null);

    const newest = alerts.alerts.slice(-10).reverse().map((a) => [tmf.time(a.raised_at_ms), tmf.badge(a.kind),
      a.device ? tmf.deviceLink(a.device) : (a.group || a.subject), a.subject]);

    return tmf.el('div', {},
      tmf.el('h1', {}, 'Fleet'),
      summary,
      tmf.section('Groups', tmf.table(['group', 'devices', 'online', 'models running', 'open alerts'], groupRows, 'no devices enrolled yet')),
      tmf.section('Models', tmf.table(['in production', 'versions', 'staging'], production, 'no models in the registry')),
      tmf.section('Devices', tmf.el('div', {class: 'filters'}, groupSelect, stateSelect),
        tmf.table(['device', 'group', 'state', 'model', 'core', 'last seen'], deviceRows, 'no devices match', {id: 'devices'}), pager),
      tmf.section('Newest open alerts', tmf.table(['raised', 'kind', 'device / group', 'subject'], newest, 'no open alerts'),
        tmf.link('#/alerts', 'all alerts →')));
  },
};

function tile(label, value, kind) {
  return tmf.el('div', {class: 'tile ' + (kind || '')}, tmf.el('div', {class: 'value'}, tmf.num(value)), tmf.el('div', {class: 'label'}, label));
}
tmf.tile = tile;
})();
