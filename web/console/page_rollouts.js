// Rollouts (#/rollouts, #/rollout/ID): the loop's release approvals (approve, reject with a
// reason: admin tokens), every deployment with its stage progress and its pause, resume and
// cancel buttons (admin tokens; the engine running it acts within one device step), and one
// deployment's per-device state.
'use strict';
(() => {
tmf.pages = tmf.pages || {};

// "stage 2 of 3" with a bar; a completed deployment has passed every stage.
function progress(r) {
  const stages = Array.isArray(r.stages) ? r.stages : [];
  const done = r.state === 'completed' ? stages.length : Math.min(r.current_stage, stages.length);
  const bar = tmf.el('span', {class: 'progress', title: stages.join(', ')},
    stages.map((s, i) => tmf.el('span', {class: 'step ' + (i < done ? 'done' : (i === done && r.state === 'running' ? 'now' : (i === done ? r.state : '')))}, s)));
  return [bar, ' ', r.state === 'completed' ? 'all stages' : `stage ${Math.min(r.current_stage + 1, stages.length)} of ${stages.length}`];
}

// Pause, resume or cancel: the buttons a deployment's state allows (docs/deploy.md).
const kControls = {running: ['pause', 'cancel'], paused: ['resume', 'cancel']};

async function control(r, action, button) {
  if (action === 'cancel' && !window.confirm(`Cancel rollout #${r.id}? Devices not yet updated are left as they are; updated ones keep ${r.model}.`)) return;
  button.disabled = true;
  try {
    const now = await tmf.post(`/rollouts/${r.id}/${action}`, {});
    tmf.notice(`rollout ${now.id}: ${now.state}${now.reason ? ' (' + now.reason + ')' : ''}`);
    await tmf.render();
  } catch (e) {
    button.disabled = false;
    tmf.notice(tmf.errorText(e), 'error');
  }
}

function controls(r) {
  const actions = kControls[r.state] || [];
  if (!actions.length) return '—';
  if (!tmf.isAdmin()) return tmf.el('span', {class: 'muted'}, 'an admin token pauses or cancels');
  return tmf.el('span', {class: 'actions'}, actions.map((action) => {
    const b = tmf.el('button', {type: 'button', class: action, 'data-control': action, 'data-rollout-id': r.id},
      action[0].toUpperCase() + action.slice(1));
    b.addEventListener('click', () => control(r, action, b));
    return [b, ' '];
  }).flat());
}

async function decide(a, approve, reasonInput, button) {
  button.disabled = true;
  try {
    const body = approve ? {} : {reason: reasonInput.value};
    const decided = await tmf.post(`/approvals/${a.step}/${approve ? 'approve' : 'reject'}`, body);
    tmf.notice(`approval ${a.step} (${decided.version}): ${decided.state} by ${decided.decided_by}`);
    await tmf.render();
  } catch (e) {
    button.disabled = false;
    tmf.notice(tmf.errorText(e), 'error');
  }
}

function approvalRow(a) {
  const pending = a.state === 'pending';
  const reason = tmf.el('input', {type: 'text', class: 'reason', placeholder: 'reason (for a rejection)', size: 28});
  let actions = '—';
  if (pending && tmf.isAdmin()) {
    const approve = tmf.el('button', {type: 'button', class: 'approve', 'data-approve': a.step});
    approve.textContent = 'Approve';
    approve.addEventListener('click', () => decide(a, true, reason, approve));
    const reject = tmf.el('button', {type: 'button', class: 'reject', 'data-reject': a.step}, 'Reject');
    reject.addEventListener('click', () => decide(a, false, reason, reject));
    actions = [approve, ' ', reason, ' ', reject];
  } else if (pending) {
    actions = tmf.el('span', {class: 'muted'}, 'an admin token decides');
  }
  return tmf.el('tr', {'data-approval': a.step, 'data-state': a.state},
    tmf.el('td', {}, a.step), tmf.el('td', {}, a.group), tmf.el('td', {}, tmf.modelLink(a.version)), tmf.el('td', {}, tmf.time(a.requested_at_ms)),
    tmf.el('td', {}, tmf.badge(a.state)), tmf.el('td', {}, a.decided_by ? `${a.decided_by}, ${tmf.time(a.decided_at_ms)}` : '—'),
    tmf.el('td', {}, a.reason || ''), tmf.el('td', {}, actions));
}

tmf.pages.rollouts = {
  title: () => 'Rollouts',
  async render() {
    const [rollouts, approvals] = await Promise.all([tmf.get('/rollouts'), tmf.get('/approvals')]);
    const list = approvals.approvals.slice().sort((x, y) => (x.state === 'pending') === (y.state === 'pending') ? y.step - x.step : (x.state === 'pending' ? -1 : 1));
    const rows = rollouts.rollouts.slice().sort((x, y) => y.id - x.id).map((r) => tmf.el('tr', {'data-rollout': r.id},
      tmf.el('td', {}, tmf.link('#/rollout/' + r.id, '#' + r.id)), tmf.el('td', {}, tmf.modelLink(r.model)), tmf.el('td', {}, r.group),
      tmf.el('td', {}, tmf.badge(r.state)), tmf.el('td', {}, progress(r)), tmf.el('td', {}, r.reason), tmf.el('td', {}, r.updated_at),
      tmf.el('td', {class: 'actions'}, controls(r))));
    return tmf.el('div', {},
      tmf.el('h1', {}, 'Rollouts'),
      tmf.section('Release approvals (the loop waits here)',
        tmf.table(['step', 'group', 'candidate', 'requested', 'state', 'decided', 'reason', ''], list.map(approvalRow), 'no approvals', {id: 'approvals'}),
        tmf.prose('Approving here promotes the candidate and lets serve roll it out to the rest of the group, records signed with serve\'s key; ' +
          'an offline production key stays with `tinymlops loop approve N --signing-key` (docs/loop.md).')),
      tmf.section('Deployments', tmf.table(['id', 'model', 'group', 'state', 'progress', 'reason', 'updated', ''], rows, 'no deployments', {id: 'rollouts'}),
        tmf.prose('Deployments are started by `tinymlops deploy` or serve\'s loop. Pause lets the devices in flight finish and offers no more; ' +
          'cancel offers nothing more and leaves updated devices on the new model, the others on theirs (docs/deploy.md).')));
  },
};

tmf.pages.rollout = {
  nav: 'rollouts',
  title: (args) => 'Rollout ' + args[0],
  async render(args) {
    const r = await tmf.get('/rollouts/' + encodeURIComponent(args[0]));
    const stages = Array.isArray(r.stages) ? r.stages : [];
    const byStage = stages.map((s, i) => {
      const devices = r.devices.filter((d) => d.stage === i);
      const states = {};
      for (const d of devices) states[d.state] = (states[d.state] || 0) + 1;
      return [i + 1, s, devices.length, Object.entries(states).map(([k, n]) => tmf.badge(`${n} ${k}`, k))];
    });
    const devices = r.devices.map((d) => tmf.el('tr', {'data-device': d.device, 'data-state': d.state},
      tmf.el('td', {}, tmf.deviceLink(d.device)), tmf.el('td', {}, d.stage + 1), tmf.el('td', {}, tmf.badge(d.state)),
      tmf.el('td', {}, d.result_code === null ? '—' : d.result_code), tmf.el('td', {}, tmf.num(d.chunks_sent)), tmf.el('td', {}, tmf.bytes(d.bytes_sent)),
      tmf.el('td', {}, d.detail), tmf.el('td', {}, d.updated_at)));
    return tmf.el('div', {},
      tmf.el('h1', {}, `Rollout #${r.id}: `, tmf.modelLink(r.model), ` to ${r.group}`),
      tmf.section('Progress', tmf.el('p', {}, tmf.badge(r.state), ' ', progress(r), ' ', controls(r)), r.reason ? tmf.el('p', {}, r.reason) : null,
        tmf.el('p', {class: 'muted'}, `created ${r.created_at}, updated ${r.updated_at}; health gates: `, tmf.json(r.gates)),
        tmf.table(['stage', 'size', 'devices', 'states'], byStage, 'no stages')),
      tmf.section('Devices', tmf.table(['device', 'stage', 'state', 'result', 'chunks', 'bytes', 'detail', 'updated'], devices, 'no devices yet', {id: 'rollout-devices'})));
  },
};
})();
