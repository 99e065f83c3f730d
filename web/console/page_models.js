// Models (#/models, #/model/NAME/V): every model and version with its stage and metrics, and one
// version's lineage: the data it was trained on, its parent, the reason and parameters, its
// metrics, the versions derived from it and how many devices run it.
'use strict';
(() => {
tmf.pages = tmf.pages || {};

function metricsList(metrics) {
  const entries = Object.entries(metrics || {});
  if (!entries.length) return '—';
  return tmf.el('span', {class: 'metrics'}, entries.map(([k, v]) => tmf.el('span', {class: 'pair'}, `${k} ${tmf.num(v)}`)));
}

function parametersView(p) {
  if (p === null || p === undefined) return '—';
  if (typeof p !== 'object') return String(p);
  return tmf.el('dl', {class: 'params'}, Object.entries(p).map(([k, v]) =>
    [tmf.el('dt', {}, k), tmf.el('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))]));
}

tmf.pages.models = {
  title: () => 'Models',
  async render() {
    const list = await tmf.get('/models');
    return tmf.el('div', {},
      tmf.el('h1', {}, 'Models'),
      list.models.length ? list.models.map((m) => tmf.section(`${m.name} (model id 0x${(m.model_id >>> 0).toString(16).padStart(8, '0')})`,
        tmf.el('p', {}, 'production: ', m.production === null ? 'none' : tmf.modelLink(`${m.name}:${m.production}`)),
        tmf.table(['version', 'stage', 'created', 'metrics'], m.versions.slice().reverse().map((v) =>
          [tmf.modelLink(`${m.name}:${v.version}`), tmf.badge(v.stage), v.created_at, metricsList(v.metrics)]), 'no versions')))
        : tmf.el('p', {class: 'empty'}, 'no models in the registry'));
  },
};

tmf.pages.model = {
  nav: 'models',
  title: (args) => `${args[0]}:${args[1]}`,
  async render(args) {
    const base = `/models/${encodeURIComponent(args[0])}/versions/${encodeURIComponent(args[1])}`;
    const [v, lineage] = await Promise.all([tmf.get(base), tmf.get(base + '/lineage')]);
    const facts = tmf.el('dl', {class: 'facts'},
      tmf.el('dt', {}, 'stage'), tmf.el('dd', {}, tmf.badge(v.stage)),
      tmf.el('dt', {}, 'created'), tmf.el('dd', {}, v.created_at),
      tmf.el('dt', {}, 'devices running it'), tmf.el('dd', {id: 'devices-running'}, tmf.num(v.devices_running)),
      tmf.el('dt', {}, 'file'), tmf.el('dd', {}, `${tmf.bytes(v.file_bytes)}, arena ${tmf.bytes(v.arena_bytes)}, ${tmf.num(v.macs)} MACs, from ${v.source}`),
      tmf.el('dt', {}, 'artifact SHA-256'), tmf.el('dd', {}, tmf.el('code', {}, v.artifact_sha256)),
      tmf.el('dt', {}, 'signed by key'), tmf.el('dd', {}, v.signature_key_id ? tmf.el('code', {}, v.signature_key_id) : 'unsigned'),
      tmf.el('dt', {}, 'derived versions'), tmf.el('dd', {}, v.children.length ? v.children.map((c) => tmf.el('span', {class: 'pair'}, tmf.modelLink(c))) : 'none'));
    const chain = lineage.lineage.map((l) => tmf.el('tr', {'data-ref': l.ref},
      tmf.el('td', {}, tmf.modelLink(l.ref)), tmf.el('td', {}, tmf.badge(l.stage)), tmf.el('td', {}, l.created_at),
      tmf.el('td', {}, l.lineage.data || '—'), tmf.el('td', {}, l.lineage.parent ? tmf.modelLink(l.lineage.parent) : '—'),
      tmf.el('td', {}, parametersView(l.lineage.parameters)), tmf.el('td', {}, metricsList(l.metrics))));
    return tmf.el('div', {},
      tmf.el('h1', {}, 'Model ', v.ref),
      tmf.section('Version', facts),
      tmf.section('Lineage (this version first, then its parents)',
        tmf.table(['version', 'stage', 'created', 'data', 'parent', 'reason and parameters', 'metrics'], chain, 'no lineage', {id: 'lineage'})));
  },
};
})();
