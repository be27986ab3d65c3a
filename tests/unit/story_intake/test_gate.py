from __future__ import annotations

from story_intake.adapters.gate_data import gate
from story_intake.domain.redact import MARK_EN, MARK_HI, marker_for, redact
from story_intake.domain.rules import RULES, Verdict


def rules(text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.text) for f in gate().check(text).findings]


def test_a_victim_named_with_her_father_and_village_is_blocked_with_spans_on_the_text() -> None:
    text = "पीड़िता सुनीता पुत्री मोहनलाल निवासी ग्राम खेड़ा के साथ दुष्कर्म हुआ।"
    result = gate().check(text)
    assert result.verdict is Verdict.BLOCK
    assert result.sexual_offence and not result.child_involved
    assert [(f.rule, f.text) for f in result.findings] == [
        ("victim_name", "सुनीता"),
        ("victim_relative", "पुत्री मोहनलाल"),
        ("victim_address", "निवासी ग्राम खेड़ा"),
    ]
    for finding in result.findings:
        assert text[finding.start : finding.end] == finding.text
        why = finding.as_dict()["why"]
        assert why == {"en": RULES[finding.rule].en, "hi": RULES[finding.rule].hi}


def test_who_a_name_belongs_to_decides_the_verdict() -> None:
    # An adult accused: a person judges. An officer: nothing. A minor accused: the JJ Act.
    assert rules("चोरी के आरोपी सुरेश को गिरफ्तार किया।") == [("accused_named", "सुरेश")]
    assert rules("थानाधिकारी राजेश कुमार के नेतृत्व में आरोपी गिरफ्तार।") == []
    assert rules("नाबालिग आरोपी सोनू को बाल सुधार गृह भेजा गया।") == [("victim_name", "सोनू")]
    # The accused of a rape named: review; the victim unnamed: nothing more.
    assert rules("नाबालिग से दुष्कर्म के आरोपी सुरेश को गिरफ्तार किया।") == [("accused_named", "सुरेश")]


def test_romanised_and_english_texts() -> None:
    assert rules("peedita pooja ke saath balatkar karne wala aaropi giraftar") == [
        ("victim_name", "pooja")
    ]
    assert gate().check("Missing child Rohit was found and handed to his parents.").child_involved
    assert rules("Missing child Rohit was found and handed to his parents.") == [
        ("victim_name", "Rohit")
    ]


def test_hard_negatives_pass() -> None:
    for text in (
        "दुष्कर्म के आरोपी को गिरफ्तार किया, पीड़िता को सहायता दी गई।",
        "महिला हेल्पलाइन 1090, चाइल्डलाइन 1098 और साइबर हेल्पलाइन 1930 पर कॉल करें।",
        "थाना कोतवाली का नंबर 0141-2741234 है।",
        "राजकीय बालिका उच्च माध्यमिक विद्यालय खेड़ा में यातायात जागरूकता कार्यक्रम हुआ।",
        "FIR 123412341234 दर्ज।",
    ):
        assert gate().check(text).verdict is Verdict.PASS, text


def test_the_boards_permission_turns_a_child_block_into_a_review() -> None:
    text = "बाल कल्याण समिति की लिखित अनुमति से: लापता बालक आकाश अपने परिवार से मिला।"
    assert rules(text) == [("child_permitted", "आकाश")]


def test_a_sexual_offence_or_a_child_with_photos_is_flagged() -> None:
    assert rules("पॉक्सो मामले में गिरफ्तार आरोपी की फोटो संलग्न है।") == [("persons_photo", "फोटो")]
    assert rules("यातायात अभियान की फोटो संलग्न है।") == []


def test_redaction_replaces_spans_in_the_texts_language_and_the_result_passes() -> None:
    text = "पीड़िता सुनीता पुत्री मोहनलाल के साथ दुष्कर्म का आरोपी गिरफ्तार, मो. 9829012345"
    blocks = [f for f in gate().check(text).findings if f.verdict is Verdict.BLOCK]
    redacted = redact(text, blocks)
    assert redacted == (f"पीड़िता {MARK_HI} {MARK_HI} के साथ दुष्कर्म का आरोपी गिरफ्तार, मो. {MARK_HI}")
    assert gate().check(redacted).verdict is Verdict.PASS
    assert marker_for("Victim Neha was raped") == MARK_EN
    assert redact("abc", [], "[x]") == "abc"


def test_an_age_under_eighteen_makes_a_child_but_a_sentence_does_not() -> None:
    assert rules("The 15-year-old survivor, Shalini, was produced before the CWC.") == [
        ("victim_name", "Shalini")
    ]
    assert gate().check("12 साल की बच्ची को परिजनों से मिलाया।").child_involved
    assert not gate().check("आरोपी को 10 वर्ष कारावास की सजा हुई।").child_involved
    assert not gate().check("Senior citizen Kamla Devi (82) was helped home.").child_involved


def test_in_a_bulletin_each_story_is_judged_on_its_own() -> None:
    filler = " पुलिस ने यातायात जागरूकता अभियान चलाया।" * 12
    text = (
        "पीड़िता सुनीता से दुष्कर्म का आरोपी गिरफ्तार।"
        + filler
        + " साइबर ठगी की शिकार पीड़ित कमला देवी को 50 हजार रुपये लौटाए। सुनीता को सम्मान मिला।"
    )
    # The fraud victim far from the rape case stays nameable; the rape victim's name is found
    # wherever it stands.
    assert rules(text) == [("victim_name", "सुनीता"), ("victim_name", "सुनीता")]
