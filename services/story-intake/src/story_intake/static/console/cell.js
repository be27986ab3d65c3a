/* The PHQ cell's part of a story page: one version per channel (X, Facebook, Instagram, the
   internal circulation text) written from the field text with live counters and the gate as the
   writer types (/editor/check), a preview, the versions and the difference between any two, the
   gate's findings on a version with one-click redaction and (approvers) acknowledgement with a
   reason, the approval naming circulation scope, public channels and (X) whether a version over
   the limit goes as a numbered thread; per public channel the graphics designer's creative,
   shown and uploaded. The publish results are posts.js's. */
"use strict";

const CELL = { story: null, data: null, channel: "x", checkTimer: null };
const $ = (id) => document.getElementById(id);
const CIRC = { "circ-title-hi": ["title", "hi"], "circ-title-en": ["title", "en"],
               "circ-body-hi": ["body", "hi"], "circ-body-en": ["body", "en"] };

const PART_NAMES = { text: "post_text", title_hi: "circ_title_hi", title_en: "circ_title_en",
                     body_hi: "circ_body_hi", body_en: "circ_body_en" };

function versionsOf(channel) { return CELL.data.items.filter((v) => v.channel === channel); }
function latest(channel) { const v = versionsOf(channel); return v.length ? v[v.length - 1] : null; }
function isEditor() { return grantsFor("edit").length > 0; }
function isApprover() { return grantsFor("approve").length > 0; }

/* What the editor holds, as the API takes it for this channel. */
function editorBody() {
  if (CELL.channel !== "circulation") return { text: $("version-text").value || null };
  const out = { title: {}, body: {} };
  for (const [id, [part, lang]] of Object.entries(CIRC)) out[part][lang] = $(id).value.trim() || null;
  return out;
}

function fillEditor() {
  const v = latest(CELL.channel);
  const seed = CELL.data.seed;
  const circulation = CELL.channel === "circulation";
  $("post-fields").hidden = circulation;
  $("circ-fields").hidden = !circulation;
  if (circulation) {
    const from = v || seed;
    for (const [id, [part, lang]] of Object.entries(CIRC)) $(id).value = (from[part] && from[part][lang]) || "";
  } else {
    $("version-text").value = v ? v.text || "" : seed.text || "";
  }
}

function preview() {
  const b = editorBody();
  const box = $("preview");
  box.dataset.channel = CELL.channel;
  if (CELL.channel === "circulation") {
    box.replaceChildren(...["hi", "en"].filter((l) => b.title[l] || b.body[l]).map((l) =>
      el("div", { lang: l }, el("strong", {}, b.title[l] || ""), el("p", {}, b.body[l] || ""))));
  } else {
    box.textContent = b.text || "";
  }
}

function showMeasure(m) {
  const counter = $("counter");
  counter.textContent = m.limit === null ? String(m.length) : `${m.length} / ${m.limit}`;
  // X: over the limit, the approver may send it as a numbered thread; say how many parts.
  $("thread-parts").hidden = !(m.too_long && m.thread_parts);
  $("thread-parts").textContent = m.thread_parts ? T.thread_of.replace("{n}", m.thread_parts) : "";
  counter.className = m.too_long ? "over" : "";
  counter.title = m.too_long ? T.too_long : "";
  $("hashtag-box").hidden = m.hashtag_limit === null;
  $("hashtags").textContent = `${m.hashtags} / ${m.hashtag_limit}`;
  $("hashtags").className = m.too_many_hashtags ? "over" : "";
}

function findingRow(f, extra) {
  return el("tr", { "data-rule": f.rule, "data-index": f.index },
    el("td", {}, verdictBadge(f.verdict)),
    el("td", {}, el("mark", {}, f.text)),
    el("td", {}, f.why[LANG] || f.why.en),
    el("td", {}, extra || ""));
}

/* Live: counters and the gate on what is in the editor now (editors only: the API's rule). */
async function liveCheck() {
  preview();
  if (!isEditor()) return;
  const r = await api("POST", "/editor/check", { json: { channel: CELL.channel, ...editorBody() } });
  if (!r.ok) return;
  showMeasure(r.data.measure);
  $("live-findings").replaceChildren(...r.data.findings.map((f) =>
    el("li", { "data-rule": f.rule }, verdictBadge(f.verdict), " ", el("mark", {}, f.text), " — ", f.why[LANG] || f.why.en)));
}

function scheduleCheck() {
  clearTimeout(CELL.checkTimer);
  CELL.checkTimer = setTimeout(liveCheck, 250);
}

function renderVersions() {
  const list = versionsOf(CELL.channel);
  $("no-versions").hidden = list.length > 0;
  $("versions").hidden = list.length === 0;
  $("diff-button").hidden = list.length < 2;
  $("diff").replaceChildren();
  $("versions").querySelector("tbody").replaceChildren(...list.map((v, i) => el("tr", { "data-n": v.n },
    el("td", {}, String(v.n), v.redacted_from ? el("span", { class: "muted" }, ` (${T.redacted_from} ${v.redacted_from})`) : ""),
    el("td", {}, when(v.at)),
    el("td", {}, who(v.author_id, v.author_role)),
    el("td", {}, verdictBadge(v.gate_verdict)),
    el("td", { class: "length" }, v.measure.limit === null ? String(v.measure.length) : `${v.measure.length} / ${v.measure.limit}`,
      v.measure.too_long && v.measure.thread_parts ? el("span", { class: "muted thread-parts" }, ` ${T.thread_of.replace("{n}", v.measure.thread_parts)}`) : ""),
    el("td", {}, el("input", { type: "radio", name: "diff-from", value: v.n, checked: i === list.length - 2, "aria-label": `${T.version} ${v.n} (${T.diff_from})` })),
    el("td", {}, el("input", { type: "radio", name: "diff-to", value: v.n, checked: i === list.length - 1, "aria-label": `${T.version} ${v.n} (${T.diff_to})` })),
  )));
  renderVersionFindings(list.length ? list[list.length - 1] : null);
}

function renderVersionFindings(v) {
  $("findings-of").textContent = v ? `(${T.channels[v.channel]} · ${T.version} ${v.n})` : "";
  const body = $("version-findings").querySelector("tbody");
  body.replaceChildren();
  if (!v) return;
  for (const f of v.findings) {
    const ack = v.acknowledgements.find((a) => a.finding === f.index);
    let extra = null;
    if (f.verdict === "block" && isEditor() && CELL.story.state === "in_review") {
      extra = el("button", { type: "button", class: "redact" }, T.redact);
      extra.addEventListener("click", () => redact(v, f, extra));
    } else if (f.verdict === "review" && ack) {
      extra = el("span", { class: "done" }, `${T.acknowledged}: ${ack.reason} — ${who(ack.by, ack.by_role)}`);
    } else if (f.verdict === "review" && isApprover() && CELL.story.state === "in_review") {
      const reason = el("input", { class: "ack-reason", placeholder: T.ack_reason, "aria-label": T.ack_reason, "data-index": f.index });
      const button = el("button", { type: "button", class: "ack-button" }, T.acknowledge);
      button.addEventListener("click", () => acknowledge(v, f, reason, button));
      extra = el("span", { class: "row" }, reason, button);
    }
    body.append(findingRow(f, extra));
  }
}

async function showDiff() {
  const from = document.querySelector("input[name=diff-from]:checked");
  const to = document.querySelector("input[name=diff-to]:checked");
  if (!from || !to) return;
  const r = await api("GET", `/stories/${ID}/versions/${CELL.channel}/diff?from=${from.value}&to=${to.value}`);
  if (!r.ok) return;
  const images = await imagesDiff(r.data.images);
  $("diff").replaceChildren(...images, ...r.data.parts.map((p) => el("div", { class: "diff-part", "data-part": p.part },
    el("h4", {}, PART_NAMES[p.part] ? T[PART_NAMES[p.part]] : p.part, p.changed ? "" : ` — ${T.unchanged}`),
    el("p", { class: "body" }, p.ops.flatMap((o) => {
      if (o.op === "equal") return [o.after];
      const out = [];
      if (o.before) out.push(el("del", {}, o.before));
      if (o.after) out.push(el("ins", {}, o.after));
      return out;
    })),
  )));
}

/* Which images (the channel's creatives; circulation: the photos) changed between the two
   versions, as thumbnails: the replaced and removed ones come from the photos' history. */
async function imagesDiff(images) {
  if (!images.added.length && !images.removed.length) return [];
  const r = await api("GET", `/stories/${ID}/photos?history=true`);
  if (!r.ok) return [];
  const by = new Map(r.data.items.map((m) => [m.sha256, m]));
  const row = (change, shas) => shas.map((sha) => {
    const m = by.get(sha);
    return el("li", { "data-change": change, "data-sha256": sha },
      change === "added" ? T.image_added : T.image_removed, " ",
      m ? el("img", { src: local(m.thumb_url), alt: `${m.width} × ${m.height}` }) : sha.slice(0, 12));
  });
  return [el("div", { class: "diff-part", "data-part": "images" }, el("h4", {}, T.images_changed),
    el("ul", { class: "photos" }, ...row("added", images.added), ...row("removed", images.removed)))];
}

async function reloadCell(message) {
  const r = await api("GET", `/stories/${ID}/versions`);
  if (!r.ok) return;
  CELL.data = r.data;
  await loadNames(r.data.items.map((v) => v.author_id).concat(
    r.data.items.flatMap((v) => v.acknowledgements.map((a) => a.by))));
  renderVersions();
  renderOutcome();
  if (message) done(message);
}

async function saveVersion(e) {
  e.preventDefault();
  clearProblem();
  const button = $("save-version");
  button.disabled = true;
  const r = await api("POST", `/stories/${ID}/versions/${CELL.channel}`, { json: editorBody() });
  button.disabled = false;
  if (r.ok) await reloadCell(T.version_saved);
}

async function redact(v, f, button) {
  clearProblem();
  button.disabled = true;
  const r = await api("POST", `/stories/${ID}/versions/${v.channel}/${v.n}/redact`, { json: { findings: [f.index] } });
  button.disabled = false;
  if (!r.ok) return;
  await reloadCell(T.redacted_done);
  fillEditor();
  scheduleCheck();
}

async function acknowledge(v, f, reason, button) {
  clearProblem();
  button.disabled = true;
  const r = await api("POST", `/stories/${ID}/acknowledgements`, {
    json: { channel: v.channel, version: v.n, finding: f.index, reason: reason.value.trim() },
  });
  button.disabled = false;
  if (r.ok) await reloadCell(T.acknowledged);
}

async function approveStory(e) {
  e.preventDefault();
  clearProblem();
  const button = $("approve-story");
  const publics = [...document.querySelectorAll("#approval input[name=public]:checked")].map((c) => c.value);
  // The versions the approver has on the page are the ones approved (not a newer one unseen).
  const versions = {};
  for (const ch of ["circulation", ...publics]) { const v = latest(ch); if (v) versions[ch] = v.n; }
  button.disabled = true;
  const overflow = document.querySelector("#approval input[name=overflow]:checked").value;
  const r = await api("POST", `/stories/${ID}/approval`, { json: { scope: $("scope").value, public_channels: publics, versions, overflow } });
  button.disabled = false;
  if (!r.ok) return;
  await load();
  done(T.decided);
}

/* The graphics designer's creative for a public channel: the live one (the story's `photos` of
   kind creative carry it, with signed URLs) and an upload that replaces it; the API refuses a
   creative the network would refuse or crop, saying which rule, in the page's language. */
function renderCreative() {
  const circulation = CELL.channel === "circulation";
  $("creative-box").hidden = circulation;
  if (circulation || !CELL.story) return;
  const live = (CELL.story.photos || []).filter((m) => m.kind === "creative" && m.channel === CELL.channel
    && !m.replaced_at && !m.deleted_at);
  $("no-creative").hidden = live.length > 0;
  $("creative").replaceChildren(...live.map((m) => el("li", { "data-creative": m.id, "data-channel": m.channel },
    el("a", { href: local(m.web_url), title: `${m.width} × ${m.height}` },
      el("img", { src: local(m.thumb_url), alt: `${T.creative} ${T.channels[m.channel]} ${m.width} × ${m.height}` })),
    el("p", { class: "muted" }, `${m.width} × ${m.height} — ${who(m.added_by, m.added_role)}, ${when(m.added_at)}`),
    unidentifiable(CELL.story, m))));
}

async function uploadCreative(e) {
  e.preventDefault();
  clearProblem();
  const file = $("creative-file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  const button = $("upload-creative");
  button.disabled = true;
  const r = await api("POST", `/stories/${ID}/creatives/${CELL.channel}`, { body: form });
  button.disabled = false;
  if (!r.ok) return;
  $("creative-file").value = "";
  await load();
  done(T.creative_saved);
}

/* Called by story.js after every load of the story. */
async function onStory(s) {
  CELL.story = s;
  const atPhq = s.level === "phq" && myLevels().includes("phq");
  $("cell-card").hidden = !atPhq || s.state !== "in_review";
  $("approval-card").hidden = !atPhq || s.state !== "in_review" || !isApprover();
  $("save-version").hidden = !isEditor();
  if (!atPhq) return;
  const first = CELL.data === null;
  await loadNames((s.photos || []).map((m) => m.added_by));
  renderCreative();
  await reloadCell(null);
  if (first) {
    fillEditor();
    liveCheck();
  }
}

$("channel").addEventListener("change", () => {
  CELL.channel = $("channel").value;
  // Chosen before the versions arrived: their first load fills the editor for this channel.
  if (CELL.data === null) return;
  renderCreative();
  fillEditor();
  renderVersions();
  liveCheck();
});
$("editor").addEventListener("input", scheduleCheck);
$("editor").addEventListener("submit", saveVersion);
$("diff-button").addEventListener("click", showDiff);
$("approval").addEventListener("submit", approveStory);
$("creative-form").addEventListener("submit", uploadCreative);
