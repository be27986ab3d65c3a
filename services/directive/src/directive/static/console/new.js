/* Issue a directive: text in Hindi and/or English, audience from the unit tree, priority, relay
   mode, deadlines, attachments (uploaded first, then linked by id). */
"use strict";

const AUDIENCE_KINDS = ["range", "commissionerate", "district", "circle"];

function checkbox(unit) {
  return el("label", { class: "unit" },
    el("input", { type: "checkbox", name: "audience", value: unit.id, "data-unit": unit.id }),
    ` ${text(unit.name) || unit.id}`);
}

/* A unit with units below: a button that shows or hides them beside its checkbox (a checkbox
   inside a <summary> would be one control inside another, which a screen reader cannot use). */
function branch(unit, children) {
  const kids = (children[unit.id] || []).filter((u) => AUDIENCE_KINDS.includes(u.kind) && u.active);
  if (!kids.length) return el("span", { class: "leaf" }, checkbox(unit));
  const below = el("div", { class: "below", hidden: true }, kids.map((k) => branch(k, children)));
  const toggle = el("button", {
    type: "button", class: "unit link toggle", "data-unit": unit.id, "aria-expanded": "false",
    "aria-label": `${T.show_units_below}: ${text(unit.name) || unit.id}`,
  }, "▸");
  toggle.addEventListener("click", () => {
    below.hidden = !below.hidden;
    toggle.textContent = below.hidden ? "▸" : "▾";
    toggle.setAttribute("aria-expanded", String(!below.hidden));
  });
  return el("div", { class: "branch" }, toggle, " ", checkbox(unit), below);
}

async function loadTree() {
  const r = await api("GET", "/units");
  if (!r.ok) return;
  const children = {};
  for (const u of r.data) (children[u.parent_id] = children[u.parent_id] || []).push(u);
  const tops = r.data.filter((u) => u.kind === "range" || u.kind === "commissionerate");
  document.getElementById("tree").replaceChildren(...tops.map((u) => branch(u, children)));
}

function seconds(value) {
  const minutes = parseFloat(value);
  return Number.isFinite(minutes) && minutes > 0 ? Math.max(1, Math.round(minutes * 60)) : undefined;
}

async function upload(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const r = await api("POST", "/attachments", { body: form });
  return r.ok ? r.data.id : null;
}

async function submit(event) {
  event.preventDefault();
  clearProblem();
  const f = event.target;
  const button = document.getElementById("issue-button");
  button.disabled = true;
  try {
    const attachmentIds = [];
    for (const file of f.attachments.files) {
      const id = await upload(file);
      if (!id) return;
      attachmentIds.push(id);
    }
    const value = (name) => f[name].value.trim() || undefined;
    const roles = [...f.querySelectorAll('input[name="roles"]:checked')].map((i) => i.value);
    const threshold = parseFloat(f.threshold.value);
    const body = {
      kind: f.kind.value,
      priority: f.priority.value,
      title: { hi: value("title_hi"), en: value("title_en") },
      body: { hi: value("body_hi"), en: value("body_en") },
      audience: {
        unit_ids: [...f.querySelectorAll('input[name="audience"]:checked')].map((i) => i.value),
        roles: roles.length ? roles : undefined,
      },
      ack_required: f.ack_required.checked,
      relay_mode: f.querySelector('input[name="relay_mode"]:checked').value,
      relay_deadline_seconds: seconds(f.relay_deadline.value),
      ack_window_seconds: seconds(f.ack_window.value),
      ack_threshold: Number.isFinite(threshold) ? threshold / 100 : undefined,
      expires_at: f.expires_at.value ? new Date(f.expires_at.value).toISOString() : undefined,
      attachment_ids: attachmentIds,
      public_post_url: value("public_post_url"),
    };
    const r = await api("POST", "/directives", { json: body });
    if (r.ok) window.location.assign(page(`/console/directives/${r.data.id}`));
  } finally {
    button.disabled = false;
  }
}

if (requireSession()) {
  document.getElementById("issue").addEventListener("submit", submit);
  loadTree();
}
