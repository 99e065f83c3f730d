// DOM helpers for the console. Every text from the API (device ids, notes, reasons) is untrusted:
// it only ever becomes a text node or an attribute value, never markup.
'use strict';
window.tmf = window.tmf || {};

// el('td', {class: 'num', onclick: f}, child, 'text', ...): an element with attributes, event
// handlers (on*) and children (nodes, strings, numbers; null and undefined are skipped; arrays flattened).
tmf.el = function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  tmf.append(node, children);
  return node;
};

tmf.append = function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
};

tmf.link = (href, text) => tmf.el('a', {href}, text);
tmf.deviceLink = (id) => tmf.link('#/device/' + encodeURIComponent(id), id);
tmf.modelLink = (ref) => {
  if (!ref) return '—';
  const colon = ref.lastIndexOf(':');
  if (colon < 0 || ref.startsWith('0x')) return ref;
  return tmf.link('#/model/' + encodeURIComponent(ref.slice(0, colon)) + '/' + encodeURIComponent(ref.slice(colon + 1)), ref);
};

// A table from column headers and rows of cells; `empty` is shown when there are no rows.
tmf.table = function table(headers, rows, empty, attrs) {
  if (rows.length === 0) return tmf.el('p', {class: 'empty'}, empty || 'none');
  return tmf.el('table', attrs || {},
    tmf.el('thead', {}, tmf.el('tr', {}, headers.map((h) => tmf.el('th', {}, h)))),
    tmf.el('tbody', {}, rows.map((row) => row instanceof Node ? row :
      tmf.el('tr', {}, row.map((cell) => cell instanceof Node && cell.tagName === 'TD' ? cell : tmf.el('td', {}, cell))))));
};

tmf.section = (title, ...content) => tmf.el('section', {class: 'card'}, tmf.el('h2', {}, title), content);

tmf.time = function time(ms) {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
};
tmf.ago = function ago(ms) {
  if (!ms) return '—';
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 90) return s + ' s ago';
  if (s < 5400) return Math.round(s / 60) + ' min ago';
  if (s < 129600) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
};
// The registry's own text timestamps ("2026-12-06 14:33:22" or ISO 8601, UTC).
tmf.parseUtc = function parseUtc(text) {
  if (!text) return null;
  const t = Date.parse(/Z$|[+-]\d\d:?\d\d$/.test(text) ? text : text.replace(' ', 'T') + 'Z');
  return Number.isNaN(t) ? null : t;
};
tmf.num = (v, digits) => (v === null || v === undefined) ? '—' :
  (typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(digits === undefined ? 3 : digits)) : String(v));
tmf.bytes = (v) => v === null || v === undefined ? '—' : v.toLocaleString('en') + ' B';
tmf.badge = (text, kind) => tmf.el('span', {class: 'badge ' + (kind || String(text).replace(/[^a-z_]/gi, ''))}, text);
tmf.dot = (online) => tmf.el('span', {class: online ? 'dot on' : 'dot off', title: online ? 'online' : 'offline'}, online ? 'online' : 'offline');
tmf.json = (v) => tmf.el('code', {class: 'json'}, typeof v === 'string' ? v : JSON.stringify(v));
// A paragraph of the console's own text in which `backquoted` words are commands or flags.
tmf.prose = (text, attrs) => tmf.el('p', attrs || {class: 'muted'},
  text.split('`').map((part, i) => i % 2 ? tmf.el('code', {}, part) : part));
