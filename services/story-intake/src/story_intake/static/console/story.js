/* One story: its texts, place and date, photos, the gate's findings on each text, every step
   with its note, and — for a reviewer of the step it waits at — claim, forward, send back and
   reject (approval, with its channels, is the PHQ cell's part: cell.js). A refusal shows as the
   API's problem in the page's language. */
"use strict";

const ID = DATA.story_id;

function fill(id, value) {
  const node = document.getElementById(id);
  node.textContent = value || "—";
  return node;
}

function showText(id, value) {
  const node = document.getElementById(id);
  node.textContent = value || "";
  node.hidden = !value;
  const label = document.getElementById(`${id}-label`);
  if (label) label.hidden = !value;
}

/* A signed media URL as a path on this origin: the console is served by story-intake itself,
   and the page's policy loads images from 'self' only. The link is made under the public
   address (behind the one origin, "/stories/api/v1/media/..."); the page may be opened on the
   service's own port, so the path is taken from /api/v1/ on and put under this page's prefix. */
function local(url) {
  const u = new URL(url, window.location.href);
  const at = u.pathname.indexOf("/api/v1/");
  return `${PREFIX}${at >= 0 ? u.pathname.slice(at) : u.pathname}${u.search}`;
}

function canDecide(s) {
  const me = session();
  if (!me || s.state !== "in_review" || me.member_id === s.author_id) return false;
  return myLevels().includes(s.level);
}

function renderStory(s) {
  document.title = `${titleOf(s)} — ${T.app}`;
  const kind = fill("kind", T.kinds[s.kind] || s.kind);
  kind.dataset.kind = s.kind;
  const open = s.level && (s.state === "in_review" || s.state === "sent_back");
  const state = fill("state", `${T.states[s.state] || s.state}${open ? ` · ${T.levels[s.level]}` : ""}`);
  state.dataset.state = s.state;
  document.getElementById("verdict").replaceChildren(verdictBadge(s.gate_verdict));
  document.getElementById("marks").replaceChildren(...marks(s));
  showText("title-hi", s.title.hi);
  showText("title-en", s.title.en);
  showText("text-hi", s.text.hi);
  showText("text-en", s.text.en);
  fill("place", s.place);
  fill("event-date", s.event_date ? new Date(s.event_date).toLocaleDateString(LANG === "hi" ? "hi-IN" : "en-IN", { dateStyle: "medium" }) : "");
  fill("unit", unitLabel(s.unit_id));
  fill("author", who(s.author_id));
  fill("case-ref", s.case_ref);
  fill("claim", claimText(s.claim));
  if (s.state === "approved" && DATA.reach_base) {
    document.getElementById("reach-link").href = `${DATA.reach_base}/console/stories/${s.id}?lang=${LANG}`;
    document.getElementById("reach").hidden = false;
  }
  const photos = (s.photos || []).filter((m) => m.kind === "photo");
  document.getElementById("photos").replaceChildren(...photos.map((m) => el("li", { "data-photo": m.id },
    el("a", { href: local(m.web_url), title: `${m.width} × ${m.height}` },
      el("img", { src: local(m.thumb_url), alt: `${T.photos} ${m.width} × ${m.height}` })),
    unidentifiable(s, m))));
  document.getElementById("no-photos").hidden = photos.length > 0;

  const actions = canDecide(s);
  document.getElementById("actions-card").hidden = !actions;
  if (actions) {
    const atPhq = s.level === "phq";
    document.getElementById("forward-button").hidden = atPhq;
    const mine = s.claim && s.claim.by === session().member_id;
    document.getElementById("claim-button").hidden = Boolean(mine);
  }

  renderMarks(s);

  document.querySelector("#history tbody").replaceChildren(...(s.steps || []).map((step) => el("tr", { "data-action": step.action },
    el("td", {}, when(step.at)),
    el("td", {}, T.steps[step.action] || step.action),
    el("td", {}, step.level ? T.levels[step.level] : ""),
    el("td", {}, who(step.by, step.by_role)),
    el("td", { class: "body" }, stepNote(step)),
  )));
}

/* On a marked story, an image goes out only once an approver confirmed that no person can be
   identified on it: who confirmed and why, else (approvers at the step) the confirmation. */
function unidentifiable(s, m) {
  if (!s.sexual_offence && !s.child_involved) return null;
  const c = m.unidentifiable;
  if (c) {
    return el("p", { class: "done unidentifiable", "data-confirmed": "true" },
      `${T.unidentifiable_by} ${who(c.by, c.by_role)}, ${when(c.at)}: ${c.reason}`);
  }
  if (!(canDecide(s) && s.level === "phq" && grantsFor("approve").length > 0)) {
    return el("p", { class: "muted unidentifiable", "data-confirmed": "false" }, T.unidentifiable_pending);
  }
  const reason = el("input", { class: "unidentifiable-reason", placeholder: T.unidentifiable_reason, "aria-label": T.unidentifiable_reason, maxLength: 2000 });
  const button = el("button", { type: "button", class: "unidentifiable-button" }, T.unidentifiable_confirm);
  button.addEventListener("click", async () => {
    clearProblem();
    button.disabled = true;
    const r = await api("POST", `/stories/${ID}/photos/${m.id}/confirm-unidentifiable`, { json: { reason: reason.value.trim() } });
    button.disabled = false;
    if (!r.ok) return;
    await load();
    done(T.unidentifiable_done);
  });
  return el("div", { class: "unidentifiable", "data-confirmed": "false" }, reason, button);
}

/* A mark step's note starts with the mark's code name (the API's), an approval's is
   "scope; channel vN, …" (handlers/approval.py): both shown by name. */
function stepNote(step) {
  const note = step.note || "";
  if (step.action === "approve") {
    const a = /^([a-z_]+); (.*)$/.exec(note);
    if (!a || !(a[1] in T.scopes)) return note;
    const versions = a[2].split(", ").filter(Boolean).map((part) => {
      const [channel, n] = part.split(" ");
      return `${T.channels[channel] || channel} ${n || ""}`.trim();
    });
    return [T.scopes[a[1]], ...versions].join(" · ");
  }
  if (!step.action.startsWith("mark_")) return note;
  const m = /^(sexual_offence|child_involved)(: )?/.exec(note);
  return m ? `${T[m[1]]}${note.slice(m[0].length) ? `: ${note.slice(m[0].length)}` : ""}` : note;
}

/* Marks: any reviewer of the step sets one; an approver clears one, with a reason. */
function renderMarks(s) {
  const reviewer = canDecide(s);
  const approver = reviewer && grantsFor("approve").length > 0;
  document.getElementById("marks-card").hidden = !reviewer;
  for (const tr of document.querySelectorAll("#mark-controls tr[data-mark]")) {
    const on = Boolean(s[tr.dataset.mark]);
    tr.dataset.on = String(on);
    tr.querySelector(".mark-state").textContent = on ? T.mark_on : T.mark_off;
    tr.querySelector(".mark-set").hidden = on;
    tr.querySelector(".mark-clear").hidden = !(on && approver);
  }
}

async function setMark(tr, on) {
  clearProblem();
  const reason = tr.querySelector(".mark-reason").value.trim();
  const body = { mark: tr.dataset.mark, set: on, reason: on ? null : reason || null };
  const r = await api("POST", `/stories/${ID}/marks`, { json: body });
  if (!r.ok) return;
  tr.querySelector(".mark-reason").value = "";
  await load();
  done(on ? T.mark_set_done : T.mark_cleared_done);
}

/* The gate's findings on each text of the story, as the gate sees them now. */
async function renderFindings(s) {
  const texts = [s.title.hi, s.text.hi, s.title.en, s.text.en, s.place].filter(Boolean);
  const rows = [];
  for (const t of texts) {
    const r = await api("POST", "/gate/check", { json: { text: t } });
    if (!r.ok) return;
    for (const f of r.data.findings) {
      rows.push(el("tr", { "data-rule": f.rule },
        el("td", {}, verdictBadge(DATA.rule_verdicts[f.rule] || "review")),
        el("td", {}, el("mark", {}, f.text)),
        // The rule by its reason in the page's language; its code name only if none is given.
        el("td", {}, (f.why && (f.why[LANG] || f.why.en)) || f.rule),
      ));
    }
  }
  document.querySelector("#findings tbody").replaceChildren(...rows);
  document.getElementById("findings").hidden = rows.length === 0;
  document.getElementById("no-findings").hidden = rows.length > 0;
}

async function load() {
  const r = await api("GET", `/stories/${ID}`);
  if (!r.ok) return null;
  const s = r.data;
  await Promise.all([
    loadNames([s.author_id, s.claim && s.claim.by, ...(s.steps || []).map((x) => x.by),
      ...(s.photos || []).map((m) => m.unidentifiable && m.unidentifiable.by)]),
    loadUnitNames([s.unit_id]),
  ]);
  renderStory(s);
  document.getElementById("story").hidden = false;
  if (typeof onStory === "function") await onStory(s);
  return s;
}

function done(message) {
  const p = document.getElementById("done");
  p.textContent = message;
  p.hidden = false;
}

async function act(button, path, body, message) {
  clearProblem();
  document.getElementById("done").hidden = true;
  button.disabled = true;
  const r = await api("POST", path, { json: body });
  button.disabled = false;
  if (!r.ok) return;
  await load();
  // The actions card is hidden once the story moved on; the outcome shows beside the history.
  document.getElementById("actions-card").hidden = false;
  done(message);
  if (!canDecide(r.data)) {
    document.getElementById("decide").hidden = true;
    document.getElementById("claim-button").hidden = true;
  }
}

if (requireSession()) {
  document.getElementById("claim-button").addEventListener("click", (e) => act(e.currentTarget, `/stories/${ID}/claim`, undefined, T.claimed_done));
  for (const button of document.querySelectorAll("#decide button[data-decision]")) {
    button.addEventListener("click", () => {
      const note = document.getElementById("note").value.trim();
      act(button, `/stories/${ID}/decisions`, { decision: button.dataset.decision, note: note || null }, T.decided);
    });
  }
  for (const tr of document.querySelectorAll("#mark-controls tr[data-mark]")) {
    tr.querySelector(".mark-set").addEventListener("click", () => setMark(tr, true));
    tr.querySelector(".mark-clear-button").addEventListener("click", () => setMark(tr, false));
  }
  load().then((s) => { if (s) renderFindings(s); });
}
