/* The directives the caller may read, newest first. */
"use strict";

let cursor = null;

async function load() {
  const r = await api("GET", `/directives?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
  if (!r.ok) return;
  const body = document.querySelector("#directives tbody");
  for (const d of r.data.items) {
    body.append(el("tr", { "data-directive": d.id },
      el("td", {}, when(d.issued_at)),
      el("td", {}, el("span", { class: `priority ${d.priority}` }, T.priority_names[d.priority])),
      el("td", {}, el("a", { href: page(`/console/directives/${d.id}`), class: "directive-link" }, text(d.title))),
      el("td", {}, d.relay_mode === "automatic" ? T.relay_automatic : T.relay_manual),
      el("td", {}, T.state_names[d.state] || d.state),
    ));
  }
  cursor = r.data.next_cursor;
  document.getElementById("more").hidden = !cursor;
  document.getElementById("empty").hidden = body.children.length > 0;
}

if (requireSession()) {
  document.getElementById("new-directive").hidden = grantsFor("issue").length === 0;
  document.getElementById("alert-board").hidden = grantsFor("alerts").length === 0;
  document.getElementById("more").addEventListener("click", load);
  load();
}
