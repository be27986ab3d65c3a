/* One directive: its text, the SP's relay and the CO's note forms, reach by district and circle
   updating live, laggards, escalations and the CSV record. */
"use strict";

const ID = DATA.directive_id;
const COLUMNS = ["targeted", "sent", "delivered", "read", "acknowledged", "failed"];
let units = {};
let detail = null;
let formsFor = null;
let refreshedAt = 0;
let refreshPending = false;

function unitName(id) { return (units[id] && text(units[id].name)) || id; }
function pathOf(id) { return (units[id] && units[id].path) || [id]; }
function covers(grant, unitId) { return pathOf(unitId).includes(grant.unit); }
function done(message) {
  const p = document.getElementById("done");
  p.textContent = message;
  p.hidden = false;
}

function renderText(d) {
  document.getElementById("title").textContent = text(d.title);
  document.getElementById("body").textContent = text(d.body);
  const priority = document.getElementById("priority");
  priority.textContent = T.priority_names[d.priority];
  priority.className = `priority ${d.priority}`;
  document.getElementById("state").textContent = T.state_names[d.state] || d.state;
  document.getElementById("meta").textContent = [
    `${T.issued}: ${when(d.issued_at)}`,
    `${T.relay_mode}: ${d.relay_mode === "automatic" ? T.relay_automatic : T.relay_manual} (${when(d.relay_deadline)})`,
    `${T.ack_required}: ${d.ack_required ? T.yes : T.no}`,
    `${T.threshold_short}: ${pct(d.ack_threshold)}`,
  ].join(" · ");
  if (d.kind === "campaign") {
    document.getElementById("campaign-link").href = page(`/console/directives/${d.id}/campaign`);
    document.getElementById("campaign").hidden = false;
  }
  document.getElementById("attachments").replaceChildren(...d.attachments.map((a) => {
    const b = el("button", { type: "button", class: "link attachment" }, `${a.filename} (${Math.ceil(a.size / 1024)} KiB)`);
    b.addEventListener("click", () => download(`/attachments/${a.id}`, a.filename));
    return el("li", {}, b);
  }));
}

function renderDistricts(d) {
  const rows = d.districts.map((x) => {
    const relays = d.relays.filter((r) => r.district_id === x.district_id);
    const state = x.relayed_at
      ? `${T.relayed} ${when(x.relayed_at)}${relays.some((r) => r.automatic) ? ` (${T.automatic})` : ""}`
      : T.not_relayed;
    const circles = relays.flatMap((r) => r.circle_ids).map(unitName).join(", ");
    return el("tr", { "data-district": x.district_id, class: x.relayed_at ? "relayed" : "pending" },
      el("td", {}, unitName(x.district_id)), el("td", {}, state), el("td", {}, circles),
      el("td", {}, relays.map((r) => r.note).filter(Boolean).join(" / ")));
  });
  document.querySelector("#districts tbody").replaceChildren(...rows);
}

function circlesOf(districtId, targeted) {
  return Object.values(units)
    .filter((u) => u.kind === "circle" && u.active && u.path.includes(districtId))
    .filter((u) => !targeted || targeted.includes(u.id))
    .sort((a, b) => a.id.localeCompare(b.id));
}

function renderRelayForm(d) {
  const grants = grantsFor("relay");
  const open = d.state === "active"
    ? d.districts.filter((x) => !x.relayed_at && grants.some((g) => covers(g, x.district_id)))
    : [];
  document.getElementById("relay-card").hidden = open.length === 0;
  if (!open.length) return;
  const select = document.getElementById("relay-district");
  select.replaceChildren(...open.map((x) => el("option", { value: x.district_id }, unitName(x.district_id))));
  const showCircles = () => {
    const x = open.find((o) => o.district_id === select.value);
    document.getElementById("relay-circles").replaceChildren(...circlesOf(x.district_id, x.circle_ids).map((c) =>
      el("label", {}, el("input", { type: "checkbox", name: "relay-circle", value: c.id, checked: true }), ` ${text(c.name)}`)));
  };
  select.onchange = showCircles;
  showCircles();
}

function renderNoteForm(d) {
  const grants = grantsFor("note");
  const relayed = d.relays.flatMap((r) => r.circle_ids);
  const mine = [...new Set(relayed)].filter((c) => grants.some((g) => covers(g, c)));
  document.getElementById("note-card").hidden = mine.length === 0 || d.state !== "active";
  document.getElementById("note-circle").replaceChildren(...mine.map((c) => el("option", { value: c }, unitName(c))));
}

async function loadDetail() {
  const r = await api("GET", `/directives/${ID}`);
  if (!r.ok) return false;
  detail = r.data;
  document.getElementById("directive").hidden = false;
  renderText(detail);
  renderDistricts(detail);
  // Forms are rebuilt only when what they offer changed, so a refresh never undoes a choice.
  const signature = JSON.stringify([detail.state, detail.districts.map((x) => x.relayed_at), detail.relays.map((x) => x.relay_id)]);
  if (signature !== formsFor) {
    formsFor = signature;
    renderRelayForm(detail);
    renderNoteForm(detail);
  }
  return true;
}

function counts(c) {
  return [...COLUMNS.map((k) => el("td", { "data-col": k }, c[k])), el("td", { "data-col": "ack_share" }, pct(c.ack_share))];
}

function renderReach(reach) {
  const shown = reach.units.filter((u) => u.depth <= 4);
  const key = (u) => pathOf(u.unit_id).map(unitName).join("\u0000");
  shown.sort((a, b) => key(a).localeCompare(key(b)));
  const below = (u) => u.depth === 4 && u.counts.ack_share !== null && u.counts.ack_share < detail.ack_threshold;
  const rows = shown.map((u) => el("tr", { "data-unit": u.unit_id, class: `depth-${u.depth}${below(u) ? " below" : ""}` },
    el("td", {}, text(u.name) || u.unit_id), ...counts(u.counts)));
  rows.push(el("tr", { "data-unit": "total", class: "depth-1" }, el("td", {}, T.total), ...counts(reach.totals)));
  document.querySelector("#reach tbody").replaceChildren(...rows);
  document.querySelector("#messages tbody").replaceChildren(...reach.messages.map((m) =>
    el("tr", { "data-message": m.message_id, "data-kind": m.kind },
      el("td", {}, `${T.message_kinds[m.kind] || m.kind} #${m.seq}`), el("td", {}, m.unit_id ? unitName(m.unit_id) : "—"),
      ...["targeted", "delivered", "read", "acknowledged"].map((k) => el("td", {}, m.counts[k])))));
  document.querySelector("#escalations tbody").replaceChildren(...reach.escalations.map((e) =>
    el("tr", { "data-kind": e.kind, "data-unit": e.unit_id },
      el("td", {}, when(e.at)), el("td", {}, T.escalation_kinds[e.kind] || e.kind),
      el("td", {}, unitName(e.unit_id)), el("td", {}, e.recipients.length), el("td", {}, pct(e.ack_share)))));
  document.getElementById("live").textContent = `${T.live} · ${T.updated} ${when(reach.as_of)}`;
  // Relays (an automatic one too) and escalations change the districts and laggards as well.
  // At most one refresh every two seconds, and always one after the last event.
  if (!refreshPending) {
    refreshPending = true;
    setTimeout(() => {
      refreshPending = false;
      refreshedAt = Date.now();
      loadDetail();
      loadLaggards();
    }, Math.max(0, 2000 - (Date.now() - refreshedAt)));
  }
}

let laggardsBusy = false;
async function loadLaggards() {
  if (laggardsBusy) return;
  laggardsBusy = true;
  try {
    const r = await api("GET", `/directives/${ID}/laggards`);
    if (!r.ok) return;
    document.getElementById("laggard-districts").replaceChildren(...r.data.districts_not_relayed.map((x) =>
      el("li", { "data-district": x.district_id, class: x.overdue ? "overdue" : "" },
        `${text(x.name) || x.district_id}${x.overdue ? ` — ${T.overdue}` : ""}`)));
    document.getElementById("laggard-circles").replaceChildren(...r.data.circles_below_threshold.map((c) =>
      el("li", { "data-circle": c.circle_id, "data-stage": c.stage },
        `${text(c.name) || c.circle_id}: ${c.acknowledged}/${c.targeted} (${pct(c.ack_share)}) — ${T.stages[c.stage] || c.stage}`)));
  } finally {
    laggardsBusy = false;
  }
}

async function relay(event) {
  event.preventDefault();
  clearProblem();
  const district = document.getElementById("relay-district").value;
  const x = detail.districts.find((o) => o.district_id === district);
  const all = circlesOf(district, x.circle_ids).map((c) => c.id);
  const chosen = [...document.querySelectorAll('input[name="relay-circle"]:checked')].map((i) => i.value);
  const note = document.getElementById("relay-note").value.trim();
  const button = document.getElementById("relay-button");
  button.disabled = true;
  const r = await api("POST", `/directives/${ID}/relays`, {
    json: { district_id: district, circle_ids: chosen.length === all.length ? undefined : chosen, note: note || undefined },
  });
  button.disabled = false;
  if (r.ok) {
    done(`${T.relay_done}: ${unitName(district)}`);
    await loadDetail();
  }
}

async function note(event) {
  event.preventDefault();
  clearProblem();
  const button = document.getElementById("note-button");
  button.disabled = true;
  const r = await api("POST", `/directives/${ID}/notes`, {
    json: { circle_id: document.getElementById("note-circle").value, text: document.getElementById("note-text").value.trim() },
  });
  button.disabled = false;
  if (r.ok) {
    document.getElementById("note-text").value = "";
    done(T.note_done);
  }
}

async function start() {
  const r = await api("GET", "/units");
  if (!r.ok) return;
  units = Object.fromEntries(r.data.map((u) => [u.id, u]));
  if (!(await loadDetail())) return;
  loadLaggards();
  document.getElementById("relay-form").addEventListener("submit", relay);
  document.getElementById("note-form").addEventListener("submit", note);
  document.getElementById("export-station").addEventListener("click", () => download(`/directives/${ID}/export.csv?per=station`, "reach.csv"));
  document.getElementById("export-member").addEventListener("click", () => download(`/directives/${ID}/export.csv?per=member`, "members.csv"));
  eventStream(`/directives/${ID}/reach/stream?down_to=circle`, (name, data) => {
    if (name === "reach") renderReach(JSON.parse(data));
  }, (up) => { if (!up) document.getElementById("live").textContent = T.offline; });
}

if (requireSession()) start();
