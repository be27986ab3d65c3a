/* The roster office's pages on the consoles' frame (nazar_ui's common.js: the session, api(),
   problems, the header, el()). The session is the one the consoles read, written by the phone
   sign-in page or, in local and test stacks, by the dev sign-in below; every name shown is a
   name, never a role, unit-kind or member code. */
"use strict";

const $ = (id) => document.getElementById(id);
const memberName = (m) => personName({ hi: m.name_hi, en: m.name_latin });

/* --- the dev sign-in page (local and test) -------------------------------------------------- */
async function devSignIn(memberId) {
  clearProblem();
  const r = await api("POST", "/dev/tokens", { json: { member_id: memberId, language: LANG } });
  if (!r.ok) return;
  // The member's names and postings for the header, read with the token just minted.
  const me = await fetch(`${PREFIX}/api/v1/members/${encodeURIComponent(memberId)}`, {
    headers: { Authorization: `Bearer ${r.data.token}`, "Accept-Language": LANG, Accept: "application/json" },
  });
  const m = me.ok ? await me.json() : null;
  setSession({
    token: r.data.token,
    member_id: r.data.member_id,
    grants: r.data.grants,
    name: m ? { hi: m.name_hi, en: m.name_latin } : null,
    postings: m ? m.postings.map((p) => ({
      role: p.role, unit_id: p.unit_id, unit_name: { hi: p.unit_name_hi, en: p.unit_name_en },
    })) : null,
    expires_at: Date.now() + (r.data.expires_in - 60) * 1000,
  });
  window.location.assign(DATA.next);
}

function devSignInPage() {
  document.querySelectorAll(".sign-in-as").forEach((b) =>
    b.addEventListener("click", () => devSignIn(b.dataset.member)));
  $("by-id").addEventListener("submit", (e) => {
    e.preventDefault();
    devSignIn($("member-id").value.trim());
  });
}

/* --- member search -------------------------------------------------------------------------- */
let next = null;
async function search(more) {
  clearProblem();
  const params = new URLSearchParams({ limit: "25" });
  const q = $("search-q").value.trim();
  const unit = $("search-unit").value.trim();
  if (q) params.set("q", q);
  if (unit) params.set("unit", unit);
  if (more && next) params.set("cursor", next);
  const r = await api("GET", `/members?${params}`);
  if (!r.ok) return;
  const body = $("search-results").querySelector("tbody");
  if (!more) body.replaceChildren();
  for (const m of r.data.items) {
    const p = m.postings.find((x) => x.primary) || m.postings[0];
    body.append(el("tr", { "data-member": m.member_id },
      el("td", {}, memberName(m)),
      el("td", {}, p ? roleName(p.role) : ""),
      el("td", {}, p ? text({ hi: p.unit_name_hi, en: p.unit_name_en }) : "")));
  }
  if (!more && !r.data.items.length) {
    body.append(el("tr", { class: "empty" }, el("td", { colSpan: 3 }, T.no_results)));
  }
  next = r.data.next_cursor;
  $("search-more").hidden = !next;
}

function rosterPage() {
  if (!requireSession()) return;
  $("search-form").addEventListener("submit", (e) => { e.preventDefault(); search(false); });
  $("search-more").addEventListener("click", () => search(true));
}

if (DATA.page === "dev-sign-in") devSignInPage();
else if (DATA.page === "roster") rosterPage();
