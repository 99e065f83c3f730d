// The console's shell: sign-in with a token, the hash router (#/fleet, #/device/ID, #/rollouts,
// #/rollout/ID, #/alerts, #/models, #/model/NAME/V) and the optional periodic refresh. Pages
// live in page_*.js and register themselves in tmf.pages.
'use strict';
(() => {
window.tmf = window.tmf || {};
tmf.pages = tmf.pages || {};

const shell = {
  generation: 0,
  timer: null,
  status: null,  // GET /api/v1/status of this token: name, role
};

tmf.isAdmin = () => !!(shell.status && shell.status.token && shell.status.token.role === 'admin');

// A message above the page: what failed and why (the API's own message names the field).
tmf.notice = function notice(text, kind) {
  const footer = document.getElementById('footer');
  footer.replaceChildren(tmf.el('p', {class: kind === 'error' ? 'error' : 'info', id: 'notice'}, text));
};
tmf.errorText = (e) => e instanceof tmf.ApiError ? `${e.message} (HTTP ${e.status}${e.field ? ', ' + e.field : ''})` : String(e && e.message || e);

function route() {
  const parts = (location.hash.replace(/^#\/?/, '') || 'fleet').split('/').map(decodeURIComponent);
  return {name: parts[0], args: parts.slice(1)};
}

// Draws the page of the current hash; a page that finishes after a newer render is discarded.
tmf.render = async function render() {
  const main = document.getElementById('main');
  if (!tmf.token.get()) return showLogin();
  const {name, args} = route();
  const page = tmf.pages[name];
  const generation = ++shell.generation;
  const nav = page && page.nav ? page.nav : name;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.nav === nav);
  if (!page) {
    main.replaceChildren(tmf.el('p', {class: 'error'}, 'no such page: #/' + name));
    return;
  }
  try {
    const content = await page.render(args);
    if (generation !== shell.generation) return;
    main.replaceChildren(content);
    main.dataset.page = name;
    main.dataset.ready = String(generation);
    document.title = (page.title ? page.title(args) + ' · ' : '') + 'Tiny-MLOps console';
  } catch (e) {
    if (generation !== shell.generation) return;
    if (e instanceof tmf.ApiError && e.status === 401) {
      tmf.token.clear();
      showLogin(tmf.errorText(e));
      return;
    }
    main.replaceChildren(tmf.el('p', {class: 'error'}, tmf.errorText(e)));
    main.dataset.ready = String(generation);
  }
};

function showLogin(message) {
  document.getElementById('login').hidden = false;
  document.getElementById('main').replaceChildren();
  document.getElementById('nav').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('whoami').textContent = '';
  document.getElementById('login-error').textContent = message || '';
  document.getElementById('token').focus();
}

async function signIn(token) {
  tmf.token.set(token);
  try {
    shell.status = await tmf.get('/status');
  } catch (e) {
    tmf.token.clear();
    showLogin(tmf.errorText(e));
    return;
  }
  document.getElementById('login').hidden = true;
  document.getElementById('nav').hidden = false;
  document.getElementById('logout').hidden = false;
  const s = shell.status;
  document.getElementById('whoami').replaceChildren(
    tmf.el('span', {}, `${s.token.name} (${s.token.role})`),
    tmf.el('span', {class: s.broker_connected ? 'dot on' : 'dot off'}, s.broker_connected ? 'broker connected' : 'broker disconnected'),
    tmf.el('span', {class: 'muted'}, 'serve ' + s.version));
  await tmf.render();
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = document.getElementById('token').value.trim();
    document.getElementById('token').value = '';
    if (token) signIn(token);
  });
  document.getElementById('logout').addEventListener('click', () => {
    tmf.token.clear();
    shell.status = null;
    showLogin();
  });
  document.getElementById('auto-refresh').addEventListener('change', (ev) => {
    clearInterval(shell.timer);
    shell.timer = null;
    // Not while the operator types a note or a reason: that would throw the text away.
    if (ev.target.checked) {
      shell.timer = setInterval(() => {
        const active = document.activeElement;
        if (!active || !['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName) || active.id === 'auto-refresh') tmf.render();
      }, 10000);
    }
  });
  window.addEventListener('hashchange', () => { document.getElementById('footer').replaceChildren(); tmf.render(); });
  if (tmf.token.get()) signIn(tmf.token.get());
  else showLogin();
});
})();
