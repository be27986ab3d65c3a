/* What every console page shares: the session (bearer token in sessionStorage), API calls that
   send the page's language and show problem documents, a reader for server-sent events over
   fetch (EventSource cannot send the Authorization header), and small DOM helpers. */
"use strict";

const DATA = JSON.parse(document.getElementById("page-data").textContent);
const T = DATA.t;
const LANG = DATA.lang;
const SESSION_KEY = "nazar.console.session";
/* Where the service is served behind the one origin ("/directive"; "" on its own port): every
   page, file and API URL starts with it. */
const PREFIX = DATA.prefix || "";

function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY));
    return s && s.expires_at > Date.now() ? s : null;
  } catch (_) {
    return null;
  }
}

function setSession(s) { sessionStorage.setItem(SESSION_KEY, JSON.stringify(s)); }
function clearSession() { sessionStorage.removeItem(SESSION_KEY); }
function page(path, extra) { return `${PREFIX}${path}?lang=${LANG}${extra || ""}`; }

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
    else if (k.startsWith("data-") || k === "id" || k === "type" || k === "value" || k === "name"
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

/* fetch + JSON; a problem document is shown and {ok: false} returned. A 401 means the session
   is over: back to the sign-in. */
async function api(method, path, opts) {
  const o = opts || {};
  const extra = {};
  let body = o.body;
  if (o.json !== undefined) {
    extra["Content-Type"] = "application/json";
    body = JSON.stringify(o.json);
  }
  if (method === "POST") extra["Idempotency-Key"] = o.key || crypto.randomUUID();
  let response;
  try {
    response = await fetch(`${PREFIX}/api/v1${path}`, { method, body, headers: headers(extra) });
  } catch (_) {
    showProblem({ title: T.problem, detail: T.network_error });
    return { ok: false, status: 0, data: null };
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
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

function requireSession() {
  if (session()) return true;
  if (DATA.dev_sign_in) window.location.assign(page("/console/sign-in"));
  return false;
}

(function header() {
  const s = session();
  if (s) {
    const roles = s.grants.map((g) => `${T.roles[g.role] || g.role} · ${g.unit}`).join(", ");
    document.getElementById("who-name").textContent = `${T.signed_in_as} ${s.name} (${roles})`;
    document.getElementById("who").hidden = false;
  }
  document.getElementById("sign-out").addEventListener("click", () => {
    clearSession();
    window.location.assign(DATA.dev_sign_in ? page("/console/sign-in") : page("/console"));
  });
})();
