/* What every console page shares: the session (bearer token in sessionStorage, refreshed through
   the roster's /auth/token with its HttpOnly cookie), API calls that send the page's language and
   show problem documents, a reader for server-sent events over fetch (EventSource cannot send the
   Authorization header), and small DOM helpers. */
"use strict";

const DATA = JSON.parse(document.getElementById("page-data").textContent);
const T = DATA.t;
const LANG = DATA.lang;
const SESSION_KEY = "nazar.console.session";
/* Where the service is served behind the one origin ("/directive"; "" on its own port): every
   page, file and API URL starts with it. */
const PREFIX = DATA.prefix || "";

/* The session as the sign-in wrote it: {token, member_id, grants, name: {hi, en},
   postings: [{role, unit_id, unit_kind, unit_name: {hi, en}}], expires_at}. The names are what
   the header shows; the grants what the pages match against the access table. */
function storedSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch (_) {
    return null;
  }
}

function session() {
  const s = storedSession();
  return s && s.expires_at > Date.now() ? s : null;
}

function setSession(s) { sessionStorage.setItem(SESSION_KEY, JSON.stringify(s)); }
function clearSession() { sessionStorage.removeItem(SESSION_KEY); }
function page(path, extra) { return `${PREFIX}${path}?lang=${LANG}${extra || ""}`; }

/* The claims of a JWT (read, not verified: the services verify; the page only shows them). */
function tokenClaims(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/* The session an answer of the roster's /auth/token makes: it names the member and their
   postings (roles, units, unit kinds in Hindi and English). `old`, the session it renews, keeps
   its names should an answer carry none. */
function sessionFromToken(answer, old) {
  const claims = tokenClaims(answer.access_token);
  const same = old && old.member_id === answer.member_id;
  const named = answer.name && (answer.name.hi || answer.name.en);
  const postings = (answer.postings || []).map((p) => ({
    role: p.role, unit_id: p.unit_id, unit_kind: p.unit_kind, unit_name: p.unit_name,
  }));
  return {
    token: answer.access_token,
    member_id: answer.member_id,
    grants: claims.grants || [],
    name: named ? answer.name : (same ? old.name : null),
    postings: postings.length ? postings : (same ? old.postings : null),
    // A minute early, so a call never leaves with a token about to expire.
    expires_at: Date.now() + (answer.expires_in - 60) * 1000,
  };
}

/* A person's name in the page's language ({hi, en}); never their member id. */
function personName(name) {
  if (name && typeof name === "object") return text(name) || T.member;
  if (typeof name === "string" && name && !/^m-[a-z0-9]/i.test(name)) return name;
  return T.member;
}

function roleName(role) { return (T.roles && T.roles[role]) || T.member; }
function unitKindName(kind) { return (T.unit_kinds && T.unit_kinds[kind]) || T.unit; }

/* "पुलिस अधीक्षक · बीकानेर": a posting by name; where the unit's name is unknown, its kind. */
function postingName(p) {
  return `${roleName(p.role)} · ${text(p.unit_name) || unitKindName(p.unit_kind)}`;
}

/* The real sign-in page (the roster's), told to come back here. */
function signInUrl() {
  const next = window.location.pathname + window.location.search;
  return `${DATA.sign_in_url}?lang=${LANG}&next=${encodeURIComponent(next)}`;
}

/* A new access token for the refresh cookie (same origin as the roster only; elsewhere this
   fails and the member signs in again). One refresh at a time, shared by every caller. */
let refreshing = null;
function refreshSession() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      const r = await fetch(`${DATA.auth_url}/token`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept-Language": LANG, Accept: "application/json" },
        body: JSON.stringify({ grant_type: "refresh_token" }),
      });
      if (!r.ok) return false;
      const answer = await r.json();
      setSession(sessionFromToken(answer, storedSession()));
      return true;
    } catch (_) {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/* The caller's grants that may take an action (DATA.may: roles from the access table, and
   "role:unit" for a posting that alone may, such as ADG Crime). */
function grantsFor(action) {
  const s = session();
  const may = DATA.may[action];
  return s ? s.grants.filter((g) => may.includes(g.role) || may.includes(`${g.role}:${g.unit}`)) : [];
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "id" || k === "type" || k === "value" || k === "name"
             || k === "href" || k === "hreflang" || k === "lang" || k === "title") {
      node.setAttribute(k, v);
    } else node[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function text(bilingual) {
  if (!bilingual) return "";
  return bilingual[LANG] || bilingual[LANG === "hi" ? "en" : "hi"] || "";
}

function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(LANG === "hi" ? "hi-IN" : "en-IN", {
    timeZone: "Asia/Kolkata", dateStyle: "medium", timeStyle: "medium",
  });
}

function pct(share) { return share === null || share === undefined ? "—" : `${Math.round(share * 100)}%`; }

function showProblem(p) {
  const box = document.getElementById("problem");
  box.replaceChildren(
    el("strong", {}, p.title || T.problem), " ", el("span", { class: "detail" }, p.detail || ""),
  );
  if (p.code) box.dataset.code = p.code;
  if (Array.isArray(p.errors) && p.errors.length) {
    box.append(el("ul", {}, p.errors.map((e) => el("li", {}, `${e.field}: ${e.message}`))));
  }
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

function clearProblem() {
  const box = document.getElementById("problem");
  box.hidden = true;
  box.replaceChildren();
}

function headers(extra) {
  const h = { "Accept-Language": LANG, Accept: "application/json", ...(extra || {}) };
  const s = session();
  if (s) h.Authorization = `Bearer ${s.token}`;
  return h;
}

/* fetch + JSON; a problem document is shown and {ok: false} returned. An expired token is
   refreshed first; a 401 is retried once after a refresh, and when that fails too the session is
   over: back to the sign-in page. */
async function api(method, path, opts, retried) {
  const o = opts || {};
  const extra = { ...(o.headers || {}) };
  let body = o.body;
  if (o.json !== undefined) {
    extra["Content-Type"] = "application/json";
    body = JSON.stringify(o.json);
  }
  if (method === "POST") {
    o.key = o.key || crypto.randomUUID();
    extra["Idempotency-Key"] = o.key;
  }
  if (!session() && storedSession()) await refreshSession();
  let response;
  try {
    response = await fetch(`${PREFIX}/api/v1${path}`, { method, body, headers: headers(extra) });
  } catch (_) {
    showProblem({ title: T.problem, detail: T.network_error });
    return { ok: false, status: 0, data: null };
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (response.status === 401 && !retried && storedSession()) {
    if (await refreshSession()) return api(method, path, o, true);
    clearSession();
    window.location.assign(signInUrl());
  }
  if (!response.ok) {
    if (response.status === 401) clearSession();
    showProblem(typeof data === "object" ? data : { title: T.problem, detail: String(data) });
  }
  return { ok: response.ok, status: response.status, data, response };
}

/* Reads a text/event-stream with the bearer token; calls onEvent(name, data) per event and
   reconnects after a pause when the stream ends or fails. */
function eventStream(path, onEvent, onState) {
  let stopped = false;
  async function run() {
    while (!stopped) {
      try {
        const response = await fetch(`${PREFIX}/api/v1${path}`, { headers: headers({ Accept: "text/event-stream" }) });
        // An expired token: refreshed with the cookie, and the stream opened again.
        if (response.status === 401 && storedSession() && await refreshSession()) continue;
        if (!response.ok) {
          const data = await response.json().catch(() => ({}));
          showProblem(data);
          if (response.status === 401 || response.status === 403 || response.status === 404) return;
        } else {
          onState(true);
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value.replace(/\r\n?/g, "\n");
            let cut;
            while ((cut = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              let name = "message";
              const lines = [];
              for (const line of block.split("\n")) {
                if (line.startsWith("event:")) name = line.slice(6).trim();
                else if (line.startsWith("data:")) lines.push(line.slice(5).replace(/^ /, ""));
              }
              if (lines.length) onEvent(name, lines.join("\n"));
            }
          }
        }
      } catch (_) { /* reconnect below */ }
      onState(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  run();
  return () => { stopped = true; };
}

/* A download that needs the bearer token: fetch, then save the blob under the server's name. */
async function download(path, fallbackName) {
  const r = await fetch(`${PREFIX}/api/v1${path}`, { headers: headers({ Accept: "*/*" }) });
  if (!r.ok) {
    showProblem(await r.json().catch(() => ({})));
    return;
  }
  const disposition = r.headers.get("content-disposition") || "";
  const m = /filename="([^"]+)"/.exec(disposition);
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url });
  a.download = m ? m[1] : fallbackName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/* True with a live session; otherwise refreshes it (the page loads again) or sends the member to
   the sign-in page, and answers false. */
function requireSession() {
  if (session()) return true;
  refreshSession().then((ok) => {
    if (ok) window.location.reload();
    else window.location.assign(signInUrl());
  });
  return false;
}

/* Revokes the refresh token's family (the cookie goes with it), then forgets the session. */
async function signOut() {
  try {
    await fetch(`${DATA.auth_url}/sign-out`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept-Language": LANG },
      body: "{}",
    });
  } catch (_) { /* signed out here all the same */ }
  clearSession();
  window.location.assign(`${DATA.sign_in_url}?lang=${LANG}`);
}

/* The header: who is signed in, by name, with their roles and units by name in the page's
   language. */
(function header() {
  const s = session();
  if (s) {
    const postings = s.postings || s.grants.map((g) => ({ role: g.role, unit_id: g.unit }));
    document.getElementById("who-name").textContent = `${T.signed_in_as} ${personName(s.name)}`;
    document.getElementById("who-roles").textContent = postings.map(postingName).join(", ");
    document.getElementById("who").hidden = false;
  } else {
    const out = document.getElementById("signed-out");
    const link = document.getElementById("sign-in-link");
    if (out && link) {
      link.href = signInUrl();
      out.hidden = false;
    }
  }
  document.getElementById("sign-out").addEventListener("click", signOut);
})();
