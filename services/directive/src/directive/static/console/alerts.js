/* The alert board: open alerts the caller sees (newest, or unacknowledged oldest first) with
   their age, who took each and how far it has escalated; one incident's alerts, officers and
   history with take / close / hand-over; the closed ones with their outcomes; live from
   /incidents/stream (the shared eventStream, which sends the bearer token). */
"use strict";

const lists = { open: { cursor: null, rows: new Map() }, closed: { cursor: null, rows: new Map() } };
let shown = null; // the incident whose detail is open
let stations = [];

function person(p) {
  if (!p) return "";
  const name = personName(p.name);
  return p.role ? `${name} (${roleName(p.role)})` : name;
}

function age(openedAt, closedAt) {
  const seconds = Math.max(0, ((closedAt ? new Date(closedAt) : new Date()) - new Date(openedAt)) / 1000);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} ${T.minutes}`;
  if (minutes < 1440) return `${Math.floor(minutes / 60)} ${T.hours} ${minutes % 60} ${T.minutes}`;
  return `${Math.floor(minutes / 1440)} ${T.days}`;
}

function stage(i) { return T.alert_stages[i.stage] || i.stage; }

function detailButton(i) {
  const b = el("button", { type: "button", class: "link details", "data-incident": i.id }, T.details);
  b.addEventListener("click", () => openDetail(i.id));
  return b;
}

function openRow(i) {
  return el("tr", { "data-incident": i.id, "data-urgency": i.urgency, class: i.taken_by ? "taken" : "pending" },
    el("td", {}, el("span", { class: `priority ${i.urgency === "immediate" ? "flash" : "urgent"}` }, T.urgencies[i.urgency] || i.urgency)),
    el("td", { "data-col": "kind" }, T.alert_kinds[i.kind] || i.kind),
    el("td", {}, i.place.text),
    el("td", { "data-col": "station" }, text(i.station.name) || i.station.id),
    el("td", { "data-col": "count" }, i.alert_count),
    el("td", { "data-col": "age", "data-opened": i.opened_at }, age(i.opened_at)),
    el("td", { "data-col": "stage" }, stage(i)),
    el("td", { "data-col": "taken-by" }, i.taken_by ? person(i.taken_by) : T.not_taken),
    el("td", {}, detailButton(i)));
}

function closedRow(i) {
  return el("tr", { "data-incident": i.id, "data-outcome": i.outcome },
    el("td", {}, when(i.closed_at)),
    el("td", {}, T.alert_kinds[i.kind] || i.kind),
    el("td", {}, i.place.text),
    el("td", {}, text(i.station.name) || i.station.id),
    el("td", {}, i.alert_count),
    el("td", { "data-col": "outcome" }, T.outcomes[i.outcome] || i.outcome),
    el("td", { "data-col": "fir" }, i.fir_number || ""),
    el("td", {}, person(i.closed_by)),
    el("td", {}, detailButton(i)));
}

function tbody(which) { return document.querySelector(`#${which} tbody`); }

function refreshEmpty() {
  for (const which of ["open", "closed"]) {
    document.getElementById(`${which}-empty`).hidden = lists[which].rows.size > 0;
  }
}

async function load(which, more) {
  const list = lists[which];
  const order = which === "open" ? `&order=${document.getElementById("order").value}` : "";
  const after = more && list.cursor ? `&cursor=${encodeURIComponent(list.cursor)}` : "";
  const r = await api("GET", `/incidents?state=${which}&limit=50${order}${after}`);
  if (!r.ok) return;
  if (!more) {
    list.rows.clear();
    tbody(which).replaceChildren();
  }
  for (const i of r.data.items) {
    if (list.rows.has(i.id)) continue;
    const row = which === "open" ? openRow(i) : closedRow(i);
    list.rows.set(i.id, row);
    tbody(which).append(row);
  }
  list.cursor = r.data.next_cursor;
  document.getElementById(`${which}-more`).hidden = !list.cursor;
  refreshEmpty();
}

/* One incident changed: its row is replaced where it stands, a new one placed by the order,
   a closed one moves to the closed table. */
function applyChange(i) {
  const open = lists.open.rows.get(i.id);
  if (i.closed_at) {
    if (open) { open.remove(); lists.open.rows.delete(i.id); }
    const row = closedRow(i);
    const old = lists.closed.rows.get(i.id);
    if (old) old.replaceWith(row); else tbody("closed").prepend(row);
    lists.closed.rows.set(i.id, row);
  } else {
    const row = openRow(i);
    if (open) open.replaceWith(row);
    else if (document.getElementById("order").value === "oldest_unacknowledged") {
      // The newest of those nobody took: last before the taken ones (a taken one: at the end).
      const firstTaken = i.taken_by ? null : [...tbody("open").children].find((r) => r.classList.contains("taken"));
      tbody("open").insertBefore(row, firstTaken || null);
    } else tbody("open").prepend(row);
    lists.open.rows.set(i.id, row);
  }
  refreshEmpty();
  if (shown === i.id) openDetail(i.id, true);
}

function gone(id) {
  for (const which of ["open", "closed"]) {
    const row = lists[which].rows.get(id);
    if (row) { row.remove(); lists[which].rows.delete(id); }
  }
  if (shown === id) document.getElementById("detail").hidden = true;
  refreshEmpty();
}

function names(d) {
  const found = {};
  for (const a of d.alerts) found[a.raiser.member_id] = person(a.raiser);
  for (const o of d.officers) found[o.officer.member_id] = person(o.officer);
  return found;
}

function historyLine(h, who) {
  const parts = [when(h.at), T.happenings[h.what] || h.what];
  if (h.by) parts.push(who[h.by] || h.by);
  if (h.what === "escalated" && h.stage) parts.push(T.alert_stages[h.stage]);
  if (h.members.length) parts.push(h.members.map((m) => who[m] || m).join(", "));
  if (h.outcome) parts.push(T.outcomes[h.outcome] + (h.fir_number ? ` (${h.fir_number})` : ""));
  return el("li", { "data-what": h.what }, parts.join(" · "));
}

async function openDetail(id, quiet) {
  const r = await api("GET", `/incidents/${encodeURIComponent(id)}`);
  if (!r.ok) return;
  const d = r.data;
  shown = d.id;
  const who = names(d);
  document.getElementById("detail").hidden = false;
  document.getElementById("detail").dataset.incident = d.id;
  document.getElementById("detail-title").textContent =
    `${T.alert_kinds[d.kind] || d.kind} — ${d.place.text} (${text(d.station.name) || d.station.id})`;
  document.getElementById("detail-state").textContent = d.closed_at
    ? `${T.outcomes[d.outcome]}${d.fir_number ? ` (${d.fir_number})` : ""}`
    : `${stage(d)} · ${d.taken_by ? `${T.taken_by}: ${person(d.taken_by)}` : T.not_taken}`;
  const open = !d.closed_at;
  document.getElementById("take").hidden = !open || !!d.taken_by;
  document.getElementById("close-form").hidden = !open;
  document.getElementById("hand-over-form").hidden = !open;
  document.getElementById("hand-over-station").replaceChildren(...stations
    .filter((s) => s.id !== d.station.id)
    .map((s) => el("option", { value: s.id }, text(s.name) ? `${text(s.name)} — ${districtOf(s)}` : s.id)));
  document.getElementById("detail-alerts").replaceChildren(...d.alerts.map((a) => el("li", { "data-alert": a.id },
    el("p", {}, `${when(a.raised_at)} · ${T.raised_by}: ${person(a.raiser)}`),
    el("p", { class: "body" }, a.text),
    el("p", { class: "muted" }, [a.place.text, a.vehicle_number ? `${T.vehicle_number}: ${a.vehicle_number}` : null].filter(Boolean).join(" · ")),
    a.photos.length ? el("p", {}, `${T.photos}: `, ...a.photos.map((p, n) =>
      el("a", { href: p.url, class: "photo", title: p.media_type }, `${T.photo} ${n + 1} `))) : null)));
  document.getElementById("detail-officers").querySelector("tbody").replaceChildren(...d.officers.map((o) =>
    el("tr", { "data-member": o.officer.member_id, "data-receipt": o.receipt },
      el("td", {}, person(o.officer)),
      el("td", {}, o.unit ? text(o.unit.name) || o.unit.id : ""),
      el("td", {}, T.alert_stages[o.stage] || o.stage),
      el("td", {}, T.receipts[o.receipt] || o.receipt))));
  document.getElementById("detail-history").replaceChildren(...d.history.map((h) => historyLine(h, who)));
  if (!quiet) document.getElementById("detail").scrollIntoView({ block: "nearest" });
}

let unitNames = {};
function districtOf(s) {
  const district = s.path[2];
  return (unitNames[district] && text(unitNames[district].name)) || district || "";
}

function done(message) {
  const p = document.getElementById("done");
  p.textContent = message;
  p.hidden = false;
}

async function act(path, json, message) {
  clearProblem();
  document.getElementById("done").hidden = true;
  const r = await api("POST", `/incidents/${encodeURIComponent(shown)}/${path}`, { json });
  if (r.ok) {
    done(message);
    await openDetail(shown, true);
  }
}

async function start() {
  const u = await api("GET", "/units");
  if (!u.ok) return;
  unitNames = Object.fromEntries(u.data.map((x) => [x.id, x]));
  stations = u.data.filter((x) => x.kind === "police_station" && x.active)
    .sort((a, b) => (districtOf(a) + text(a.name)).localeCompare(districtOf(b) + text(b.name)));
  document.getElementById("order").addEventListener("change", () => load("open"));
  document.getElementById("open-more").addEventListener("click", () => load("open", true));
  document.getElementById("closed-more").addEventListener("click", () => load("closed", true));
  document.getElementById("export").addEventListener("click", () => download("/incidents/export.csv", "alerts.csv"));
  document.getElementById("take").addEventListener("click", () => act("take", {}, T.taken_done));
  document.getElementById("close-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const fir = document.getElementById("fir-number").value.trim();
    act("close", { outcome: document.getElementById("outcome").value, fir_number: fir || undefined }, T.closed_done);
  });
  document.getElementById("hand-over-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("hand-over", { station_id: document.getElementById("hand-over-station").value }, T.handed_done);
  });
  // Ages move on between changes.
  setInterval(() => {
    for (const td of document.querySelectorAll('#open td[data-col="age"]')) td.textContent = age(td.dataset.opened);
  }, 30000);
  eventStream("/incidents/stream", (name, data) => {
    if (name === "ready") { load("open"); load("closed"); }
    else if (name === "incident") {
      applyChange(JSON.parse(data));
      document.getElementById("live").textContent = `${T.live} · ${T.updated} ${when(new Date().toISOString())}`;
    }
    else if (name === "gone") gone(JSON.parse(data).id);
  }, (up) => {
    document.getElementById("live").textContent = up ? `${T.live} · ${T.updated} ${when(new Date().toISOString())}` : T.offline;
  });
}

if (requireSession()) start();
