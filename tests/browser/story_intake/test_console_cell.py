"""The moderation console's PHQ cell and approver (issue 13), in headless Chromium on the
module's one service and browser (`test_console.console`): the writer's versions with the gate's
findings redacted from the page, the approver's acknowledgement in Hindi, and the gate's findings
with their reasons as a reviewer reads them."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.story_intake.test_console import (  # the module's service and browser
    APPROVER,
    CO,
    CONSTABLE,
    REACH,
    SP,
    WRITER,
    Console,
    console,  # noqa: F401
    no_script_errors,  # noqa: F401  (autouse: no script error on any page of these tests)
    shot,
    story,
)
from tests.browser.story_intake.test_console import (  # autouse: no raw code on any page left open
    no_raw_codes as no_raw_codes,  # noqa: PLC0414
)

SURVIVOR = (
    "दुष्कर्म पीड़िता के पिता रमेश कुमार ने गांव रामपुरा में रिपोर्ट दी। पुलिस ने आरोपी को 24 घंटे में "
    "गिरफ्तार किया और वारदात में प्रयुक्त गाड़ी RJ-07-CA-1234 ज़ब्त की।"
)


async def test_the_cell_writes_redacts_and_the_approver_approves(console: Console) -> None:  # noqa: F811
    title = "तिजारा पुलिस ने 24 घंटे में आरोपी को पकड़ा"
    story_id = await console.new_story(CONSTABLE, story(title, SURVIVOR))
    await console.decide(CO, story_id, "forward")
    await console.decide(SP, story_id, "forward")

    # The writer: X from the field text, with the counter live as they type.
    _, writer = await console.as_member(WRITER)
    await writer.goto(f"{console.url}/console/stories/{story_id}?lang=hi")
    await expect(writer.locator("#cell-card")).to_be_visible()
    await expect(writer.locator("#approval-card")).to_be_hidden()  # the writer does not approve
    await expect(writer.locator("#version-text")).to_have_value(re.compile("^तिजारा पुलिस"))
    await expect(writer.locator("#counter")).to_have_text(re.compile(r"^\d+ / 280$"))
    await writer.fill("#version-text", "नारा " * 80)
    await expect(writer.locator("#counter")).to_have_class("over")
    await writer.fill("#version-text", "तिजारा पुलिस ने 24 घंटे में आरोपी को पकड़ा। #RajasthanPolice")
    await expect(writer.locator("#counter")).not_to_have_class("over")
    await expect(writer.locator("#preview")).to_contain_text("#RajasthanPolice")
    await writer.click("#save-version")
    await expect(writer.locator("#done")).to_have_text("संस्करण सहेजा गया")
    await expect(writer.locator('#versions tr[data-n="1"]')).to_be_visible()

    # The circulation text starts from the field text; the gate blocks the survivor's father and
    # village; two clicks redact them, each a new version, gated again.
    await writer.select_option("#channel", "circulation")
    await expect(writer.locator("#circ-body-hi")).to_have_value(SURVIVOR)
    await expect(writer.locator("#live-findings li[data-rule=victim_relative]")).to_be_visible()
    await writer.click("#save-version")
    await expect(writer.locator('#versions tr[data-n="1"] .verdict')).to_have_text("रोक")
    for n in (2, 3):
        await writer.locator("#version-findings button.redact").first.click()
        await expect(writer.locator(f'#versions tr[data-n="{n}"]')).to_be_visible()
    await expect(writer.locator('#versions tr[data-n="3"] .verdict')).to_have_text("जाँच आवश्यक")
    await expect(writer.locator("#version-findings button.redact")).to_have_count(0)
    await writer.check('#versions tr[data-n="1"] input[name=diff-from]')
    await writer.check('#versions tr[data-n="3"] input[name=diff-to]')
    await writer.click("#diff-button")
    await expect(writer.locator("#diff del").first).to_have_text("पिता")
    await expect(writer.locator("#diff del").nth(1)).to_have_text("रमेश कुमार")
    await expect(writer.locator("#diff [data-part=body_hi] ins").first).to_have_text("[हटाया")
    await expect(writer.locator("#diff [data-part=title_hi] h4")).to_contain_text("कोई बदलाव नहीं")
    await shot(writer, "04-cell-editor-hi")

    # The approver: refused while the review finding (the vehicle) is not acknowledged — in
    # Hindi; acknowledged with a reason, the story is approved for the district and X.
    _, approver = await console.as_member(APPROVER)
    await approver.goto(f"{console.url}/console/stories/{story_id}?lang=hi")
    await approver.select_option("#channel", "circulation")
    await approver.select_option("#scope", "district")
    await approver.check("#approval input[value=x]")
    await approver.click("#approve-story")
    await expect(approver.locator("#problem")).to_contain_text("आपकी स्वीकृति-टिप्पणी चाहिए")
    review = approver.locator("#version-findings tr[data-rule=vehicle_registration]")
    await review.locator(".ack-reason").fill("गाड़ी ज़ब्ती की है, पीड़िता से संबंध नहीं")
    await review.locator(".ack-button").click()
    await expect(review).to_contain_text("गाड़ी ज़ब्ती की है, पीड़िता से संबंध नहीं")
    await approver.click("#approve-story")
    await expect(approver.locator("#state")).to_have_text("स्वीकृत")
    await expect(approver.locator("#approved-as")).to_contain_text("ज़िले के सभी वृत्त समूह")
    await expect(approver.locator('#posts tr[data-channel="x"]')).to_contain_text("प्रतीक्षा")
    reach = approver.locator("#reach-link")
    await expect(reach).to_have_attribute("href", f"{REACH}/console/stories/{story_id}?lang=hi")
    await shot(approver, "05-approved-hi")

    # The language switch keeps the page and changes its words, never the story's text.
    await approver.click("#lang-en")
    await expect(approver.locator("html")).to_have_attribute("lang", "en")
    await expect(approver.locator("#state")).to_have_text("approved")
    await expect(approver.locator("#title-hi")).to_have_text(title)


async def test_gate_findings_show_with_their_reasons(console: Console) -> None:  # noqa: F811
    text = (
        "दुष्कर्म पीड़िता के पिता रमेश कुमार ने गांव रामपुरा में रिपोर्ट दी। आरोपी को गिरफ्तार "
        "किया गया। शिकायतकर्ता का मोबाइल 9829012345 है।"
    )
    story_id = await console.new_story(CONSTABLE, story("तिजारा में आरोपी गिरफ्तार", text))
    _, co = await console.as_member(CO)
    await co.goto(f"{console.url}/console/stories/{story_id}?lang=hi")
    await expect(co.locator("#verdict .verdict")).to_have_text("रोक")
    phone = co.locator("#findings tr[data-rule=phone]")
    await expect(phone).to_contain_text("9829012345")
    await expect(phone).to_contain_text("फ़ोन नंबर")
    relative = co.locator("#findings tr[data-rule=victim_relative]")
    await expect(relative).to_contain_text("पिता रमेश कुमार")
    await expect(relative.locator(".verdict")).to_have_text("रोक")
    await expect(co.locator("#findings tr[data-rule=victim_address]")).to_contain_text("रामपुरा")
    await expect(co.locator("#marks [data-mark=sexual_offence]")).to_have_text("यौन अपराध")
    await shot(co, "06-gate-findings-hi")
