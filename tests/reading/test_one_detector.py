"""Both callers of the personal-data detector scrub alike: search events
(kb.services.events) and "draft an article from this reply"
(kb.services.editing.capture). Money, times, dates and URLs survive; phone
numbers, emails, order, tracking, account and card numbers never do."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.reading import personal_data
from kb.services import events
from kb.services.editing import capture


def _event(text: str) -> str:
    return events.scrub(text)


def _query(text: str) -> str:
    return events.normalise_query(text)


def _comment(text: str) -> str:
    return events.clean_comment(text)


def _capture(text: str) -> str:
    return capture.redact(text)


CALLERS: dict[str, Callable[[str], str]] = {
    "search event": _event,
    "search query": _query,
    "vote comment": _comment,
    "article from reply": _capture,
}
callers = pytest.mark.parametrize("scrub", CALLERS.values(), ids=list(CALLERS))

# What the old redaction turned into [phone]: the article's substance.
SURVIVE = [
    "Rp 1.500.000",
    "Refunds up to Rp 1.500.000 are paid in 3-7 working days",
    "Dana Rp1,5 jt masuk paling lambat 1 hari kerja",
    "Kami buka 08.00-17.00 WIB",
    "CS online pukul 08.00 - 21.00",
    "berlaku mulai 2026-12-07",
    "promo 12.12 sampai 31/12/2026",
    "lihat http://localhost:5301/id/articles/pesanan-terlambat?s=kapan#kapan",
    "open http://127.0.0.1:5301/en/articles/refund-times",
    "https://help.tokorona.example/s/k7m2p9qa",
    "diskon 50% untuk 2 barang",
    "versi 2.4.1 aplikasi",
]

# (text, what must be gone from it)
GONE = [
    ("hubungi 0812-3456-7890 ya", "3456"),
    ("wa 081234567890", "81234567890"),
    ("call me +62 812 3456 7890", "3456"),
    ("or +44 20 7946 0958 in London", "7946"),
    ("ring +1 415 555 2671", "2671"),
    ("telp (021) 2345 6789", "2345"),
    ("mail budi.santoso@mail.example", "budi"),
    ("no pesanan 240612ABCD1234", "240612"),
    ("order INV/20261207/XYZ/123456", "123456"),
    ("resi JP1234567890 belum jalan", "1234567890"),
    ("no rek BCA 1234567890", "1234567890"),
    ("kartu 4111 1111 1111 1111 ditolak", "1111"),
    ("NIK 3174054107900003", "3174054107900003"),
    ("account 98765432101", "98765432101"),
]


@callers
@pytest.mark.parametrize("text", SURVIVE)
def test_money_times_dates_and_urls_survive(
    scrub: Callable[[str], str], text: str
) -> None:
    assert scrub(text).casefold() == " ".join(text.split()).casefold()


@callers
@pytest.mark.parametrize(("text", "secret"), GONE)
def test_personal_data_never_survives(
    scrub: Callable[[str], str], text: str, secret: str
) -> None:
    out = scrub(text)
    assert secret.casefold() not in out.casefold(), out
    assert any(f"[{kind}]" in out for kind in personal_data.KINDS), out


@callers
def test_the_old_labels_are_kept(scrub: Callable[[str], str]) -> None:
    out = scrub("budi@mail.example 0812 3456 7890 12345678901 JWB-7K3Q9")
    assert out.casefold() == "[email] [phone] [number] [reference]"


def test_no_caller_keeps_a_regex_of_its_own() -> None:
    for module in (events, capture):
        source = inspect.getsource(module)
        assert "[phone]" not in source and "[email]" not in source, module.__name__
    assert "personal_data" in inspect.getsource(events)
    assert "personal_data" in inspect.getsource(capture)


def test_the_reply_redaction_still_removes_names_as_words() -> None:
    text = "Hi Budi Santoso, Tania will call about JWB-7K3Q9."
    assert capture.redact(text, ("Budi Santoso", "Budi", "Santoso", "Ani")) == (
        "Hi [name], Tania will call about [reference]."
    )


# -- properties ----------------------------------------------------------------

sep = st.sampled_from(["", " ", "-", "."])


@st.composite
def phones(draw: st.DrawFn) -> str:
    """Phone numbers as people type them: Indonesian mobiles and landlines,
    and a few other countries'."""
    rest = draw(st.text("0123456789", min_size=8, max_size=8))
    s = draw(sep)
    kind = draw(st.sampled_from(["mobile", "jakarta", "uk", "us", "sg"]))
    if kind == "mobile":
        prefix = draw(st.sampled_from(["0", "+62", "+62 ", "62"]))
        operator = draw(st.sampled_from(["811", "812", "813", "821", "852", "857"]))
        return f"{prefix}{operator}{s}{rest[:4]}{s}{rest[4:]}"
    if kind == "jakarta":
        area = draw(st.sampled_from(["021", "(021)", "+62 21"]))
        return f"{area} {rest[:4]}{s}{rest[4:]}"
    if kind == "uk":
        return f"+44 20 7{rest[:3]} {rest[3:7]}"
    if kind == "us":
        area = draw(st.sampled_from(["212", "415", "646", "617"]))
        return f"+1 {area} {draw(st.sampled_from(['555', '736', '967']))} {rest[:4]}"
    return f"+65 {draw(st.sampled_from(['6', '8', '9']))}{rest[:3]} {rest[3:7]}"


emails = st.builds(
    lambda user, domain, tld: f"{user}@{domain}.{tld}",
    st.from_regex(r"[a-z][a-z0-9._+-]{0,15}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True),
    st.sampled_from(["com", "co.id", "example", "id", "net"]),
)
WORDS = ["paket", "saya", "belum", "sampai", "tolong", "cek", "my", "is", "hp", "wa"]
words = st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(before=words, phone=phones(), after=words, which=st.sampled_from(list(CALLERS)))
def test_random_phone_numbers_never_survive(
    before: str, phone: str, after: str, which: str
) -> None:
    out = CALLERS[which](f"{before} {phone} {after}")
    assert not re.search(r"\d{3}", out), (phone, out)


@settings(max_examples=150, deadline=None)
@given(before=words, email=emails, after=words, which=st.sampled_from(list(CALLERS)))
def test_random_emails_never_survive(
    before: str, email: str, after: str, which: str
) -> None:
    out = CALLERS[which](f"{before} {email} {after}")
    assert "@" not in out and "[email]" in out.casefold(), (email, out)
