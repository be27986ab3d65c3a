// The roster pages: a thin client of /api/v1 under the roster's prefix. The session is the one
// the consoles read (nazar.console.session: token, member_id, grants, name, expires_at), written
// by the phone sign-in page (or the dev sign-in, local and test); an expired access token is
// refreshed through /auth/token with the refresh cookie before the member is sent to sign in.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const t = data.labels;
  const lang = data.lang;
  const API = (data.prefix || "") + "/api/v1";
  const SESSION_KEY = "nazar.console.session";
  const $ = (id) => document.getElementById(id);

  function stored() {
    try { return JSON.parse(sessionStorage.getItem(SESSION_KEY)); } catch (_) { return null; }
  }
  const live = () => { const s = stored(); return s && s.expires_at > Date.now() ? s : null; };
  const signInPage = () => data.prefix + "/sign-in?lang=" + lang + "&next=" +
    encodeURIComponent(window.location.pathname + window.location.search);

  function fromToken(answer, name) {
    const part = answer.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
    return { token: answer.access_token, member_id: answer.member_id, grants: claims.grants || [],
             name: name || answer.member_id, expires_at: Date.now() + (answer.expires_in - 60) * 1000 };
  }

  async function refresh() {
    try {
      const r = await fetch(API + "/auth/token", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept-Language": lang },
        body: JSON.stringify({ grant_type: "refresh_token" }),
      });
      if (!r.ok) return false;
      const answer = await r.json();
      const old = stored();
      sessionStorage.setItem(SESSION_KEY, JSON.stringify(
        fromToken(answer, old && old.member_id === answer.member_id ? old.name : null)));
      return true;
    } catch (_) { return false; }
  }

  function showError(problem) {
    const el = $("error");
    if (el) el.textContent = problem ? (problem.title + (problem.detail ? ": " + problem.detail : "")) : "";
  }

  async function api(path, options, retried) {
    if (!live() && !(await refresh())) { window.location.assign(signInPage()); throw new Error("signed out"); }
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ "Accept-Language": lang, "Authorization": "Bearer " + live().token }, opts.headers);
    const response = await fetch(API + path, opts);
    if (response.status === 401 && !retried && await refresh()) return api(path, options, true);
    const body = await response.json().catch(() => null);
    if (!response.ok) { showError(body); throw new Error(body && body.code); }
    showError(null);
    return body;
  }

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  }

  const unitName = (u) => (lang === "hi" ? u.name_hi : u.name_en);
  const memberName = (m) => (lang === "hi" ? (m.name_hi || m.name_latin) : (m.name_latin || m.name_hi));

  // --- dev sign-in page (local and test) -------------------------------------------------
  async function signIn(memberId) {
    const response = await fetch(API + "/dev/tokens", {
      method: "POST", headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify({ member_id: memberId, language: lang }),
    });
    const body = await response.json();
    if (!response.ok) { showError(body); return; }
    const me = await fetch(API + "/members/" + encodeURIComponent(memberId), {
      headers: { "Authorization": "Bearer " + body.token, "Accept-Language": lang },
    });
    const name = me.ok ? memberName(await me.json()) : null;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({
      token: body.token, member_id: body.member_id, grants: body.grants, name: name || memberId,
      expires_at: Date.now() + (body.expires_in - 60) * 1000,
    }));
    window.location.assign(data.next);
  }
  document.querySelectorAll(".sign-in-as").forEach((b) =>
    b.addEventListener("click", () => signIn(b.dataset.member)));
  if ($("sign-in-id")) $("sign-in-id").addEventListener("click", () => signIn($("member-id").value.trim()));

  if (!$("tree")) return;
  if (!live()) {
    // No live session: a refresh (the page loads again) or the sign-in page.
    refresh().then((ok) => (ok ? window.location.reload() : window.location.assign(signInPage())));
    return;
  }
  const who = $("who");
  who.append(el("span", t.signed_in_as + " " + live().name + " ", { id: "who-name" }));
  const out = el("button", t.sign_out, { id: "sign-out" });
  out.addEventListener("click", async () => {
    // Revokes the refresh token's family (a dev session has none: the answer does not matter).
    await fetch(API + "/auth/sign-out", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept-Language": lang }, body: "{}",
    }).catch(() => null);
    sessionStorage.removeItem(SESSION_KEY);
    window.location.assign(data.prefix + "/sign-in?lang=" + lang);
  });
  who.append(out);

  // --- the tree --------------------------------------------------------------------------
  async function expand(li, unitId) {
    if (li.dataset.open === "1") { li.querySelector("ul").remove(); li.dataset.open = "0"; return; }
    const units = await api("/units" + (unitId ? "?parent=" + encodeURIComponent(unitId) : ""));
    const ul = el("ul");
    units.forEach((u) => {
      const item = el("li", null, { "data-unit": u.unit_id });
      const button = el("button", unitName(u), { class: "unit", "data-unit": u.unit_id });
      button.addEventListener("click", () => expand(item, u.unit_id));
      item.append(button, el("span", " " + u.unit_id + (u.active ? "" : " ✕"), { class: "kind" }));
      ul.append(item);
    });
    li.append(ul);
    li.dataset.open = "1";
  }
  const root = $("tree");
  (async () => {
    const units = await api("/units");
    units.forEach((u) => {
      const item = el("li", null, { "data-unit": u.unit_id });
      const button = el("button", unitName(u), { class: "unit", "data-unit": u.unit_id });
      button.addEventListener("click", () => expand(item, u.unit_id));
      item.append(button);
      root.append(item);
    });
  })();

  // --- search ----------------------------------------------------------------------------
  let next = null;
  async function search(more) {
    const params = new URLSearchParams();
    const q = $("search-q").value.trim();
    const unit = $("search-unit").value.trim();
    if (q) params.set("q", q);
    if (unit) params.set("unit", unit);
    params.set("limit", "25");
    if (more && next) params.set("cursor", next);
    const page = await api("/members?" + params.toString());
    const body = $("search-results").querySelector("tbody");
    if (!more) body.innerHTML = "";
    page.items.forEach((m) => {
      const p = m.postings.find((x) => x.primary) || m.postings[0] || {};
      const tr = el("tr", null, { "data-member": m.member_id });
      tr.append(el("td", memberName(m)), el("td", data.roles[p.role] || p.role || ""),
                el("td", p.unit_id ? (lang === "hi" ? p.unit_name_hi : p.unit_name_en) : ""));
      body.append(tr);
    });
    if (!more && page.items.length === 0) {
      const tr = el("tr", null, { class: "empty" }); tr.append(el("td", t.no_results)); body.append(tr);
    }
    next = page.next_cursor;
    $("search-more").hidden = !next;
  }
  $("search-form").addEventListener("submit", (e) => { e.preventDefault(); search(false); });
  $("search-more").addEventListener("click", () => search(true));

  // --- import ----------------------------------------------------------------------------
  async function showReport(id) {
    const report = await api("/imports/" + id + "?limit=200");
    $("report").hidden = false;
    $("report-status").textContent = t[report.status] || report.status;
    const counts = $("report-counts");
    counts.innerHTML = "";
    ["accepted", "rejected", "would_deactivate", "applied", "created", "changed", "deactivated",
     "events"].forEach((k) => {
      if (report.counts[k] === undefined) return;
      counts.append(el("dt", t[k]), el("dd", String(report.counts[k]), { id: "count-" + k }));
    });
    // A full sync applies nothing until confirmed (by a second officer too when it deactivates many).
    const review = report.review;
    const waiting = report.status === "awaiting_confirmation";
    $("report-review").hidden = !(waiting || report.status === "interrupted");
    $("report-review").textContent = report.status === "interrupted" ? t.interrupted_note : !review ? "" :
      t.review.replace("{got}", review.confirmed_by.length).replace("{needed}", review.confirmations_needed) +
      (review.confirmations_needed > 1 ? " " + t.second_officer : "");
    $("report-confirm").hidden = !waiting;
    $("report-confirm").onclick = async () => {
      await api("/imports/" + id + "/confirmation", { method: "POST" });
      showReport(id);
    };
    const body = $("report-rows").querySelector("tbody");
    body.innerHTML = "";
    report.rejected.forEach((r) => {
      const tr = el("tr", null, { "data-row": String(r.row) });
      tr.append(el("td", String(r.row)), el("td", r.key || "—"),
                el("td", r.problems.map((p) => (lang === "hi" ? p.hi : p.en) + (p.column ? " [" + p.column + "]" : "")).join("; ")));
      body.append(tr);
    });
    if (report.status === "running") setTimeout(() => showReport(id), 500);
  }
  $("import-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = $("import-file").files[0];
    if (!file) return;
    const params = new URLSearchParams({ kind: $("import-kind").value, filename: file.name,
                                         full_sync: $("import-full-sync").checked ? "true" : "false" });
    const created = await api("/imports?" + params.toString(), {
      method: "POST", headers: { "Content-Type": "text/csv" }, body: file,
    });
    showReport(created.import_id);
  });
})();
