/* A campaign's reach by district and circle: how many members received it and how many times
   each circle's tracked link was opened, refreshed every few seconds. */
"use strict";

const DIRECTIVE = DATA.directive_id;
const COLUMNS = ["targeted", "delivered", "read"];
const EVERY_MS = 5000;

function row(unitId, name, depth, counts, opens, link) {
  return el("tr", { "data-unit": unitId, class: `depth-${depth}` },
    el("td", {}, name || unitId),
    ...COLUMNS.map((k) => el("td", { "data-col": k }, counts[k])),
    el("td", { "data-col": "opens" }, opens),
    el("td", { "data-col": "link" }, link === undefined ? "" : (link || T.not_relayed_yet)));
}

function render(r) {
  document.getElementById("campaign").hidden = false;
  const post = document.getElementById("post");
  post.textContent = r.public_post_url || "—";
  if (r.public_post_url) post.href = r.public_post_url;
  const rows = [];
  for (const d of r.districts) {
    rows.push(row(d.district_id, text(d.name), 3, d.counts, d.opens));
    for (const c of d.circles) rows.push(row(c.circle_id, text(c.name), 4, c.counts, c.opens, c.link));
  }
  rows.push(row("total", T.total, 1, r.totals, r.opens));
  document.querySelector("#circles tbody").replaceChildren(...rows);
  document.getElementById("live").textContent = `${T.updated} ${when(r.as_of)}`;
}

async function refresh() {
  const r = await api("GET", `/directives/${DIRECTIVE}/campaign`);
  if (r.ok) render(r.data);
  return r.ok;
}

async function start() {
  document.getElementById("back").href = page(`/console/directives/${DIRECTIVE}`);
  const d = await api("GET", `/directives/${DIRECTIVE}`);
  if (!d.ok) return;
  document.getElementById("title").textContent = text(d.data.title);
  if (!(await refresh())) return;
  setInterval(refresh, EVERY_MS);
}

if (requireSession()) start();
