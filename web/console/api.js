// The console's only access to data: the JSON API under /api/v1 with the operator's token
// (docs/api.md), kept in this tab's sessionStorage; never another origin.
'use strict';
window.tmf = window.tmf || {};

tmf.token = {
  get: () => sessionStorage.getItem('tmf.token') || '',
  set: (t) => sessionStorage.setItem('tmf.token', t),
  clear: () => sessionStorage.removeItem('tmf.token'),
};

// The API's error, with the status and the field it names (400 naming `state`, 403 naming the role).
class ApiError extends Error {
  constructor(status, field, message) {
    super(message);
    this.status = status;
    this.field = field;
  }
}
tmf.ApiError = ApiError;

tmf.request = async function request(method, path, body) {
  const headers = {'Authorization': 'Bearer ' + tmf.token.get()};
  const init = {method, headers, cache: 'no-store', credentials: 'omit'};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch('/api/v1' + path, init);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { json = null; }
  if (!res.ok) {
    const err = json && json.error ? json.error : {status: res.status, field: '', message: text || res.statusText};
    throw new ApiError(res.status, err.field, err.message);
  }
  return json;
};

tmf.get = (path) => tmf.request('GET', path);
tmf.post = (path, body) => tmf.request('POST', path, body === undefined ? {} : body);

// `path?k=v&...` from an object, leaving out empty values.
tmf.query = function query(path, params) {
  const q = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');
  return q ? path + '?' + q : path;
};

// A capture's samples as a file download (the request carries the token, so no plain link).
tmf.download = async function download(path, filename) {
  const res = await fetch('/api/v1' + path, {headers: {'Authorization': 'Bearer ' + tmf.token.get()}, cache: 'no-store'});
  if (!res.ok) throw new ApiError(res.status, '', 'download failed: HTTP ' + res.status);
  const url = URL.createObjectURL(await res.blob());
  const a = tmf.el('a', {href: url, download: filename});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
};
