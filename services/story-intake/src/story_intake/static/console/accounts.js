/* The banner on every page of the PHQ cell while an official account is stopped (its token was
   revoked, a refresh failed, the network blocked it): which account, why in the publisher's
   words with the network's code, and since when. Nothing is posted on it until a person acts, so
   the banner stays until the publisher reports it posting again; it is re-read every 30 s. */
"use strict";

async function loadStoppedAccounts() {
  if (!session() || !myLevels().includes("phq")) return;
  const r = await api("GET", "/publish/accounts");
  if (!r.ok) return;
  const banner = document.getElementById("accounts-banner");
  banner.hidden = r.data.items.length === 0;
  document.getElementById("stopped-accounts").replaceChildren(...r.data.items.map((a) => el("li",
    { "data-account": a.account_id, "data-channel": a.channel },
    el("strong", {}, `${T.channels[a.channel] || a.channel} — ${a.name || a.account_id}`), ": ",
    a.reason || "",
    a.provider_code ? ` (${T.provider_code}: ${a.provider_code})` : "",
    " — ", el("span", { class: "since" }, `${T.since} ${when(a.since)}`))));
}

loadStoppedAccounts();
setInterval(loadStoppedAccounts, 30_000);
