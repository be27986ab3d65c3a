/* The tree's pages on the consoles' frame (nazar_ui's common.js): the home page's tree, a unit's
   page, the groups list and a group's page. Everything shown is read from /api/v1 with the
   caller's session; units, roles, consent states and changes are shown by name, never by code.
   In a block of its own: roster.js shares the page's global scope. */
"use strict";
{
  const byId = (id) => document.getElementById(id);
  const unitName = (u) => text({ hi: u.name_hi, en: u.name_en });
  const memberName = (m) => personName({ hi: m.name_hi, en: m.name_latin });
  const unitUrl = (id) => page(`/roster/units/${encodeURIComponent(id)}`);
  const groupUrl = (id) => page(`/roster/groups/${encodeURIComponent(id)}`);
  const consentName = (s) => (T.consent_states && T.consent_states[s]) || "";

  /* A "more" button that pages through `path` (keyset cursors) into `tbody` via `row`. */
  function pager(path, tbody, button, row) {
    let cursor = null;
    const load = async (more) => {
      const sep = path.includes("?") ? "&" : "?";
      const r = await api("GET", `${path}${sep}limit=50${more && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (!r.ok) return;
      if (!more) tbody.replaceChildren();
      tbody.append(...r.data.items.map(row));
      if (!more && !r.data.items.length) {
        const cols = tbody.parentElement.querySelectorAll("thead th").length;
        tbody.append(el("tr", { class: "empty" }, el("td", { colSpan: cols }, T.none)));
      }
      cursor = r.data.next_cursor;
      button.hidden = !cursor;
    };
    button.addEventListener("click", () => load(true));
    return load(false);
  }

  /* --- the home page's tree ------------------------------------------------------------------ */
  function countsLine(c) {
    return el("span", { class: "muted counts-line", "data-total": String(c.total), "data-unreachable": String(c.unreachable) },
      ` · ${T.total}: ${c.total} · ${T.unreachable}: ${c.unreachable}`);
  }

  function node(u) {
    const item = el("li", { "data-unit": u.unit_id });
    const toggle = el("button", { type: "button", class: "unit link", "data-unit": u.unit_id, title: T.open }, "▸");
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-label", `${T.open}: ${unitName(u)}`);
    toggle.addEventListener("click", () => expand(item, toggle, u.unit_id));
    const link = el("a", { href: unitUrl(u.unit_id), class: "unit-link", "data-unit": u.unit_id }, unitName(u));
    const kind = unitKindName(u.kind) + (u.active ? "" : ` · ${T.inactive}`);
    item.append(toggle, " ", link, " ", el("span", { class: "kind" }, kind));
    api("GET", `/units/${encodeURIComponent(u.unit_id)}/counts`).then((r) => {
      if (r.ok) item.insertBefore(countsLine(r.data), item.querySelector(":scope > ul"));
    });
    return item;
  }

  async function expand(li, toggle, unitId) {
    if (li.dataset.open === "1") {
      li.querySelector(":scope > ul").remove();
      li.dataset.open = "0";
      toggle.textContent = "▸";
      toggle.setAttribute("aria-expanded", "false");
      return;
    }
    const r = await api("GET", `/units?parent=${encodeURIComponent(unitId)}`);
    if (!r.ok) return;
    li.append(el("ul", {}, r.data.map(node)));
    li.dataset.open = "1";
    toggle.textContent = "▾";
    toggle.setAttribute("aria-expanded", "true");
  }

  async function treeSection() {
    const r = await api("GET", "/tree");
    if (r.ok) byId("tree").replaceChildren(...r.data.map(node));
  }

  /* --- a unit's page ------------------------------------------------------------------------- */
  async function unitPage() {
    const id = DATA.unit_id;
    const u = await api("GET", `/units/${encodeURIComponent(id)}`);
    if (!u.ok) return;
    byId("unit-name").textContent = unitName(u.data);
    byId("unit-kind").textContent = unitKindName(u.data.kind) + (u.data.active ? "" : ` · ${T.inactive}`);
    document.title = `${unitName(u.data)} — ${T.app}`;
    const above = u.data.path.slice(0, -1);
    if (above.length) {
      const names = await Promise.all(above.map((a) => api("GET", `/units/${encodeURIComponent(a)}`)));
      byId("path").replaceChildren(...names.filter((r) => r.ok).flatMap((r, i) =>
        [i ? " › " : "", el("a", { href: unitUrl(r.data.unit_id) }, unitName(r.data))]));
    }
    const c = await api("GET", `/units/${encodeURIComponent(id)}/counts`);
    if (!c.ok) return;  // outside the caller's units: the problem says so, nothing else shows
    byId("count-total").textContent = String(c.data.total);
    byId("count-unreachable").textContent = String(c.data.unreachable);
    byId("police-counts").querySelector("tbody").replaceChildren(...Object.entries(c.data.police).map(([role, n]) =>
      el("tr", { "data-role": role }, el("td", {}, roleName(role)), el("td", {}, String(n)))));
    byId("volunteer-counts").querySelector("tbody").replaceChildren(...Object.entries(c.data.volunteers).map(([role, s]) =>
      el("tr", { "data-role": role }, el("td", {}, roleName(role)),
        ...["granted", "pending", "withdrawn"].map((k) => el("td", { "data-state": k }, String(s[k]))))));
    const kids = await api("GET", `/units?parent=${encodeURIComponent(id)}`);
    if (kids.ok && kids.data.length) {
      byId("below-section").hidden = false;
      const body = byId("below").querySelector("tbody");
      body.replaceChildren(...kids.data.map((k) => {
        const total = el("td", { class: "total" }), none = el("td", { class: "unreachable" });
        api("GET", `/units/${encodeURIComponent(k.unit_id)}/counts`).then((r) => {
          if (r.ok) { total.textContent = String(r.data.total); none.textContent = String(r.data.unreachable); }
        });
        return el("tr", { "data-unit": k.unit_id },
          el("td", {}, el("a", { href: unitUrl(k.unit_id) }, unitName(k)), " ",
            el("span", { class: "kind" }, unitKindName(k.kind))), total, none);
      }));
    }
    const g = await api("GET", `/units/${encodeURIComponent(id)}/groups`);
    if (g.ok && g.data.length) {
      byId("groups-section").hidden = false;
      byId("unit-groups").replaceChildren(...g.data.map((x) => el("li", { "data-group": x.group_id },
        el("a", { href: groupUrl(x.group_id) }, unitName(x)), ` · ${T.member_count}: ${x.member_count}`)));
    }
    await pager(`/units/${encodeURIComponent(id)}/members`, byId("unit-members").querySelector("tbody"),
      byId("members-more"), (m) => el("tr", { "data-member": m.member_id },
        el("td", {}, memberName(m), m.active ? "" : ` · ${T.inactive}`),
        el("td", {}, roleName(m.role), m.consent_state === "not_required" ? "" : ` · ${T.consent}: ${consentName(m.consent_state)}`),
        el("td", {}, m.reachable ? T.reachable : T.no_channel)));
  }

  /* --- groups -------------------------------------------------------------------------------- */
  function groupsPage() {
    return pager("/groups", byId("groups").querySelector("tbody"), byId("groups-more"), (g) =>
      el("tr", { "data-group": g.group_id }, el("td", {}, el("a", { href: groupUrl(g.group_id) }, unitName(g))),
        el("td", {}, g.member_count === null ? "" : String(g.member_count))));
  }

  const memberRow = (m) => el("tr", { "data-member": m.member_id },
    el("td", {}, memberName(m), m.admin ? ` · ${T.admin}` : ""), el("td", {}, roleName(m.role)),
    el("td", {}, text({ hi: m.unit_name_hi, en: m.unit_name_en })));

  async function groupPage() {
    const id = encodeURIComponent(DATA.group_id);
    const g = await api("GET", `/groups/${id}`);
    if (!g.ok) return;
    byId("group-name").textContent = unitName(g.data);
    document.title = `${unitName(g.data)} — ${T.app}`;
    const u = await api("GET", `/units/${encodeURIComponent(g.data.unit_id)}`);
    if (u.ok) byId("group-unit").replaceChildren(el("a", { href: unitUrl(u.data.unit_id) }, unitName(u.data)));
    const admins = await api("GET", `/groups/${id}/members?admin=true&limit=50`);
    if (admins.ok) {
      byId("admins").replaceChildren(...admins.data.items.map((m) => el("li", { "data-member": m.member_id },
        `${memberName(m)} — ${roleName(m.role)} · ${text({ hi: m.unit_name_hi, en: m.unit_name_en })}`)));
    }
    await pager(`/groups/${id}/members`, byId("group-members").querySelector("tbody"), byId("group-members-more"), memberRow);
    // Only those who see the whole list see its history; a member of the group sees its officers.
    const probe = await fetch(`${PREFIX}/api/v1/groups/${id}/changes?limit=1`, { headers: headers() });
    if (probe.status === 403) { byId("officers-only").hidden = false; return; }
    byId("changes-section").hidden = false;
    await pager(`/groups/${id}/changes`, byId("changes").querySelector("tbody"), byId("changes-more"), (c) =>
      el("tr", { "data-member": c.member_id, "data-change": c.change },
        el("td", {}, when(c.at)), el("td", {}, memberName(c)),
        el("td", {}, `${T.change_kinds[c.change]} · ${c.role ? roleName(c.role) : ""}`,
          c.unit_name_hi || c.unit_name_en ? ` · ${text({ hi: c.unit_name_hi, en: c.unit_name_en })}` : "")));
  }

  const pages = { "tree-unit": unitPage, "tree-groups": groupsPage, "tree-group": groupPage };
  // The home page's session check is roster.js's (it runs first); the others check here.
  if (DATA.page === "roster") { if (session()) treeSection(); }
  else if (pages[DATA.page] && requireSession()) pages[DATA.page]();
}
