"""The gate's rules: what each finds, how grave it is, and why, in Hindi and English."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    PASS = "pass"  # noqa: S105 - a verdict, not a password


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    verdict: Verdict
    en: str
    hi: str


_B, _R = Verdict.BLOCK, Verdict.REVIEW

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("aadhaar", _B,
             "An Aadhaar number (its check digit is valid): Aadhaar Act s.29 forbids publishing "
             "it.",
             "आधार संख्या (जांच अंक सही है): आधार अधिनियम धारा 29 इसे प्रकाशित करने से रोकती है।"),
        Rule("phone", _B,
             "A private person's phone number: not to be published (DPDP Act 2023).",
             "किसी निजी व्यक्ति का फ़ोन नंबर: प्रकाशित नहीं किया जा सकता (डीपीडीपी अधिनियम 2023)।"),
        Rule("email", _B,
             "A private person's e-mail address: not to be published (DPDP Act 2023).",
             "किसी निजी व्यक्ति का ई-मेल पता: प्रकाशित नहीं किया जा सकता (डीपीडीपी अधिनियम 2023)।"),
        Rule("victim_name", _B,
             "The name of a victim of a sexual offence, or of a child, may make her or him known "
             "(BNS s.72; JJ Act s.74; POCSO s.23).",
             "यौन अपराध की पीड़िता या बालक/बालिका का नाम उसकी पहचान उजागर कर सकता है "
             "(बीएनएस धारा 72; किशोर न्याय अधिनियम धारा 74; पॉक्सो धारा 23)।"),
        Rule("victim_relative", _B,
             "A relative's name identifies the victim or the child as surely as her own "
             "(Nipun Saxena v. Union of India, 2018).",
             "परिजन का नाम भी पीड़िता या बालक/बालिका की पहचान उजागर करता है "
             "(निपुण सक्सेना बनाम भारत संघ, 2018)।"),
        Rule("victim_address", _B,
             "The village, ward or address of a victim or a child may make her or him known "
             "(BNS s.72; JJ Act s.74; POCSO s.23).",
             "पीड़िता या बालक/बालिका का गांव, वार्ड या पता उसकी पहचान उजागर कर सकता है "
             "(बीएनएस धारा 72; किशोर न्याय अधिनियम धारा 74; पॉक्सो धारा 23)।"),
        Rule("victim_institution", _B,
             "The school, college or workplace of a victim or a child may make her or him known "
             "(Nipun Saxena v. Union of India, 2018; POCSO s.23).",
             "पीड़िता या बालक/बालिका का स्कूल, कॉलेज या कार्यस्थल उसकी पहचान उजागर कर सकता है "
             "(निपुण सक्सेना बनाम भारत संघ, 2018; पॉक्सो धारा 23)।"),
        Rule("child_permitted", _R,
             "A child is identified, and the text says the Board's or Committee's written "
             "permission exists: check that it is recorded on the story (JJ Act s.74).",
             "बालक/बालिका की पहचान है और पाठ में बोर्ड या समिति की लिखित अनुमति का उल्लेख है: "
             "जांचें कि अनुमति कहानी पर दर्ज है (किशोर न्याय अधिनियम धारा 74)।"),
        Rule("accused_named", _R,
             "A named accused before conviction: check that naming is necessary (the Supreme "
             "Court's direction on police media briefings discourages parading accused persons).",
             "दोषसिद्धि से पहले आरोपी का नाम: जांचें कि नाम देना आवश्यक है (पुलिस मीडिया "
             "ब्रीफिंग पर सर्वोच्च न्यायालय का निर्देश आरोपियों की परेड को हतोत्साहित करता है)।"),
        Rule("vehicle_registration", _R,
             "A vehicle registration number: check whether it may be shown.",
             "वाहन का पंजीकरण नंबर: जांचें कि इसे दिखाया जा सकता है या नहीं।"),
        Rule("persons_photo", _R,
             "A sexual offence or a child together with photos of persons: check that no person "
             "can be identified in them.",
             "यौन अपराध या बालक/बालिका के साथ व्यक्तियों के फ़ोटो: जांचें कि उनमें किसी की "
             "पहचान न हो सके।"),
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    start: int
    end: int  # exclusive, in the original text
    text: str

    @property
    def verdict(self) -> Verdict:
        return RULES[self.rule].verdict

    def as_dict(self) -> dict[str, object]:
        rule = RULES[self.rule]
        return {
            "rule": self.rule,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "why": {"en": rule.en, "hi": rule.hi},
        }


@dataclass(frozen=True, slots=True)
class GateResult:
    verdict: Verdict
    findings: tuple[Finding, ...]
    sexual_offence: bool
    child_involved: bool


def verdict_of(findings: tuple[Finding, ...]) -> Verdict:
    verdicts = {f.verdict for f in findings}
    if Verdict.BLOCK in verdicts:
        return Verdict.BLOCK
    return Verdict.REVIEW if Verdict.REVIEW in verdicts else Verdict.PASS
