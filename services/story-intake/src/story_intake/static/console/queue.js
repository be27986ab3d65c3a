/* My queue: the stories waiting at a level I review at, oldest first, with their age, kind, unit,
   the gate's verdict and marks, and who claimed what. */
"use strict";

async function load(level) {
  clearProblem();
  const r = await api("GET", `/stories/queue?level=${level}`);
  const table = document.getElementById("queue");
  const body = table.querySelector("tbody");
  body.replaceChildren();
  if (!r.ok) return;
  await Promise.all([
    loadNames(r.data.items.map((s) => s.claim && s.claim.by)),
    loadUnitNames(r.data.items.map((s) => s.unit_id)),
  ]);
  for (const s of r.data.items) {
    body.append(el("tr", { "data-story": s.id, class: s.claim ? "claimed" : null },
      el("td", { "data-col": "age" }, age(s.created_at)),
      el("td", { "data-col": "kind" }, T.kinds[s.kind] || s.kind),
      el("td", { "data-col": "title" }, el("a", { href: page(`/console/stories/${s.id}`), class: "story-link" }, titleOf(s))),
      el("td", { "data-col": "unit", "data-unit": s.unit_id }, unitLabel(s.unit_id)),
      el("td", { "data-col": "gate" }, verdictBadge(s.gate_verdict), " ", marks(s)),
      el("td", { "data-col": "claim" }, claimText(s.claim)),
    ));
  }
  table.hidden = false;
  document.getElementById("empty").hidden = r.data.items.length > 0;
}

if (requireSession()) {
  const levels = myLevels();
  const select = document.getElementById("level");
  const asked = new URLSearchParams(window.location.search).get("level");
  for (const l of levels) select.append(el("option", { value: l }, T.levels[l]));
  if (!levels.length) {
    document.getElementById("not-reviewer").hidden = false;
    select.hidden = true;
  } else {
    if (levels.includes(asked)) select.value = asked;
    select.addEventListener("change", () => load(select.value));
    load(select.value);
  }
}
