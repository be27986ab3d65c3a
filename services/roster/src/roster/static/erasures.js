/* The office's erasure requests on the consoles' frame (nazar_ui's common.js: the session, api(),
   problems, the header, el()): the list with the form to ask for one, and one request with its
   decision and, per read model, when it confirmed the erasure. People are shown by name. */
"use strict";

const $ = (id) => document.getElementById(id);
const requestUrl = (id) => page(`/roster/erasures/${encodeURIComponent(id)}`);
const memberName = (r) => (r.member_name_hi || r.member_name_latin
  ? personName({ hi: r.member_name_hi, en: r.member_name_latin }) : T.erased_member);
const statusName = (s) => (T.statuses && T.statuses[s]) || s;

/* --- the list and the form ----------------------------------------------------------------- */
let next = null;
async function list(more) {
  const params = new URLSearchParams({ limit: "25" });
  if (more && next) params.set("cursor", next);
  const r = await api("GET", `/erasures?${params}`);
  if (!r.ok) return;
  const body = $("erasures").querySelector("tbody");
  if (!more) body.replaceChildren();
  for (const i of r.data.items) {
    body.append(el("tr", { "data-request": i.request_id, "data-member": i.member_id },
      el("td", {}, el("a", { href: requestUrl(i.request_id) }, when(i.requested_at))),
      el("td", {}, memberName(i)),
      el("td", {}, i.requested_by_name || "—"),
      el("td", { class: "status" }, statusName(i.status))));
  }
  if (!more && !r.data.items.length) {
    body.append(el("tr", { class: "empty" }, el("td", { colSpan: 4 }, T.no_requests)));
  }
  next = r.data.next_cursor;
  $("erasures-more").hidden = !next;
}

async function showMember() {
  const id = $("erasure-member").value.trim();
  $("erasure-member-name").textContent = "";
  if (!id) return;
  const r = await api("GET", `/members/${encodeURIComponent(id)}`);
  if (r.ok) $("erasure-member-name").textContent = personName({ hi: r.data.name_hi, en: r.data.name_latin });
}

async function ask(e) {
  e.preventDefault();
  clearProblem();
  const r = await api("POST", "/erasures", {
    json: { member_id: $("erasure-member").value.trim(), reason: $("erasure-reason").value },
  });
  if (r.ok) window.location.assign(requestUrl(r.data.request_id));
}

function erasuresPage() {
  if (!requireSession()) return;
  list(false);
  if (DATA.member) {
    $("erasure-member").value = DATA.member;
    showMember();
  }
  $("erasure-member").addEventListener("change", showMember);
  $("erasure-form").addEventListener("submit", ask);
  $("erasures-more").addEventListener("click", () => list(true));
}

/* --- one request ------------------------------------------------------------------------------ */
const ID = DATA.request_id;

function confirmations(req) {
  const erased = Boolean(req.erased_at);
  $("confirmations-section").hidden = req.status !== "approved";
  $("confirmations").querySelector("tbody").replaceChildren(...req.confirmations.map((c) =>
    el("tr", { "data-read-model": c.read_model },
      el("td", {}, (T.read_models && T.read_models[c.read_model]) || c.read_model),
      el("td", { class: c.confirmed_at ? "confirmed" : "waiting" },
        c.confirmed_at ? when(c.confirmed_at) : erased ? T.waiting : T.not_erased))));
  $("erasure-complete").hidden = !req.complete;
}

async function show() {
  const r = await api("GET", `/erasures/${ID}`);
  if (!r.ok) return;
  const req = r.data;
  $("erasure").hidden = false;
  $("erasure-status").textContent = statusName(req.status);
  $("erasure-status").dataset.status = req.status;
  $("erasure-member-shown").textContent = memberName(req);
  $("erasure-reason-shown").textContent = req.reason;
  $("erasure-requested-by").textContent = req.requested_by_name || "—";
  $("erasure-requested-at").textContent = when(req.requested_at);
  $("erasure-decided-by").textContent = req.decided_by_name || "—";
  $("erasure-decided-at").textContent = req.decided_at ? when(req.decided_at) : "—";
  $("erasure-note").textContent = req.decision_note || "—";
  $("erasure-erased-at").textContent = req.erased_at ? when(req.erased_at) : "—";
  // Shown to whoever may erase somewhere; the API refuses the requester's own request.
  $("decision").hidden = req.status !== "requested" || !grantsFor("erase").length;
  confirmations(req);
  if (req.status === "approved" && !req.complete) setTimeout(show, 1000);
}

async function decide(what) {
  clearProblem();
  const note = $("erasure-decision-note").value.trim();
  const r = await api("POST", `/erasures/${ID}/${what}`, { json: note ? { note } : {} });
  if (r.ok) show();
}

function erasurePage() {
  if (!requireSession()) return;
  show();
  $("erasure-approve").addEventListener("click", () => decide("approval"));
  $("erasure-reject").addEventListener("click", () => decide("rejection"));
}

if (DATA.page === "erasures") erasuresPage();
else if (DATA.page === "erasure") erasurePage();
