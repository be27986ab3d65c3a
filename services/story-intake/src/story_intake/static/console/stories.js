/* What the moderation pages share on top of the consoles' common.js: the levels the caller
   reviews at (from the session's grants), members' names, ages and claims as people read them. */
"use strict";

/* The levels the signed-in member reviews at, in chain order. */
function myLevels() {
  const order = ["circle", "district", "phq"];
  const mine = new Set(grantsFor("moderate").map((g) => DATA.level_of[g.role]).filter(Boolean));
  return order.filter((l) => mine.has(l));
}

const NAMES = {};

/* Fills NAMES for these member ids (one request; unknown ids stay unnamed). */
async function loadNames(ids) {
  const wanted = [...new Set(ids.filter((id) => id && !(id in NAMES)))];
  if (!wanted.length) return;
  const query = wanted.map((id) => `id=${encodeURIComponent(id)}`).join("&");
  const r = await api("GET", `/members/names?${query}`);
  if (!r.ok) return;
  for (const m of r.data.items) NAMES[m.member_id] = text({ hi: m.hi, en: m.en });
}

/* A member by name; one the read model does not name yet is "member", never their id. */
function who(memberId, role) {
  const s = session();
  const name = s && s.member_id === memberId ? T.you : (NAMES[memberId] || T.member);
  return role ? `${name} (${roleName(role)})` : name;
}

const UNITS = {};

/* Fills UNITS for these unit ids from the roster read model (GET /units/names). */
async function loadUnitNames(ids) {
  const wanted = [...new Set(ids.filter((id) => id && !(id in UNITS)))];
  if (!wanted.length) return;
  const query = wanted.map((id) => `id=${encodeURIComponent(id)}`).join("&");
  const r = await api("GET", `/units/names?${query}`);
  if (!r.ok) return;
  for (const u of r.data.items) UNITS[u.unit_id] = u;
}

/* A unit by name, "थाना कोतवाली"; where the read model has no name yet, its kind. */
function unitLabel(unitId) {
  const u = UNITS[unitId];
  if (!u) return T.unit;
  return text({ hi: u.hi, en: u.en }) || unitKindName(u.kind);
}

function age(iso) {
  const minutes = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
  if (minutes < 60) return `${minutes} ${T.minutes}`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} ${T.hours}`;
  return `${Math.floor(minutes / 1440)} ${T.days}`;
}

function clock(iso) {
  return new Date(iso).toLocaleTimeString(LANG === "hi" ? "hi-IN" : "en-IN", {
    timeZone: "Asia/Kolkata", hour: "2-digit", minute: "2-digit",
  });
}

/* A live claim (the API leaves lapsed ones out): who holds it and until when; else "free". */
function claimText(claim) {
  return claim ? `${who(claim.by, claim.by_role)} — ${T.until} ${clock(claim.lapses_at)}` : T.free;
}

function verdictBadge(verdict) {
  return el("span", { class: `verdict ${verdict}`, "data-verdict": verdict }, T.verdicts[verdict] || verdict);
}

function marks(story) {
  const out = [];
  if (story.sexual_offence) out.push(el("span", { class: "mark", "data-mark": "sexual_offence" }, T.sexual_offence));
  if (story.child_involved) out.push(el("span", { class: "mark", "data-mark": "child_involved" }, T.child_involved));
  return out;
}

/* A story's title in the page's language, else the other one. */
function titleOf(story) { return text(story.title); }
