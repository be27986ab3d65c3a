"""The moderation console's controls over marks, creatives and the approver's confirmation that
no person can be identified on a photo (issue 13, items 4, 5, 8), in headless Chromium on the
module's one service and browser (`test_console.console`): each control used from the page, its
refusal shown in Hindi, and the outcome read back from the page."""

from __future__ import annotations

from playwright.async_api import FilePayload, expect

from tests.browser.story_intake.test_console import (  # the module's service and browser
    APPROVER,
    CO,
    CONSTABLE,
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
from tests.unit.story_intake.images import plain


async def _at_phq(console: Console, title: str, text: str, photo: bool = False) -> str:  # noqa: F811
    make = console.with_photo if photo else console.new_story
    story_id = await make(CONSTABLE, story(title, text))
    await console.decide(CO, story_id, "forward")
    await console.decide(SP, story_id, "forward")
    return story_id


async def test_a_reviewer_sets_a_mark_and_the_approver_clears_it_with_a_reason(
    console: Console,  # noqa: F811
) -> None:
    story_id = await _at_phq(
        console,
        "तिजारा में अवैध शराब की 40 पेटियाँ ज़ब्त",
        "तिजारा पुलिस ने नाकाबंदी के दौरान एक ट्रक से अवैध शराब की 40 पेटियाँ ज़ब्त कीं।",
    )
    _, writer = await console.as_member(WRITER)
    await writer.goto(f"{console.url}/console/stories/{story_id}?lang=hi")
    child = writer.locator('#mark-controls tr[data-mark="child_involved"]')
    await expect(child.locator(".mark-state")).to_have_text("नहीं लगा")
    await child.locator(".mark-set").click()
    await expect(writer.locator("#done")).to_have_text("चिह्न लगाया गया")
    await expect(child).to_have_attribute("data-on", "true")
    await expect(writer.locator("#marks [data-mark=child_involved]")).to_have_text("बालक/बालिका")
    await expect(child.locator(".mark-clear")).to_be_hidden()  # a writer does not clear
    await expect(writer.locator("#history tr[data-action=mark_set]")).to_contain_text("आप")

    _, approver = await console.as_member(APPROVER)
    await approver.goto(f"{console.url}/console/stories/{story_id}?lang=hi")
    child = approver.locator('#mark-controls tr[data-mark="child_involved"]')
    await child.locator(".mark-clear-button").click()  # without a reason: refused, in Hindi
    await expect(approver.locator("#problem")).to_contain_text("कारण लिखें")
    await expect(child).to_have_attribute("data-on", "true")
    reason = "स्टोरी में कोई बालक/बालिका नहीं है, चिह्न भूल से लगा"
    await child.locator(".mark-reason").fill(reason)
    await child.locator(".mark-clear-button").click()
    await expect(approver.locator("#done")).to_have_text("चिह्न हटाया गया")
    await expect(child).to_have_attribute("data-on", "false")
    await expect(approver.locator("#marks [data-mark=child_involved]")).to_have_count(0)
    cleared = approver.locator("#history tr[data-action=mark_cleared]")
    await expect(cleared).to_contain_text(f"बालक/बालिका: {reason}")
    await shot(approver, "07-mark-cleared-hi")


async def test_the_approver_confirms_no_person_can_be_identified_on_a_marked_storys_photo(
    console: Console,  # noqa: F811
) -> None:
    story_id = await _at_phq(
        console,
        "दुष्कर्म के आरोपी को 24 घंटे में गिरफ्तार किया",
        "तिजारा पुलिस ने दुष्कर्म के आरोपी को 24 घंटे में गिरफ्तार किया; घटनास्थल की फ़ोटो संलग्न।",
        photo=True,
    )
    _, writer = await console.as_member(WRITER)
    await writer.goto(f"{console.url}/console/stories/{story_id}?lang=hi")
    await expect(writer.locator("#marks [data-mark=sexual_offence]")).to_be_visible()
    pending = writer.locator("#photos li .unidentifiable")
    await expect(pending).to_have_attribute("data-confirmed", "false")
    await expect(pending).to_contain_text("स्वीकृतकर्ता की पुष्टि बाकी")  # the writer may not confirm
    await expect(writer.locator("#photos .unidentifiable-button")).to_have_count(0)

    _, approver = await console.as_member(APPROVER)
    await approver.goto(f"{console.url}/console/stories/{story_id}?lang=hi")
    photo = approver.locator("#photos li").first
    await photo.locator(".unidentifiable-button").click()  # without a reason: refused
    await expect(approver.locator("#problem")).to_contain_text("अमान्य अनुरोध")
    await expect(photo.locator(".unidentifiable")).to_have_attribute("data-confirmed", "false")
    reason = "फ़ोटो में केवल थाना भवन और ज़ब्त वाहन हैं, कोई चेहरा नहीं"
    await photo.locator(".unidentifiable-reason").fill(reason)
    await photo.locator(".unidentifiable-button").click()
    await expect(approver.locator("#done")).to_have_text("पुष्टि दर्ज हुई")
    confirmed = approver.locator("#photos li .unidentifiable")
    await expect(confirmed).to_have_attribute("data-confirmed", "true")
    await expect(confirmed).to_contain_text("पुष्टि: आप (पुलिस अधीक्षक (अपराध), मुख्यालय)")
    await expect(confirmed).to_contain_text(reason)
    await shot(approver, "08-unidentifiable-hi")

    # The writer, reloading, sees who confirmed, by name.
    await writer.reload()
    await expect(writer.locator("#photos li .unidentifiable")).to_contain_text("राजेंद्र पाल")


async def test_the_cell_uploads_a_creative_per_channel_and_sees_the_refusal_in_hindi(
    console: Console,  # noqa: F811
) -> None:
    story_id = await _at_phq(
        console,
        "तिजारा पुलिस ने 15 चोरी के मोबाइल लौटाए",
        "तिजारा थाना पुलिस ने साइबर सेल की मदद से 15 चोरी हुए मोबाइल फ़ोन उनके मालिकों को लौटाए।",
    )
    _, writer = await console.as_member(WRITER)
    await writer.goto(f"{console.url}/console/stories/{story_id}?lang=hi")
    await expect(writer.locator("#no-creative")).to_be_visible()
    # Four times as wide as high: X shows 1:3 to 3:1 uncropped, so it is refused, saying why.
    banner = FilePayload(name="banner.png", mimeType="image/png", buffer=plain(2000, 500))
    await writer.set_input_files("#creative-file", files=[banner])
    await writer.click("#upload-creative")
    problem = writer.locator("#problem")
    await expect(problem).to_have_attribute("data-code", "creative.aspect")
    await expect(problem).to_contain_text("नेटवर्क के लिए गलत आकृति")
    await expect(problem).to_contain_text("क्रिएटिव 4.00:1")
    await expect(writer.locator("#creative li")).to_have_count(0)

    await writer.click("#save-version")  # version 1, before any creative
    await expect(writer.locator('#versions tr[data-n="1"]')).to_be_visible()

    card = FilePayload(name="card.png", mimeType="image/png", buffer=plain(1200, 675))
    await writer.set_input_files("#creative-file", files=[card])
    await writer.click("#upload-creative")
    await expect(writer.locator("#done")).to_have_text("क्रिएटिव सहेजा गया")
    await expect(problem).to_be_hidden()
    x = writer.locator('#creative li[data-channel="x"]')
    await expect(x).to_contain_text("1200 × 675 — आप (कंटेंट राइटर)")
    thumb = x.locator("img")
    await expect(thumb).to_have_js_property("complete", True)
    width, height = await thumb.evaluate("(img) => [img.naturalWidth, img.naturalHeight]")
    assert width > height > 0, (width, height)
    await shot(writer, "09-creative-hi")

    # Version 2 is written with the creative live: the diff names the image that came in.
    await writer.fill("#version-text", "तिजारा पुलिस ने 15 चोरी के मोबाइल लौटाए। #RajasthanPolice")
    await writer.click("#save-version")
    await expect(writer.locator('#versions tr[data-n="2"]')).to_be_visible()
    await writer.click("#diff-button")
    added = writer.locator("#diff [data-part=images] li[data-change=added]")
    await expect(added).to_contain_text("जोड़ा गया:")
    await expect(added.locator("img")).to_have_js_property("complete", True)

    # Each channel has its own: Instagram has none yet, and X's is there again on return.
    await writer.select_option("#channel", "instagram")
    await expect(writer.locator("#no-creative")).to_be_visible()
    await expect(writer.locator("#creative li")).to_have_count(0)
    await writer.select_option("#channel", "circulation")
    await expect(writer.locator("#creative-box")).to_be_hidden()
    await writer.select_option("#channel", "x")
    await expect(x).to_be_visible()
