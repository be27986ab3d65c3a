/* The office's imports on the consoles' frame (nazar_ui's common.js: the session, api(),
   download(), problems, the header, el()): the history with the upload form, and one import's
   report with its rejected rows, their download as a CSV to fix, and a full sync's review. People
   are shown by name, roles by name, never a member or role code. */
"use strict";

const $ = (id) => document.getElementById(id);
const KINDS = { police: T.police, volunteers: T.volunteers, units: T.units_list };
const COUNTS = ["accepted", "rejected", "would_deactivate", "applied", "created", "changed",
  "deactivated", "events"];
const uploader = (r) => personName({ hi: r.uploaded_by_name_hi, en: r.uploaded_by_name_latin });
const reportUrl = (id) => page(`/roster/imports/${encodeURIComponent(id)}`);

/* --- the history and the upload form ------------------------------------------------------- */
let nextImports = null;
async function history(more) {
  const params = new URLSearchParams({ limit: "25" });
  if (more && nextImports) params.set("cursor", nextImports);
  const r = await api("GET", `/imports?${params}`);
  if (!r.ok) return;
  const body = $("imports").querySelector("tbody");
  if (!more) body.replaceChildren();
  for (const i of r.data.items) {
    body.append(el("tr", { "data-import": i.import_id },
      el("td", {}, el("a", { href: reportUrl(i.import_id) }, when(i.received_at))),
      el("td", {}, uploader(i)),
      el("td", {}, KINDS[i.kind] || i.kind),
      el("td", {}, i.filename || "—"),
      el("td", {}, String(i.counts.accepted ?? "—")),
      el("td", {}, String(i.counts.rejected ?? "—")),
      el("td", { class: "status" }, T[i.status] || i.status)));
  }
  if (!more && !r.data.items.length) {
    body.append(el("tr", { class: "empty" }, el("td", { colSpan: 7 }, T.no_imports)));
  }
  nextImports = r.data.next_cursor;
  $("imports-more").hidden = !nextImports;
}

async function upload(e) {
  e.preventDefault();
  clearProblem();
  const file = $("import-file").files[0];
  if (!file) return;
  const params = new URLSearchParams({
    kind: $("import-kind").value, filename: file.name,
    full_sync: $("import-full-sync").checked ? "true" : "false",
  });
  const r = await api("POST", `/imports?${params}`, { body: file, headers: { "Content-Type": "text/csv" } });
  if (r.ok) window.location.assign(reportUrl(r.data.import_id));
}

function importsPage() {
  if (!requireSession()) return;
  history(false);
  $("import-form").addEventListener("submit", upload);
  $("imports-more").addEventListener("click", () => history(true));
}

/* --- one import's report -------------------------------------------------------------------- */
const ID = DATA.import_id;
// The column by its name in the page's language (the downloaded file keeps the file's headers).
const column = (c) => (T.columns && T.columns[c]) || c;
const why = (problems) => problems.map((p) => text(p) + (p.column ? ` [${column(p.column)}]` : "")).join("; ");
let nextRejected = null;
let nextDeactivations = null;

function rejectedRows(rows, more) {
  const body = $("report-rows").querySelector("tbody");
  if (!more) body.replaceChildren();
  body.append(...rows.map((row) => el("tr", { "data-row": String(row.row) },
    el("td", {}, String(row.row)), el("td", {}, row.key || "—"), el("td", {}, why(row.problems)))));
  if (!more && !rows.length) {
    body.append(el("tr", { class: "empty" }, el("td", { colSpan: 3 }, T.no_rejected)));
  }
}

async function moreRejected() {
  const r = await api("GET", `/imports/${ID}?limit=200&cursor=${encodeURIComponent(nextRejected)}`);
  if (!r.ok) return;
  rejectedRows(r.data.rejected, true);
  nextRejected = r.data.next_cursor;
  $("rejected-more").hidden = !nextRejected;
}

async function deactivations(more) {
  const params = new URLSearchParams({ limit: "50" });
  if (more && nextDeactivations) params.set("cursor", nextDeactivations);
  const r = await api("GET", `/imports/${ID}/deactivations?${params}`);
  if (!r.ok) return;
  const body = $("deactivations").querySelector("tbody");
  if (!more) body.replaceChildren();
  body.append(...r.data.items.map((d) => el("tr", { "data-member": d.member_id },
    el("td", {}, personName({ hi: d.name_hi, en: d.name_latin })),
    el("td", {}, d.key || "—"),
    el("td", {}, d.role ? roleName(d.role) : "—"))));
  nextDeactivations = r.data.next_cursor;
  $("deactivations-more").hidden = !nextDeactivations;
}

function showReview(report) {
  // A full sync applies nothing until confirmed (by a second officer too when it deactivates many).
  const review = report.review;
  $("review").hidden = !review;
  if (!review) return;
  const waiting = report.status === "awaiting_confirmation";
  $("report-review").textContent =
    T.review.replace("{got}", review.confirmed_by.length).replace("{needed}", review.confirmations_needed) +
    (review.confirmations_needed > 1 ? ` ${T.second_officer}` : "");
  $("review-confirmers").textContent = review.confirmers.length
    ? review.confirmers.map((c) => personName({ hi: c.name_hi, en: c.name_latin })).join(", ")
    : T.nobody_yet;
  $("review-before").textContent = when(review.confirm_before);
  const mine = review.confirmed_by.includes(session() && session().member_id);
  $("report-confirm").hidden = !waiting || mine;
  deactivations(false);
}

async function report() {
  const r = await api("GET", `/imports/${ID}?limit=200`);
  if (!r.ok) return;
  const rep = r.data;
  $("report").hidden = false;
  $("report-file").textContent = rep.filename || "—";
  $("report-kind").textContent = KINDS[rep.kind] || rep.kind;
  $("report-by").textContent = uploader(rep);
  $("report-when").textContent = when(rep.received_at);
  $("report-status").textContent = T[rep.status] || rep.status;
  $("report-counts").replaceChildren(
    el("dt", {}, T.total_rows), el("dd", { id: "count-total" }, String(rep.total_rows)),
    ...COUNTS.filter((k) => rep.counts[k] !== undefined)
      .flatMap((k) => [el("dt", {}, T[k]), el("dd", { id: `count-${k}` }, String(rep.counts[k]))]));
  $("report-note").hidden = rep.status !== "interrupted";
  $("report-note").textContent = rep.status === "interrupted" ? T.interrupted_note : "";
  showReview(rep);
  const settled = rep.status !== "running";
  $("rejected").hidden = !settled;
  if (settled) {
    rejectedRows(rep.rejected, false);
    nextRejected = rep.next_cursor;
    $("rejected-more").hidden = !nextRejected;
    const anyRejected = (rep.counts.rejected || 0) > 0;
    $("download-box").hidden = !rep.rejected_rows_kept;
    $("not-kept").hidden = rep.rejected_rows_kept || !anyRejected;
  } else {
    setTimeout(report, 500);
  }
}

function importPage() {
  if (!requireSession()) return;
  report();
  $("report-confirm").addEventListener("click", async () => {
    const c = await api("POST", `/imports/${ID}/confirmation`);
    if (c.ok) report();
  });
  $("download-rejected").addEventListener("click", () =>
    download(`/imports/${ID}/rejected.csv?lang=${LANG}`, `${ID}-rejected.csv`));
  $("rejected-more").addEventListener("click", moreRejected);
  $("deactivations-more").addEventListener("click", () => deactivations(true));
}

if (DATA.page === "imports") importsPage();
else if (DATA.page === "import") importPage();
