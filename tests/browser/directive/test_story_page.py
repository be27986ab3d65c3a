"""The story circulation page of the directive console in headless Chromium, on the real service:
a district circulation is requested (as the story consumer does), the ADG Crime (who moderates
stories state-wide) watches its reach by district and circle in Hindi, receipts arriving on Kafka
move the counts; the SP of another district is refused, in Hindi, on the page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from directive.handlers.stories import circulate, circulation_message_id
from nazar_contracts.base import BilingualText
from nazar_contracts.dispatch import Channel, DispatchSent
from nazar_contracts.stories import CirculationScope, StoryCirculationRequested, StoryKind
from playwright.async_api import expect
from pydantic import BaseModel

from tests.browser.directive.test_console import (  # the module's service and browser
    WAIT,
    Console,
    console,  # noqa: F401
    shot,
)
from tests.browser.directive.test_console import (  # autouse: no raw code on any page left open
    no_raw_codes as no_raw_codes,  # noqa: PLC0414
)
from tests.integration.directive.support import produce, requested
from tests.integration.platform.support import wait_for


async def test_a_story_circulations_reach_page(console: Console) -> None:  # noqa: F811
    api, r = console.api, console.api.roster
    story = f"sty-{uuid.uuid4().hex[:10]}"
    event = StoryCirculationRequested(
        story_id=story,
        kind=StoryKind.RECOVERY,
        scope=CirculationScope.DISTRICT,
        district_id="DST-BIKANER",
        range_id="RNG-BIKANER",
        title=BilingualText(hi="चोरी की चौदह मोटरसाइकिलें बरामद", en="Fourteen stolen motorcycles"),
        body=BilingualText(hi="थाना टीम ने दो दिन में चोरी की चौदह मोटरसाइकिलें बरामद कीं।"),
        approved_by=r.one("adg", "BR-CRIME"),
        at=datetime.now(UTC),
    )
    async with api.pool.acquire() as conn, conn.transaction():
        recipients = await circulate(conn, event, datetime.now(UTC))
    assert recipients > 0
    message_id = str(circulation_message_id(story))

    async def out() -> bool:
        sent = await requested(api.bootstrap, api.topics.deliveries)
        return len([s for s in sent if s.data.message_id == message_id]) > 0

    await wait_for(out, within=60)

    _, adg = await console.as_member(r.one("adg", "BR-CRIME"))
    await adg.goto(f"{console.url}/console/stories/{story}?lang=hi")
    await expect(adg.locator("#story-id")).to_have_text(story)
    await expect(adg.locator("#scope")).to_contain_text("जिले के सभी वृत्त समूह")
    bikaner = '#reach tr[data-unit="DST-BIKANER"] td[data-col="targeted"]'
    await expect(adg.locator(bikaner)).to_have_text(re.compile(r"^[1-9]"), timeout=WAIT)
    await expect(adg.locator("#meta")).to_contain_text("सभी को भेजी गई", timeout=WAIT)

    sent = [
        s
        for s in await requested(api.bootstrap, api.topics.deliveries)
        if s.data.message_id == message_id
    ]
    items: list[tuple[str, BaseModel]] = [
        (
            api.topics.receipts,
            DispatchSent(
                delivery_id=s.data.delivery_id,
                message_id=message_id,
                member_id=s.data.member_id,
                at=datetime.now(UTC),
                channel=Channel.WHATSAPP,
                provider_message_id=f"wa-{s.data.delivery_id[:12]}",
            ),
        )
        for s in sent
    ]
    await produce(api.bootstrap, items, source="/nazar/social-publisher")
    total_sent = '#reach tr[data-unit="total"] td[data-col="sent"]'
    await expect(adg.locator(total_sent)).to_have_text(str(len(sent)), timeout=WAIT)
    await shot(adg, "story-reach-hi")

    _, churu = await console.as_member(r.one("sp", "DST-CHURU"))
    await churu.goto(f"{console.url}/console/stories/{story}?lang=hi")
    await expect(churu.locator("#problem")).to_be_visible(timeout=WAIT)
    await expect(churu.locator("#problem")).to_contain_text(re.compile("[\u0900-\u097f]"))
    await expect(churu.locator("#story")).to_be_hidden()
