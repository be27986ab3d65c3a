/* An approved story's posts on the official accounts: each post's state, where the public sees
   it (every part of an X thread), a failure with the network's code and the publisher's words,
   and its withdrawal — asked for by an approver with a reason, "withdrawing…" until the
   publisher answers, then withdrawn or the refusal in words; for Instagram, whose API cannot
   delete, the by-hand task: delete it in the app, then confirm here. The page re-reads the posts
   while an answer is awaited. */
"use strict";

const POSTS = { timer: null, wait: 3000 };

function postsDone(message) {
  const p = $("posts-done");
  p.textContent = message;
  p.hidden = false;
}

function isPending(p) {
  const w = p.withdrawal;
  return p.state === "requested" || Boolean(w && ["requested", "task_open", "confirmed"].includes(w.state));
}

/* Re-reads the posts while an answer is awaited, less often the longer it takes. */
function pollPosts() {
  clearTimeout(POSTS.timer);
  if (!CELL.data.posts.some(isPending)) { POSTS.wait = 3000; return; }
  POSTS.timer = setTimeout(async () => {
    POSTS.wait = Math.min(POSTS.wait * 1.5, 60_000);
    const r = await api("GET", `/stories/${ID}`);
    if (!r.ok) return;
    CELL.data.posts = r.data.posts || [];
    renderOutcome();
  }, POSTS.wait);
}

function publicLinks(p) {
  const urls = p.public_urls && p.public_urls.length ? p.public_urls : (p.public_url ? [p.public_url] : []);
  const links = urls.map((u, i) => el("li", {}, el("a", { href: u, rel: "noopener", class: "public-url", "data-part": i + 1 },
    urls.length > 1 ? `${T.thread_part} ${i + 1}/${urls.length}` : u)));
  const out = [];
  if (links.length) out.push(el("ul", { class: "links" }, ...links));
  if (p.state === "failed") {
    out.push(el("p", { class: "failure" }, p.reason || "",
      p.provider_code ? ` (${T.provider_code}: ${p.provider_code})` : "",
      p.retryable ? ` — ${T.retryable}` : ""));
  }
  if (p.account_id) out.push(el("p", { class: "muted" }, `${T.account}: ${p.account_id}`));
  return out;
}

function withdrawForm(p) {
  const id = `withdraw-reason-${p.channel}`;
  const form = el("form", { class: "withdraw-form row" },
    el("label", {}, T.withdraw_reason),
    el("input", { id, class: "withdraw-reason", maxLength: 2000 }),
    el("button", { type: "submit", class: "withdraw-button danger" }, T.withdraw));
  form.querySelector("label").htmlFor = id;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearProblem();
    const button = form.querySelector("button");
    button.disabled = true;
    const reason = form.querySelector("input").value.trim();
    const r = await api("POST", `/stories/${ID}/posts/${p.post_id}/withdraw`, { json: { reason: reason || null } });
    button.disabled = false;
    if (!r.ok) return;
    updatePost(r.data);
    postsDone(T.withdraw_done);
  });
  return form;
}

function confirmButton(p) {
  const button = el("button", { type: "button", class: "confirm-deleted" }, T.confirm_deleted);
  button.addEventListener("click", async () => {
    clearProblem();
    button.disabled = true;
    const r = await api("POST", `/stories/${ID}/posts/${p.post_id}/withdrawal/confirm`);
    button.disabled = false;
    if (!r.ok) return;
    updatePost(r.data);
    postsDone(T.confirm_done);
  });
  return button;
}

function withdrawal(p) {
  const w = p.withdrawal;
  const approver = isApprover();
  const out = [];
  if (w) {
    out.push(el("p", { class: "withdrawal-state", "data-withdrawal": w.state }, T.withdrawal_states[w.state] || w.state));
    if (w.reason) out.push(el("p", { class: "muted" }, `${w.reason}${w.by ? ` — ${who(w.by, w.by_role)}` : ""}${w.at ? `, ${when(w.at)}` : ""}`));
    if (w.state === "task_open") {
      out.push(el("p", { class: "task" }, T.ig_task));
      if (approver) out.push(confirmButton(p));
    }
    if (w.state === "confirmed" && w.confirmed_by) out.push(el("p", { class: "muted" }, `${who(w.confirmed_by)}, ${when(w.confirmed_at)}`));
    if (w.state === "withdrawn" && w.method) out.push(el("p", { class: "muted" }, `${T.methods[w.method]}, ${when(w.done_at)}`));
    if (w.state === "failed") {
      out.push(el("p", { class: "failure" }, w.failure || "", w.failure_code ? ` (${T.provider_code}: ${w.failure_code})` : ""));
    }
  }
  const open = !w || w.state === "failed";
  if (approver && p.state === "posted" && open) out.push(withdrawForm(p));
  return out;
}

function updatePost(post) {
  CELL.data.posts = CELL.data.posts.map((p) => (p.post_id === post.post_id ? post : p));
  POSTS.wait = 3000;
  renderOutcome();
}

/* Called by cell.js whenever the cell's data is (re)loaded. */
function renderOutcome() {
  const a = CELL.data.approval;
  $("outcome-card").hidden = !a;
  if (!a) return;
  const channels = a.public_channels.map((c) => T.channels[c]).join(", ");
  const thread = a.public_channels.includes("x") && a.overflow === "thread" ? ` · ${T.overflows.thread}` : "";
  $("approved-as").textContent = `${T.approved_as} ${T.scopes[a.scope]}${channels ? ` · ${channels}` : ""}${thread} — ${who(a.by, a.by_role)}, ${when(a.at)}`;
  $("posts").querySelector("tbody").replaceChildren(...CELL.data.posts.map((p) => el("tr",
    { "data-channel": p.channel, "data-state": p.state, "data-withdrawal": p.withdrawal ? p.withdrawal.state : "" },
    el("td", {}, T.channels[p.channel]),
    el("td", {}, String(p.version)),
    el("td", {}, T.post_states[p.state] || p.state),
    el("td", {}, ...publicLinks(p)),
    el("td", {}, ...withdrawal(p)),
  )));
  pollPosts();
}
