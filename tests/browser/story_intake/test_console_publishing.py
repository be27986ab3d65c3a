"""The cell's console after approval (issue 14, items 4 and 7), in headless Chromium on the
module's one service and browser (`test_console.console`): the editor says how many parts a long
X text makes, the approver chooses a thread, every part's public address shows; a post is taken
down from the keyboard ("withdrawing…", then withdrawn), an Instagram post by hand with the
approver's confirmation; a failure shows with the network's code and words; a stopped account is
a banner on every cell page, in Hindi and English.

The publisher's answers are written into the service's tables as its results consumer writes
them (the consumer itself is proven in tests/integration/story_intake/test_publishing.py).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
from playwright.async_api import Page, expect
from story_intake.store import members

from tests.browser.story_intake.test_console import (  # the module's service and browser
    APPROVER,
    CO,
    CONSTABLE,
    SP,
    WRITER,
    Console,
    shot,
    story,
)
from tests.browser.story_intake.test_console import console as console  # noqa: PLC0414
from tests.browser.story_intake.test_console import (  # autouse: no raw code on any page left open
    no_raw_codes as no_raw_codes,  # noqa: PLC0414
)
from tests.browser.story_intake.test_console import (  # autouse: no script error on any page
    no_script_errors as no_script_errors,  # noqa: PLC0414
)
from tests.integration.story_intake.test_api import token
from tests.unit.story_intake.test_posts import LONG_HI

CIRC = {"title": {"hi": "साइबर ठग गिरोह पकड़ा"}, "body": {"hi": "जयपुर पुलिस ने साइबर ठग पकड़े।"}}
X_IDS = ["1861000000000000001", "1861000000000000002"]


async def _call(console: Console, who: members.MemberRow, path: str, body: Any) -> Any:
    grant = f"{who.postings[0][0]}:{who.postings[0][1]}"
    async with console.running.client(token(who.id, grant)) as c:
        r = await c.post(f"/api/v1{path}", json=body)
    assert r.status_code < 300, r.text
    return r.json()


async def _at_phq(console: Console, title: str) -> str:
    story_id = await console.new_story(CONSTABLE, story(title, "जयपुर पुलिस ने साइबर ठग पकड़े।"))
    await console.decide(CO, story_id, "forward")
    await console.decide(SP, story_id, "forward")
    await _call(console, WRITER, f"/stories/{story_id}/versions/circulation", CIRC)
    return story_id


async def _sql(console: Console, query: str, *args: Any) -> None:
    conn = await asyncpg.connect(console.running.database)
    try:
        await conn.execute(query, *args)
    finally:
        await conn.close()


async def _post_id(console: Console, story_id: str, channel: str) -> str:
    conn = await asyncpg.connect(console.running.database)
    try:
        return str(
            await conn.fetchval(
                "SELECT post_id FROM story_posts WHERE story_id = $1::uuid AND channel = $2",
                story_id, channel,
            )
        )  # fmt: skip
    finally:
        await conn.close()


async def _open(console: Console, who: members.MemberRow, story_id: str) -> Page:
    _, page = await console.as_member(who)
    await page.goto(f"{console.url}/console/stories/{story_id}?lang=hi")
    return page


async def test_a_long_x_text_goes_as_a_thread_and_is_taken_down_from_the_keyboard(
    console: Console,
) -> None:
    story_id = await _at_phq(console, "साइबर ठगी का गिरोह पकड़ा")
    writer = await _open(console, WRITER, story_id)
    # The editor starts from the field text once the versions are read; then the writer types.
    await expect(writer.locator("#version-text")).to_have_value(re.compile("^साइबर ठगी"))
    await writer.fill("#version-text", LONG_HI)
    await expect(writer.locator("#counter")).to_have_class("over")
    await expect(writer.locator("#thread-parts")).to_have_text("— थ्रेड में 2 भाग बनेंगे")
    await writer.click("#save-version")
    await expect(writer.locator('#versions tr[data-n="1"]')).to_be_visible()

    approver = await _open(console, APPROVER, story_id)
    version = approver.locator('#versions tr[data-n="1"]')  # read: approvable
    await expect(version.locator(".thread-parts")).to_contain_text("थ्रेड में 2 भाग बनेंगे")
    await approver.check("#approval input[value=x]")
    await approver.click("#approve-story")  # refuse is the default: the text is too long
    await expect(approver.locator("#problem")).to_contain_text("पाठ नेटवर्क के लिए बहुत लंबा है")
    await approver.check("#approval input[name=overflow][value=thread]")
    await approver.click("#approve-story")
    await expect(approver.locator("#approved-as")).to_contain_text("क्रमांकित थ्रेड में भेजें")
    x_row = approver.locator('#posts tr[data-channel="x"]')
    await expect(x_row).to_contain_text("प्रतीक्षा")

    post_id = await _post_id(console, story_id, "x")
    await _sql(
        console,
        "UPDATE story_posts SET state = 'posted', provider_post_id = $2, public_url = $3, "
        "thread_post_ids = $4, account_id = 'x-state' WHERE post_id = $1::uuid",
        post_id, X_IDS[0], f"https://x.com/PoliceRajasthan/status/{X_IDS[0]}", X_IDS,
    )  # fmt: skip
    links = x_row.locator("a.public-url")
    await expect(links).to_have_count(2)  # the page re-reads the posts while it waits
    await expect(links.nth(1)).to_have_text("भाग 2/2")
    await expect(links.nth(1)).to_have_attribute(
        "href", f"https://x.com/PoliceRajasthan/status/{X_IDS[1]}"
    )

    # From the keyboard: no reason is refused in Hindi; with one, Enter sends it.
    reason = x_row.locator("input.withdraw-reason")
    await reason.focus()
    await approver.keyboard.press("Enter")
    await expect(approver.locator("#problem")).to_contain_text("कारण लिखें")
    await approver.keyboard.type("ठगों की तस्वीर बिना धुंधला किए लगी")
    await approver.keyboard.press("Enter")
    await expect(x_row.locator(".withdrawal-state")).to_have_text("हटाया जा रहा है…")
    await expect(approver.locator("#posts-done")).to_have_text("पोस्ट हटाने का अनुरोध भेजा गया")
    await expect(x_row.locator("form.withdraw-form")).to_have_count(0)
    await _sql(
        console,
        "UPDATE story_posts SET w_state = 'withdrawn', w_method = 'api', w_done_at = now() "
        "WHERE post_id = $1::uuid",
        post_id,
    )
    await expect(x_row.locator(".withdrawal-state")).to_have_text("हटाई गई")
    await expect(x_row).to_contain_text("नेटवर्क के एपीआई से")
    await expect(approver.locator("#history tr[data-action=withdraw_post]")).to_have_count(0)
    await approver.reload()
    steps = approver.locator("#history tr[data-action=withdraw_post]")
    await expect(steps).to_contain_text("ठगों की तस्वीर बिना धुंधला किए लगी")
    await shot(approver, "08-x-thread-withdrawn-hi")


async def test_instagram_by_hand_a_failure_in_words_and_the_stopped_account_banner(
    console: Console,
) -> None:
    story_id = await _at_phq(console, "नशा तस्कर गिरफ़्तार")
    for channel in ("instagram", "facebook"):
        await _call(console, WRITER, f"/stories/{story_id}/versions/{channel}",
                    {"text": "जयपुर पुलिस ने नशा तस्कर पकड़ा #राजस्थान_पुलिस"})  # fmt: skip
    body = {"scope": "phq_admin", "public_channels": ["instagram", "facebook"]}
    await _call(console, APPROVER, f"/stories/{story_id}/approval", body)
    ig, fb = [await _post_id(console, story_id, c) for c in ("instagram", "facebook")]
    await _sql(
        console,
        "UPDATE story_posts SET state = 'posted', provider_post_id = '17900000000000001', "
        "public_url = 'https://www.instagram.com/p/C0ffee123/' WHERE post_id = $1::uuid",
        ig,
    )
    await _sql(
        console,
        "UPDATE story_posts SET state = 'failed', provider_code = '368', retryable = false, "
        "reason = 'फ़ेसबुक ने पेज को नीति उल्लंघन के संदेह में अस्थायी रूप से रोका है' "
        "WHERE post_id = $1::uuid",
        fb,
    )
    account = f"fb-state-{uuid.uuid4().hex[:6]}"
    since = datetime.now(UTC)
    await _sql(
        console,
        "INSERT INTO publish_accounts (account_id, channel, name, state, reason, provider_code, "
        "since) VALUES ($1, 'facebook', 'राजस्थान पुलिस फ़ेसबुक पेज', 'stopped', "
        "'फ़ेसबुक ने पेज को अस्थायी रूप से रोका है', '368', $2)",
        account, since,
    )  # fmt: skip

    approver = await _open(console, APPROVER, story_id)
    banner = approver.locator("#accounts-banner")
    await expect(banner).to_be_visible()
    await expect(banner.locator("h2")).to_have_text(
        "आधिकारिक खाता रुका हुआ है — इस पर कुछ भी प्रकाशित नहीं होगा"
    )
    stopped = banner.locator(f'li[data-account="{account}"]')
    await expect(stopped).to_contain_text("फ़ेसबुक — राजस्थान पुलिस फ़ेसबुक पेज")
    await expect(stopped).to_contain_text("(नेटवर्क कोड: 368)")
    await expect(stopped.locator(".since")).to_contain_text("कब से:")
    await banner.focus()  # reachable from the keyboard, announced as an alert
    await expect(banner).to_be_focused()
    await expect(banner).to_have_attribute("role", "alert")
    fb_row = approver.locator('#posts tr[data-channel="facebook"]')
    await expect(fb_row).to_contain_text("विफल")
    await expect(fb_row.locator(".failure")).to_have_text(
        "फ़ेसबुक ने पेज को नीति उल्लंघन के संदेह में अस्थायी रूप से रोका है (नेटवर्क कोड: 368)"
    )
    await expect(fb_row.locator("form.withdraw-form")).to_have_count(0)  # nothing to take down

    ig_row = approver.locator('#posts tr[data-channel="instagram"]')
    await ig_row.locator("input.withdraw-reason").fill("पीड़ित की पहचान उजागर होने की आशंका")
    await ig_row.locator("button.withdraw-button").click()
    await expect(ig_row.locator(".withdrawal-state")).to_have_text("हटाया जा रहा है…")
    await _sql(
        console,
        "UPDATE story_posts SET w_state = 'task_open', w_task_id = $2::uuid, w_task_at = now() "
        "WHERE post_id = $1::uuid",
        ig, str(uuid.uuid4()),
    )  # fmt: skip
    await expect(ig_row.locator(".task")).to_contain_text("इंस्टाग्राम ऐप में यह पोस्ट खोलकर हटाएं")
    confirm = ig_row.locator("button.confirm-deleted")
    await confirm.focus()
    await approver.keyboard.press("Enter")
    await expect(ig_row.locator(".withdrawal-state")).to_have_text(
        "ऐप में हटाने की पुष्टि हुई, प्रकाशक की प्रतीक्षा"
    )
    await shot(approver, "09-instagram-task-banner-hi")

    # The writer reads it all but takes nothing down; the queue page has the banner too.
    writer = await _open(console, WRITER, story_id)
    await expect(writer.locator("#accounts-banner")).to_be_visible()
    await expect(
        writer.locator('#posts tr[data-channel="instagram"] .withdrawal-state')
    ).to_be_visible()
    await expect(writer.locator("form.withdraw-form")).to_have_count(0)
    await expect(writer.locator("button.confirm-deleted")).to_have_count(0)
    await writer.goto(f"{console.url}/console?lang=en")
    await expect(writer.locator("#accounts-banner h2")).to_have_text(
        "An official account is stopped — nothing is posted on it"
    )
    await expect(writer.locator(f'#stopped-accounts li[data-account="{account}"]')).to_contain_text(
        "(network code: 368)"
    )
    # A CO's queue shows no banner: the accounts are the cell's.
    _, co = await console.as_member(CO)
    await expect(co.locator("#queue, #empty").first).to_be_visible()
    await expect(co.locator("#accounts-banner")).to_be_hidden()
    await _sql(
        console, "UPDATE publish_accounts SET state = 'active' WHERE account_id = $1", account
    )
