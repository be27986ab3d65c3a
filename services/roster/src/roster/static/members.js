/* The members' pages on the consoles' frame (nazar_ui's common.js): the office's member list
   with its filters, and a member's page with its changes. Everything is read from and written to
   /api/v1 with the caller's session; roles, units, states and methods are shown by name, never by
   code, and phone numbers only as the API masks them. In a block of its own: roster.js and
   tree.js share the page's global scope. */
"use strict";
{
  const byId = (id) => document.getElementById(id);
  const unitName = (u) => text({ hi: u.name_hi, en: u.name_en });
  const nameOf = (m) => personName({ hi: m.name_hi, en: m.name_latin });
  const memberUrl = (id) => page(`/roster/members/${encodeURIComponent(id)}`);
  const unitUrl = (id) => page(`/roster/units/${encodeURIComponent(id)}`);
  const named = (group, key) => (T[group] && T[group][key]) || "";
  const day = (iso) => (iso ? new Date(`${iso}T00:00:00`).toLocaleDateString(LANG === "hi" ? "hi-IN" : "en-IN", { dateStyle: "medium" }) : "");
  const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  const placeName = (p) => text({ hi: p.unit_name_hi, en: p.unit_name_en });

  /* The caller's units three levels down (a district: its circles and stations), as options. */
  async function unitOptions(select) {
    const roots = await api("GET", "/tree");
    if (!roots.ok) return;
    const options = [];
    const walk = async (units, depth) => {
      for (const u of units) {
        options.push(el("option", { value: u.unit_id }, `${"— ".repeat(depth)}${unitName(u)} (${unitKindName(u.kind)})`));
        if (depth < 2) {
          const kids = await api("GET", `/units?parent=${encodeURIComponent(u.unit_id)}`);
          if (kids.ok) await walk(kids.data.filter((k) => k.active), depth + 1);
        }
      }
    };
    await walk(roots.data, 0);
    select.append(...options);
  }

  /* --- the list ------------------------------------------------------------------------------ */
  let cursor = null;
  async function list(more) {
    clearProblem();
    const params = new URLSearchParams({ limit: "50" });
    for (const [key, id] of [["q", "filter-q"], ["unit", "filter-unit"], ["role", "filter-role"],
      ["active", "filter-active"], ["consent", "filter-consent"], ["channel", "filter-channel"]]) {
      const v = byId(id).value.trim();
      if (v) params.set(key, v);
    }
    if (more && cursor) params.set("cursor", cursor);
    const r = await api("GET", `/members?${params}`);
    if (!r.ok) return;
    const body = byId("member-list").querySelector("tbody");
    if (!more) body.replaceChildren();
    body.append(...r.data.items.map((m) => {
      const p = m.postings.find((x) => x.primary) || m.postings[0];
      return el("tr", { "data-member": m.member_id, "data-active": String(m.active) },
        el("td", {}, el("a", { href: memberUrl(m.member_id) }, nameOf(m)), m.active ? "" : ` · ${T.inactive}`),
        el("td", {}, p ? roleName(p.role) : ""),
        el("td", {}, p ? placeName(p) : ""),
        el("td", { "data-state": m.consent_state }, named("consent_states", m.consent_state)),
        el("td", {}, m.channels.length ? m.channels.map((c) => named("channel_names", c)).join(", ") : T.no_channel));
    }));
    if (!more && !r.data.items.length) body.append(el("tr", { class: "empty" }, el("td", { colSpan: 5 }, T.none)));
    cursor = r.data.next_cursor;
    byId("member-list-more").hidden = !cursor;
  }

  async function listPage() {
    byId("member-filters").addEventListener("submit", (e) => { e.preventDefault(); list(false); });
    byId("member-list-more").addEventListener("click", () => list(true));
    await unitOptions(byId("filter-unit"));
    await list(false);
  }

  /* --- a member's page ----------------------------------------------------------------------- */
  const id = () => encodeURIComponent(DATA.member_id);

  async function show() {
    const r = await api("GET", `/members/${id()}/file`);
    if (!r.ok) return null;
    const f = r.data, m = f.member;
    byId("member-name").textContent = nameOf(m);
    document.title = `${nameOf(m)} — ${T.app}`;
    byId("member-state").textContent = m.active ? T.active_only : T.inactive_only;
    byId("member-state").dataset.active = String(m.active);
    const keys = [];
    if (m.personnel_no) keys.push(el("dt", {}, T.personnel_no), el("dd", {}, m.personnel_no));
    if (m.volunteer_id) keys.push(el("dt", {}, T.volunteer_id), el("dd", {}, m.volunteer_id));
    byId("member-keys").replaceChildren(...keys);
    byId("postings").querySelector("tbody").replaceChildren(...m.postings.map((p) =>
      el("tr", { "data-unit": p.unit_id, "data-role": p.role },
        el("td", {}, roleName(p.role), p.primary ? ` · ${T.primary}` : ""),
        el("td", {}, el("a", { href: unitUrl(p.unit_id) }, placeName(p))), el("td", {}, day(p.since)))));
    const history = byId("posting-history").querySelector("tbody");
    history.replaceChildren(...f.posting_history.map((h) =>
      el("tr", { "data-unit": h.unit_id, "data-role": h.role },
        el("td", {}, roleName(h.role)), el("td", {}, placeName(h)), el("td", {}, day(h.since)),
        el("td", {}, day(h.until)), el("td", {}, h.ended_by ? personName({ hi: h.ended_by_name_hi, en: h.ended_by_name_latin }) : ""))));
    if (!f.posting_history.length) history.append(el("tr", { class: "empty" }, el("td", { colSpan: 5 }, T.none)));
    const c = m.consent, proof = f.consent_proof;
    byId("consent-state").textContent = named("consent_states", c.state);
    byId("consent-state").dataset.state = c.state;
    byId("consent-method").textContent = c.method ? named("methods", c.method) : "";
    byId("consent-given-on").textContent = day(proof.given_on);
    byId("consent-recorded-by").textContent = proof.recorded_by ? personName({ hi: proof.recorded_by_name_hi, en: proof.recorded_by_name_latin }) : "";
    byId("consent-recorded-at").textContent = when(c.state === "withdrawn" ? c.withdrawn_at : c.recorded_at);
    byId("channels").replaceChildren(...f.channels.map((ch) =>
      el("li", { "data-channel": ch.channel }, `${named("channel_names", ch.channel)}: ${ch.number}`)));
    if (!f.channels.length) byId("channels").append(el("li", {}, T.no_channel));
    byId("opt-outs").replaceChildren(...f.opt_outs.map((o) => el("li", {}, when(o.at))));
    if (!f.opt_outs.length) byId("opt-outs").append(el("li", {}, T.none));
    byId("consent-form").hidden = !c.required;
    // Police: consent does not apply, so there is no proof to show.
    document.querySelectorAll("#consent-section .proof").forEach((x) => { x.hidden = !c.required; });
    byId("deactivate-button").hidden = !m.active;
    byId("reactivate-button").hidden = m.active;
    byId("name-hi").value = m.name_hi || "";
    byId("name-latin").value = m.name_latin || "";
    return f;
  }

  let auditCursor = null;
  async function audit(more) {
    const q = `limit=50${more && auditCursor ? `&cursor=${encodeURIComponent(auditCursor)}` : ""}`;
    const r = await fetch(`${PREFIX}/api/v1/members/${id()}/audit?${q}`, { headers: headers() });
    if (!r.ok) return false;  // not the office that keeps this record: no changes, no trail
    const data = await r.json();
    const body = byId("audit").querySelector("tbody");
    if (!more) body.replaceChildren();
    body.append(...data.items.map((a) => el("tr", { "data-change": a.change, "data-outcome": a.outcome },
      el("td", {}, when(a.at)),
      el("td", {}, a.by_name_hi || a.by_name_latin ? personName({ hi: a.by_name_hi, en: a.by_name_latin })
        : a.by && a.by.startsWith("system:") ? T.automatic : T.member),
      el("td", {}, named("change_names", a.change) || a.change),
      el("td", {}, named("outcomes", a.outcome)))));
    if (!more && !data.items.length) body.append(el("tr", { class: "empty" }, el("td", { colSpan: 4 }, T.none)));
    auditCursor = data.next_cursor;
    byId("audit-more").hidden = !auditCursor;
    return true;
  }

  async function change(method, path, json) {
    clearProblem();
    byId("saved").hidden = true;
    const r = await api(method, `/members/${id()}${path}`, { json });
    if (!r.ok) return;
    await show();
    await audit(false);
    byId("saved").hidden = false;
  }

  async function memberPage() {
    if (!(await show())) return;
    if (!(await audit(false))) return;
    byId("audit-section").hidden = false;
    byId("changes-section").hidden = false;
    byId("audit-more").addEventListener("click", () => audit(true));
    byId("transfer-on").value = today();
    byId("consent-new-date").value = today();
    await unitOptions(byId("transfer-unit"));
    byId("transfer-form").addEventListener("submit", (e) => {
      e.preventDefault();
      change("POST", "/transfer", { to_unit: byId("transfer-unit").value, on: byId("transfer-on").value });
    });
    byId("deactivate-button").addEventListener("click", () => change("POST", "/deactivate"));
    byId("reactivate-button").addEventListener("click", () => change("POST", "/reactivate"));
    byId("consent-form").addEventListener("submit", (e) => {
      e.preventDefault();
      change("POST", "/consent-records", {
        state: byId("consent-new-state").value, method: byId("consent-new-method").value,
        given_on: byId("consent-new-date").value,
      });
    });
    byId("names-form").addEventListener("submit", (e) => {
      e.preventDefault();
      change("PATCH", "", { name_hi: byId("name-hi").value.trim(), name_latin: byId("name-latin").value.trim() });
    });
    byId("channels-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const body = {};
      for (const [key, input] of [["whatsapp", "new-whatsapp"], ["sms", "new-sms"]]) {
        const v = byId(input).value.trim();
        if (v) body[key] = v;
      }
      if (Object.keys(body).length) change("PATCH", "", body).then(() => {
        byId("new-whatsapp").value = ""; byId("new-sms").value = "";
      });
    });
  }

  const pages = { members: listPage, member: memberPage };
  if (pages[DATA.page] && requireSession()) pages[DATA.page]();
}
