/* A story's circulation: who it went to and its reach by district and circle, refreshed every
   few seconds (the same counters as a directive's; no acknowledgement is asked for a story). */
"use strict";

const STORY = DATA.story_id;
const COLUMNS = ["targeted", "sent", "delivered", "read", "failed"];
const EVERY_MS = 5000;
let units = {};

function unitName(id) { return (units[id] && text(units[id].name)) || id; }
function pathOf(id) { return (units[id] && units[id].path) || [id]; }

function render(r) {
  document.getElementById("story").hidden = false;
  document.getElementById("story-id").textContent = r.story_id;
  document.getElementById("story-kind").textContent = T.story_kinds[r.kind] || r.kind;
  document.getElementById("scope").textContent = T.scopes[r.scope] || r.scope;
  document.getElementById("meta").textContent = [
    `${T.approved_at}: ${when(r.approved_at)}`,
    `${T.circle_groups}: ${r.circles}`,
    `${T.recipients}: ${r.recipients}`,
    r.fanned_out ? T.fanned_out : T.fanning_out,
  ].join(" · ");
  const shown = r.units.filter((u) => u.depth <= 4);
  const key = (u) => pathOf(u.unit_id).map(unitName).join("\u0000");
  shown.sort((a, b) => key(a).localeCompare(key(b)));
  const cells = (c) => COLUMNS.map((k) => el("td", { "data-col": k }, c[k]));
  const rows = shown.map((u) => el("tr", { "data-unit": u.unit_id, class: `depth-${u.depth}` },
    el("td", {}, text(u.name) || u.unit_id), ...cells(u.counts)));
  rows.push(el("tr", { "data-unit": "total", class: "depth-1" }, el("td", {}, T.total), ...cells(r.totals)));
  document.querySelector("#reach tbody").replaceChildren(...rows);
  document.getElementById("live").textContent = `${T.updated} ${when(r.as_of)}`;
}

async function refresh() {
  const r = await api("GET", `/stories/${encodeURIComponent(STORY)}/reach?down_to=circle`);
  if (r.ok) render(r.data);
  return r.ok;
}

async function start() {
  const u = await api("GET", "/units");
  if (!u.ok) return;
  units = Object.fromEntries(u.data.map((x) => [x.id, x]));
  if (!(await refresh())) return;
  setInterval(refresh, EVERY_MS);
}

if (requireSession()) start();
