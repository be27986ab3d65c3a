"""Romanised spellings of Devanagari names, as people type them on a phone.

The name lists are kept once, in Devanagari; `indic-transliteration` gives the ITRANS spelling
(सुनीता → sunItA, राजेश → rAjesha), which is folded into the casual one (sunita, rajesh) and its
usual variants (sunita / suneeta, puja / pooja).
"""

from __future__ import annotations

from indic_transliteration import sanscript

# ITRANS spellings → casual ones, longest first.
_CASUAL = (
    ("RRi", "ri"), ("RRI", "ri"), ("Ri", "ri"), ("kSh", "ksh"), ("x", "ksh"), ("Sh", "sh"),
    ("sh", "sh"), ("~N", "n"), ("~n", "n"), ("N", "n"), ("M", "n"), (".n", "n"), ("T", "t"),
    ("D", "d"), ("A", "a"), ("I", "i"), ("U", "u"), ("ai", "ai"), ("au", "au"), ("z", "z"),
    (".", ""), ("^", ""),
)  # fmt: skip
_CONSONANT_END = "bcdfghjklmnpqrstvwxyz"
_ITRANS_VOWELS = frozenset("aAiIuUeoRLM^.~")


def _is_consonant(char: str) -> bool:
    return char.isalpha() and char not in _ITRANS_VOWELS


_DIGRAPHS = frozenset(
    {"kh", "gh", "ch", "Ch", "jh", "Th", "Dh", "th", "dh", "ph", "bh", "sh", "Sh"}
)


def _cluster_before(itrans: str, k: int) -> bool:
    """Whether the consonant before position k follows another consonant (a conjunct)."""
    before = k - 3 if itrans[max(k - 2, 0) : k] in _DIGRAPHS else k - 2
    return before >= 0 and _is_consonant(itrans[before])


def _drop_medial_schwa(itrans: str) -> set[str]:
    """रामलाल is said (and typed) "ramlal", not "ramalal": the inherent vowel between a syllable
    and a consonant followed by a vowel is not spoken. One spelling per such vowel dropped (which
    one is dropped depends on the word; a spelling nobody writes costs nothing)."""
    out = set()
    size = len(itrans)
    for k, char in enumerate(itrans):
        if (
            char == "a"
            and 1 < k < size - 2
            and _is_consonant(itrans[k - 1])
            and itrans[k + 1] not in "iu"
            and _is_consonant(itrans[k + 1])
            and not _cluster_before(itrans, k)
            and any(c in _ITRANS_VOWELS for c in itrans[: k - 1])
            and any(c in _ITRANS_VOWELS for c in itrans[k + 2 :])
        ):
            out.add(itrans[:k] + itrans[k + 1 :])
    return out


def spellings(devanagari: str) -> set[str]:
    """Casual romanised spellings of a Devanagari word (lower case)."""
    itrans = sanscript.transliterate(devanagari, sanscript.DEVANAGARI, sanscript.ITRANS)
    variants = {itrans, itrans.replace("Mh", "ngh"), *_drop_medial_schwa(itrans)}
    variants |= {v.replace("I", "ee").replace("U", "oo") for v in tuple(variants)}
    variants |= {v.replace("ph", "f") for v in tuple(variants) if "ph" in v}
    out: set[str] = set()
    for variant in variants:
        casual = variant
        for old, new in _CASUAL:
            casual = casual.replace(old, new)
        casual = casual.lower()
        # Hindi drops the final inherent vowel: rAjesha is "rajesh".
        if (
            len(casual) > 3
            and casual.endswith("a")
            and casual[-2] in _CONSONANT_END
            and not variant.endswith("A")
            and devanagari[-2:-1] != "\u094d"  # a conjunct keeps it: सुरेंद्र is "surendra"
        ):
            casual = casual[:-1]
        out.add(casual)
        out.add(casual.replace("v", "w"))
    return {s for s in out if s.isascii() and len(s) >= 3}
