"""A published post's rules (domain/posts.py) and the approver's choice for a long X version:
who withdraws, when a withdrawal or an Instagram confirmation may be asked for, each thread
part's address, and how many parts a long Hindi text makes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nazar_contracts.stories import CirculationScope, PublicChannel
from nazar_contracts.vocabulary import Role
from story_intake.api.problems import codes, register_all
from story_intake.domain import cell, posts
from story_intake.domain.cell import Approval, ApprovalRefusedError
from story_intake.domain.chain import APPROVERS, Actor, ChainRefusalError
from story_intake.domain.channels import (
    X_LIMIT,
    Channel,
    VersionText,
    _split,
    measure,
    x_length,
    x_thread_parts,
)

from tests.unit.story_intake.test_cell import AT_PHQ, NOW, _facts

APPROVER = Actor("mbr-sp-phq", Role.SP_PHQ_CRIME, "RJ")
ADG = Actor("mbr-adg", Role.ADG, "RJ")
WRITER = Actor("mbr-writer", Role.CONTENT_WRITER, "RJ")
PRO = Actor("mbr-pro", Role.POLICE_PRO, "RJ")
# 300-odd weighted characters of Hindi with an emoji and a link (a URL counts 23, an emoji 2).
LONG_HI = (
    "जयपुर पुलिस ने साइबर ठगी के एक बड़े गिरोह का पर्दाफाश किया 🚨 गिरोह फर्जी कॉल सेंटर से "
    "लोगों को लोन और नौकरी का झांसा देकर ठगता था। पुलिस ने 14 मोबाइल फोन, 9 लैपटॉप और "
    "₹3.2 लाख नकद बरामद किए। किसी भी अनजान कॉल पर अपनी ओटीपी साझा न करें। शिकायत के लिए "
    "1930 पर कॉल करें या https://cybercrime.gov.in पर दर्ज करें। #राजस्थान_पुलिस"
)


def refused(code: str) -> pytest.RaisesExc[ChainRefusalError]:
    return pytest.raises(ChainRefusalError, match=rf"^{code}$")


def test_only_the_approvers_withdraw_as_only_they_approve() -> None:
    assert {APPROVER.role, ADG.role} == set(APPROVERS)
    assert posts.withdrawer([WRITER, ADG]) == ADG
    for actors in ([WRITER], [PRO], []):
        with refused("post.not_approver"):
            posts.withdrawer(actors)


def test_a_withdrawal_needs_a_reason_and_a_public_post_not_already_going() -> None:
    with refused("post.reason_required"):
        posts.need_reason("   ")
    assert posts.need_reason("  गलत तस्वीर लगी  ") == "गलत तस्वीर लगी"
    posts.may_withdraw("posted", None)
    posts.may_withdraw("posted", "failed")  # refused by the network: ask again
    for state in ("requested", "failed"):
        with refused("post.not_posted"):
            posts.may_withdraw(state, None)
    for pending in ("requested", "task_open", "confirmed"):
        with refused("post.withdrawal_pending"):
            posts.may_withdraw("posted", pending)
    with refused("post.withdrawn"):
        posts.may_withdraw("posted", "withdrawn")


def test_only_an_open_instagram_task_is_confirmed_and_once() -> None:
    posts.may_confirm("instagram", "task_open")
    with refused("post.no_withdrawal_task"):
        posts.may_confirm("x", "task_open")
    for state in (None, "requested", "failed"):
        with refused("post.no_withdrawal_task"):
            posts.may_confirm("instagram", state)
    with refused("post.withdrawal_confirmed"):
        posts.may_confirm("instagram", "confirmed")
    with refused("post.withdrawn"):
        posts.may_confirm("instagram", "withdrawn")


def test_every_part_of_a_thread_has_its_address() -> None:
    first = "https://x.com/PoliceRajasthan/status/1861000000000000001"
    ids = ["1861000000000000001", "1861000000000000002", "1861000000000000003"]
    assert posts.thread_urls(first, ids[0], ids) == [
        f"https://x.com/PoliceRajasthan/status/{i}" for i in ids
    ]
    assert posts.thread_urls(first, ids[0], []) == [first]
    fb = "https://www.facebook.com/1234_5678"
    assert posts.thread_urls(fb, "1234_5678", []) == [fb]
    assert posts.thread_urls(None, "1", ["1", "2"]) == []
    # An address that does not end in the id is shown as it is, never guessed at.
    assert posts.thread_urls("https://x.com/i/web/status/9?s=1", "9", ["9", "10"]) == [
        "https://x.com/i/web/status/9?s=1"
    ]


def test_a_long_hindi_x_text_is_counted_as_a_numbered_thread() -> None:
    assert x_length(LONG_HI) > X_LIMIT
    parts = _split(LONG_HI, X_LIMIT - len(" (9/9)"))
    assert x_thread_parts(LONG_HI) == len(parts) == 2
    # Every part fits with its numbering, no word is lost or cut.
    assert all(x_length(f"{p} (2/2)") <= X_LIMIT for p in parts)
    assert " ".join(parts).split() == LONG_HI.split()
    m = measure(Channel.X, VersionText(text=LONG_HI), 5)
    assert (m.too_long, m.thread_parts) == (True, 2)
    assert measure(Channel.X, VersionText(text="गिरोह पकड़ा"), 5).thread_parts == 1
    assert measure(Channel.FACEBOOK, VersionText(text=LONG_HI), 5).thread_parts is None
    # A word longer than a part (no spaces to split at) is cut at code points.
    assert x_thread_parts("क" * 600) == 3
    assert x_thread_parts("क" * 548) == 2  # two full parts, no empty third
    assert all(x_length(p) <= X_LIMIT - 6 for p in _split("क" * 600, X_LIMIT - 6))


def test_a_long_x_version_is_approved_only_when_the_approver_chose_a_thread() -> None:
    long_x = _facts(Channel.X, text=LONG_HI)
    versions = {Channel.CIRCULATION: _facts(Channel.CIRCULATION), Channel.X: long_x}
    refuse = Approval(CirculationScope.DISTRICT, (PublicChannel.X,), versions)
    with pytest.raises(ApprovalRefusedError, match=r"^story\.too_long$"):
        cell.approve(AT_PHQ, APPROVER, refuse, NOW)
    thread = Approval(CirculationScope.DISTRICT, (PublicChannel.X,), versions, x_thread=True)
    cell.approve(AT_PHQ, APPROVER, thread, NOW)
    # A thread is X's alone: a long Instagram caption is refused whatever the choice.
    long_ig = _facts(Channel.INSTAGRAM, text="क" * 2_201)
    ig = {**versions, Channel.INSTAGRAM: long_ig}
    both = Approval(CirculationScope.DISTRICT, (PublicChannel.X, PublicChannel.INSTAGRAM), ig,
                    x_thread=True)  # fmt: skip
    with pytest.raises(ApprovalRefusedError, match=r"^story\.too_long$"):
        cell.approve(AT_PHQ, APPROVER, both, NOW)


def test_every_post_refusal_has_its_hindi_and_english_texts() -> None:
    src = Path(posts.__file__).resolve().parents[1]
    raised: set[str] = set()
    for path in [*src.glob("domain/*.py"), *src.glob("handlers/*.py"), *src.glob("api/*.py")]:
        if not path.name.endswith("problems.py"):
            raised |= set(re.findall(r'"(post\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    assert {"post.not_approver", "post.withdrawal_pending", "post.no_withdrawal_task"} <= raised
    register_all()
    assert raised <= codes(), sorted(raised - codes())
