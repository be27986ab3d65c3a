"""The PHQ social media cell's notice that an official account stopped (issue 14: the
publisher's `PublishAccountStopped` on publish.results.v1): who is told, what it says, and the
identities that make it one notice per stop.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from uuid import UUID

from nazar_contracts.stories import PublicChannel
from nazar_contracts.vocabulary import Role, UnitKind

from directive.domain.model import Text

# The cell: the roles that write, design and approve what the official accounts post, at the
# state unit (the roster posts them nowhere else: roster.domain.roles).
CELL_ROLES = (Role.CONTENT_WRITER, Role.GRAPHICS_DESIGNER, Role.POLICE_PRO, Role.SP_PHQ_CRIME)
CELL_UNIT_KIND = UnitKind.STATE
# Urgent, not flash: nothing is lost while the account waits (its posts stay queued), but the
# cell should act within the hour, and a flash would go before a directive's deliveries.
NOTICE_PRIORITY = "urgent"

# Fixed: notice ids are uuid5 names in it, so a stop delivered again makes the same message.
ACCOUNT_NAMESPACE = uuid.UUID("0b5e8a4c-71d2-5f36-9c0e-2a4d6b8f1e37")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")  # the contracts' Id

CHANNEL_NAMES = {
    PublicChannel.X: ("एक्स (ट्विटर)", "X (Twitter)"),
    PublicChannel.FACEBOOK: ("फ़ेसबुक", "Facebook"),
    PublicChannel.INSTAGRAM: ("इंस्टाग्राम", "Instagram"),
}


def stop_message_id(account_id: str, at: datetime) -> UUID:
    """One notice per stop: the account and the moment it stopped, whichever record (or
    republished copy of it) brings the news."""
    return uuid.uuid5(ACCOUNT_NAMESPACE, f"stopped:{account_id}:{at.isoformat()}")


def origin_id(account_id: str) -> str:
    """The account's id as a message origin (the contracts' id syntax; anything else hashed)."""
    if _ID.match(account_id):
        return account_id
    return "account-" + hashlib.sha256(account_id.encode()).hexdigest()[:32]


def stopped_notice(
    channel: PublicChannel, account_name: str, reason: str, provider_code: str | None
) -> Text:
    """Which account, why, and what to do — in both languages (each member gets theirs). The
    reason is the publisher's own words, quoted as they came."""
    hi, en = CHANNEL_NAMES.get(channel, (str(channel), str(channel)))
    code_hi = f" (कोड {provider_code})" if provider_code else ""
    code_en = f" (code {provider_code})" if provider_code else ""
    return Text(
        title_hi=f"आधिकारिक खाता रुका: {hi} — {account_name}",
        body_hi=(
            f"{hi} पर आधिकारिक खाते “{account_name}” से पोस्ट होना रुक गया है।\n"
            f"कारण: {reason}{code_hi}\n"
            "क्या करें: प्रकाशन कंसोल में ‘खाते’ खोलें और खाते के स्वामी के लॉग-इन से खाता फिर से "
            "जोड़ें; यदि नेटवर्क ने खाता रोका है, तो पहले नेटवर्क पर खाते की स्थिति जाँचें। इस खाते "
            "की पोस्ट कतार में सुरक्षित हैं और खाता फिर से जुड़ते ही भेजी जाएँगी।"
        ),
        title_en=f"Official account stopped: {en} — {account_name}",
        body_en=(
            f"The official {en} account “{account_name}” has stopped posting.\n"
            f"Why: {reason}{code_en}\n"
            "What to do: open Accounts in the publishing console and connect the account again "
            "with its owner's sign-in; if the network blocked it, check the account's status on "
            "the network first. Its posts are kept in the queue and go out once it is connected "
            "again."
        ),
    )
