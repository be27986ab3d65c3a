/* Dev sign-in (local and test stacks): pick a member from the service's roster read model; the
   service mints a token with the grants of their postings. */
"use strict";

let cursor = null;

function query() {
  const params = new URLSearchParams({ limit: "50" });
  const role = document.getElementById("role").value;
  if (role === "") DATA.officers.forEach((r) => params.append("role", r));
  else if (role !== "*") params.append("role", role);
  const unit = document.getElementById("unit").value.trim();
  const q = document.getElementById("q").value.trim();
  if (unit) params.set("unit", unit);
  if (q) params.set("q", q);
  if (cursor) params.set("cursor", cursor);
  return params.toString();
}

async function load(more) {
  if (!more) {
    cursor = null;
    document.getElementById("members").replaceChildren();
  }
  clearProblem();
  const r = await api("GET", `/dev/members?${query()}`);
  if (!r.ok) return;
  const list = document.getElementById("members");
  for (const m of r.data.items) {
    const name = text(m.name);
    const button = el("button", { type: "button", class: "sign-in-as", "data-member": m.member_id },
      `${name} — ${m.postings.map(postingName).join("; ")}`);
    button.addEventListener("click", () => signIn(m, button));
    list.append(el("li", {}, button));
  }
  if (!more && !r.data.items.length) list.append(el("li", { class: "muted" }, T.none));
  cursor = r.data.next_cursor;
  document.getElementById("more").hidden = !cursor;
}

async function signIn(member, button) {
  button.disabled = true;
  const r = await api("POST", "/dev/tokens", { json: { member_id: member.member_id, language: LANG } });
  button.disabled = false;
  if (!r.ok) return;
  // The names the header shows, from the list the member was picked from.
  setSession({
    token: r.data.token,
    member_id: r.data.member_id,
    grants: r.data.grants,
    name: member.name,
    postings: member.postings.map((p) => ({
      role: p.role, unit_id: p.unit_id, unit_kind: p.unit_kind || null, unit_name: p.unit_name || null,
    })),
    expires_at: Date.now() + (r.data.expires_in - 60) * 1000,
  });
  window.location.assign(page("/console"));
}

document.getElementById("filter").addEventListener("submit", (e) => { e.preventDefault(); load(false); });
document.getElementById("more").addEventListener("click", () => load(true));
load(false);
