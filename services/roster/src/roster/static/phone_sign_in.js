/* The phone sign-in page: phone → code → passkey when the member's grants call for one → the
   session the consoles read (common.js) → back to DATA.next (a path of this origin, checked by
   the server). Every URL comes from DATA.api (the roster's prefix + /api/v1). A ticket handed back
   by the state's single sign-on (?ticket=…&needs_passkey=…) continues at the passkey or token
   step. */
"use strict";

const API = DATA.api;
const $ = (id) => document.getElementById(id);
const STEPS = ["phone-step", "code-step", "passkey-step"];
const RESTART = ["auth.code_locked", "auth.code_expired", "auth.code_used", "auth.sign_in_unknown"];
let asked = null; // {phone, channel} of the last code asked for
let signInId = null;
let timer = null;

function step(name) {
  for (const id of STEPS) $(id).hidden = id !== name;
  $("other-ways").hidden = name !== "phone-step";
}

async function call(method, path, body, token) {
  const headers = { Accept: "application/json", "Accept-Language": LANG };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`${API}${path}`, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (_) {
    showProblem({ title: T.problem, detail: T.network_error });
    return { ok: false, status: 0, data: null, response: null };
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : null;
  if (!response.ok && method !== "GET") showProblem(data || { title: T.problem, detail: String(response.status) });
  return { ok: response.ok, status: response.status, data, response };
}

/* Shows "ask again in N s" under `note` and keeps `button` disabled until then. */
function wait(seconds, button, note) {
  clearInterval(timer);
  let left = Math.max(1, Math.ceil(seconds));
  const tick = () => {
    if (left <= 0) {
      clearInterval(timer);
      button.disabled = false;
      note.hidden = true;
      return;
    }
    button.disabled = true;
    note.textContent = T.wait.replace("{seconds}", left);
    note.dataset.seconds = String(left);
    note.hidden = false;
    left -= 1;
  };
  tick();
  timer = setInterval(tick, 1000);
}

function retryAfter(r) {
  const header = r.response ? Number(r.response.headers.get("Retry-After")) : NaN;
  return Number.isFinite(header) && header > 0 ? header : DATA.resend_after;
}

async function askForCode(button, note) {
  clearProblem();
  button.disabled = true;
  const r = await call("POST", "/auth/codes", asked);
  button.disabled = false;
  if (r.status === 429) {
    wait(retryAfter(r), button, note);
    return false;
  }
  if (!r.ok) return false;
  signInId = r.data.sign_in_id;
  $("code-sent").textContent = T.code_sent.replace("{minutes}", Math.round(r.data.expires_in / 60));
  $("code").value = "";
  $("code").disabled = false;
  $("verify").disabled = false;
  $("attempts").hidden = true;
  step("code-step");
  $("code").focus();
  wait(DATA.resend_after, $("resend"), $("resend-wait"));
  return true;
}

$("phone-step").addEventListener("submit", (e) => {
  e.preventDefault();
  const channel = document.querySelector('input[name="channel"]:checked');
  asked = { phone: $("phone").value.trim(), channel: channel ? channel.value : null };
  askForCode($("send-code"), $("phone-wait"));
});

$("resend").addEventListener("click", () => askForCode($("resend"), $("resend-wait")));

$("change-number").addEventListener("click", () => {
  clearProblem();
  clearInterval(timer);
  $("send-code").disabled = false;
  $("phone-wait").hidden = true;
  step("phone-step");
  $("phone").focus();
});

$("code-step").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearProblem();
  $("verify").disabled = true;
  const r = await call("POST", "/auth/codes/verify", { sign_in_id: signInId, code: $("code").value.trim() });
  if (r.ok) {
    await afterTicket(r.data);
    return;
  }
  const p = r.data || {};
  if (p.code === "auth.code_wrong") {
    $("attempts").textContent = T.attempts_left.replace("{n}", p.attempts_left);
    $("attempts").dataset.left = String(p.attempts_left);
    $("attempts").hidden = false;
    $("verify").disabled = false;
    $("code").select();
  } else if (RESTART.includes(p.code)) {
    // This code is finished (locked, expired, used): only a new code helps.
    $("attempts").textContent = T.new_code_needed;
    $("attempts").hidden = false;
    $("code").disabled = true;
  } else {
    $("verify").disabled = false;
  }
});

/* After the code (or the single sign-on): a passkey first where needed, then the tokens. */
async function afterTicket(ticket) {
  if (ticket.needs_passkey) {
    passkeyStep(ticket.ticket);
    return;
  }
  await tokens(ticket.ticket);
}

/* The options are fetched on arrival, so the page says whether a passkey is made or used. */
let offered = null;
async function options(ticket) {
  const o = await call("POST", "/auth/passkeys/options", { ticket });
  if (!o.ok) return null;
  $("passkey-note").textContent = o.data.mode === "register" ? T.passkey_register : T.passkey_authenticate;
  $("passkey-step").dataset.mode = o.data.mode;
  return o.data;
}

async function passkeyStep(ticket) {
  step("passkey-step");
  const supported = window.PublicKeyCredential
    && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
  $("passkey-note").textContent = supported ? T.passkey_authenticate : T.passkey_unsupported;
  $("passkey-go").hidden = !supported;
  if (!supported) return;
  $("passkey-go").onclick = () => passkey(ticket);
  offered = await options(ticket);
}

async function passkey(ticket) {
  clearProblem();
  $("passkey-go").disabled = true;
  try {
    // A challenge is used once: a second try asks for new options.
    const o = offered || await options(ticket);
    offered = null;
    if (!o) return;
    let credential;
    if (o.mode === "register") {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(o.options);
      credential = await navigator.credentials.create({ publicKey });
    } else {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(o.options);
      credential = await navigator.credentials.get({ publicKey });
    }
    const v = await call("POST", "/auth/passkeys/verify", { ticket, credential: credential.toJSON() });
    if (!v.ok) return;
    await tokens(v.data.ticket);
  } catch (_) {
    // The member cancelled, or the authenticator refused: they may try again.
    showProblem({ title: T.passkey, detail: T.passkey_failed });
  } finally {
    $("passkey-go").disabled = false;
  }
}

/* The ticket for tokens (the refresh token stays in the HttpOnly cookie; the answer names the
   member and their postings for the header), then the session the consoles read, and back to
   the page asked for. */
async function tokens(ticket) {
  $("signing-in").hidden = false;
  const r = await call("POST", "/auth/token", { grant_type: "ticket", ticket });
  if (!r.ok) {
    $("signing-in").hidden = true;
    return;
  }
  setSession(sessionFromToken(r.data, null));
  window.location.assign(DATA.next);
}

/* A second way in, where the deployment has one (the state's single sign-on). */
async function methods() {
  const r = await call("GET", "/auth/methods");
  if (!r.ok || !r.data || !r.data.oidc) return;
  const oidc = r.data.oidc;
  // The provider's start is a roster path: served under the same prefix as this page.
  const start = oidc.start.startsWith("/") ? `${DATA.prefix}${oidc.start}` : oidc.start;
  const link = $("oidc-start");
  link.href = `${start}${start.includes("?") ? "&" : "?"}next=${encodeURIComponent(DATA.next)}`;
  link.textContent = T.oidc_with.replace("{name}", text(oidc.name));
  $("oidc").hidden = false;
}

(function start() {
  const query = new URLSearchParams(window.location.search);
  const ticket = query.get("ticket");
  if (ticket) {
    // Back from the single sign-on: the ticket leaves the address bar (and the history) at once.
    query.delete("ticket");
    const needsPasskey = query.get("needs_passkey") === "true";
    query.delete("needs_passkey");
    window.history.replaceState(null, "", `${window.location.pathname}?${query}`);
    afterTicket({ ticket, needs_passkey: needsPasskey });
    return;
  }
  const refused = query.get("problem");
  if (refused) {
    // The single sign-on sent the member back with the code of its refusal.
    query.delete("problem");
    window.history.replaceState(null, "", `${window.location.pathname}?${query}`);
    showProblem({ title: T.problem, detail: T.oidc_failed, code: refused });
  }
  step("phone-step");
  methods();
  $("phone").focus();
})();
