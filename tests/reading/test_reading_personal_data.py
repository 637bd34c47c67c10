"""The one personal-data detector: what it finds, what must survive, its labels."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.reading.personal_data import KINDS, find, kinds, scrub

# -- what must survive ------------------------------------------------------------

SURVIVE = [
    "Rp 1.500.000",
    "Rp1.500.000",
    "Rp1,5 jt",
    "Rp 250rb",
    "IDR 50,000",
    "$20",
    "USD 1,250.50",
    "total 12.500.000 untuk 3 barang",
    "refund 1,500,000 rupiah",
    "08.00-17.00",
    "08.00 - 21.00 WIB",
    "jam 9:30",
    "pukul 15.00 WIB",
    "2026-12-07",
    "2026-12-07 14:30:00",
    "07/12/2026",
    "7-12-26",
    "7 Des 2026",
    "Dec 7, 2026",
    "12 November",
    "diskon 50%",
    "cicilan 0%",
    "versi 2.4.1",
    "app v10.12.3 crashes",
    "Harbolnas 11.11 dan 12.12",
    "http://localhost:5301/id/articles/pesanan-terlambat?s=kapan#x",
    "http://127.0.0.1:5301/a/b",
    "https://tokorona.example/id/search?q=refund&page=12345678",
    "tkr.id/s/8fk2",
    "https://x.com/tokorona/status/1867001234567890123",
    "pesanan 1234567",  # 7 digits: not an order number
    "kode promo GAJIAN50",
    "2×24 jam",
    "3-7 hari kerja",
    "ukuran 42, berat 1,5 kg",
    "card ending 4417",
]


@pytest.mark.parametrize("text", SURVIVE)
def test_money_times_dates_urls_and_small_numbers_survive(text: str) -> None:
    assert find(text) == ()
    assert scrub(text) == text


# -- what is found -----------------------------------------------------------------

FOUND = [
    # phones: Indonesian mobile and landline as people write them, international
    ("wa 081234567890", "wa [phone]"),
    ("call me +62 812-3456-7890 please", "call me [phone] please"),
    ("0812.3456.7890", "[phone]"),
    ("0812 3456 7890", "[phone]"),
    ("62 812 3456 7890", "[phone]"),
    ("+62 (812) 3456-7890", "[phone]"),
    ("(021) 5551234", "[phone]"),
    ("021-5550-1234", "[phone]"),
    ("0274 512345", "[phone]"),
    ("+1 415 555 0132", "[phone]"),
    ("+44 20 7946 0958", "[phone]"),
    ("+65 9123 4567", "[phone]"),
    ("chat wa.me/6281234567890 ya", "chat wa.me/[phone] ya"),
    ("hp: 0812 345 678", "hp: [phone]"),
    # emails
    ("Refund budi.santoso@mail.example", "Refund [email]"),
    ("mail me at a+b@sub.mail.example.", "mail me at [email]."),
    # cards: Luhn-valid
    ("kartu 4111 1111 1111 1111", "kartu [card]"),
    ("5555-5555-5555-4444 declined", "[card] declined"),
    ("amex 3782 822463 10005", "amex [card]"),
    # account, order, tracking, NIK: named by the word before them
    ("rek BCA 1234567890 a.n. Siti", "rek BCA [account] a.n. Siti"),
    ("no rek: 123-456-7890", "no rek: [account]"),
    ("VA 8808 0812 3456 7890", "VA [account]"),
    ("no pesanan 240512ABCD7781", "no pesanan [order]"),
    ("order INV/2026/123456789 late", "order [order] late"),
    ("INV/20261103/MPL/3391827465", "[order]"),
    ("Order #TR-2026-884213", "Order [order]"),
    ("Order number 2411050012345.", "Order number [order]."),
    ("resi JX1234567890ID", "resi [tracking]"),
    ("no resi jne: CGK1234567890", "no resi jne: [tracking]"),
    ("tracking 002345678901", "tracking [tracking]"),
    ("NIK 3273011203900004", "NIK [id_number]"),
    ("3273014203900004", "[id_number]"),  # a NIK's shape: region, birth date
    # Jawab ticket references
    ("tiket JWB-7K3Q9 belum dibalas", "tiket [reference] belum dibalas"),
    ("jwb-4f8kq", "[reference]"),
    # addresses
    (
        "Jl. Melati No. 12 RT 03/RW 05, Kec. Coblong, Bandung 40132 ya",
        "[address] ya",
    ),
    ("ke jln kenanga 5 no 17, cepat", "ke [address], cepat"),
    ("di Perum Griya Asri Blok C2 No. 7.", "di [address]."),
    ("Jalan Sudirman Kav 52", "[address]"),
    ("kode pos 40132", "[address]"),
    ("Courier can't find 221B Baker Street!", "Courier can't find [address]!"),
    ("Apt 4B, PO Box 123", "[address]"),
    # anything else of eight or more digits
    ("nomor meter 14123456789", "nomor meter [number]"),
    ("kode 12345678", "kode [number]"),
    ("ABC12345678XYZ", "[number]"),
]


@pytest.mark.parametrize(("text", "scrubbed"), FOUND)
def test_personal_data_is_found_and_scrubbed(text: str, scrubbed: str) -> None:
    assert scrub(text) == scrubbed


def test_two_numbers_side_by_side_are_read_apart() -> None:
    assert scrub("order 12345678 0812 3456 7890") == "order [order] [phone]"
    assert kinds("order 12345678 0812 3456 7890") == ("phone", "order")


def test_lower_case_street_words_are_no_address() -> None:
    for text in ("paket udah jalan dari kemarin", "jalan-jalan ke mall", "gg bro"):
        assert kinds(text) == ()


def test_the_old_scrubbers_labels_and_cases() -> None:
    """Where the search-event scrubber and the reply redaction overlap: same labels."""
    assert scrub("refund budi@mail.example 0812 3456 7890 order 12345678901") == (
        "refund [email] [phone] order [order]"
    )
    reply = (
        "Hi Budi Santoso, about JWB-7K3Q9: call +62 812 3456 7890 or mail "
        "budi.santoso@mail.example. Refunds take 3 days."
    )
    assert scrub(reply, names=("Budi Santoso", "Budi", "Santoso")) == (
        "Hi [name], about [reference]: call [phone] or mail [email]. "
        "Refunds take 3 days."
    )


def test_names_are_whole_words() -> None:
    assert scrub("Ani dan Tania", names=("Ani",)) == "[name] dan Tania"


def test_kinds_are_listed_once_in_a_fixed_order() -> None:
    text = "0812 3456 7890, budi@mail.example, 0813 1111 2222"
    assert kinds(text) == ("email", "phone")


# -- properties --------------------------------------------------------------------

separators = st.sampled_from(["", " ", "-", "."])


@st.composite
def indonesian_mobiles(draw: st.DrawFn) -> str:
    """An Indonesian mobile number as people type it."""
    prefix = draw(st.sampled_from(["0", "+62", "+62 ", "62"]))
    operator = draw(st.sampled_from(["811", "812", "813", "821", "822", "852", "857"]))
    rest = draw(st.text("0123456789", min_size=7, max_size=8))
    sep = draw(separators)
    return f"{prefix}{operator}{sep}{rest[:4]}{sep}{rest[4:]}"


WORDS = ["paket", "saya", "belum", "sampai", "tolong", "cek", "my", "is", "hp"]
words = st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join)
# A keyword before a number names its kind ("order 0812…" is an order number).
keywords = st.lists(st.sampled_from([*WORDS, "order", "rek", "resi"]), max_size=4)


@settings(max_examples=200, deadline=None)
@given(before=words, phone=indonesian_mobiles(), after=words)
def test_indonesian_mobile_numbers_are_phones(
    before: str, phone: str, after: str
) -> None:
    assert kinds(f"{before} {phone} {after}") == ("phone",)


@settings(max_examples=200, deadline=None)
@given(before=keywords, phone=indonesian_mobiles(), after=keywords)
def test_phone_numbers_never_survive(
    before: list[str], phone: str, after: list[str]
) -> None:
    out = scrub(f"{' '.join(before)} {phone} {' '.join(after)}")
    assert not re.search(r"\d{3}", out), out


@st.composite
def luhn_cards(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from(["4", "51", "55", "37", "6011"]))
    body = first + draw(
        st.text("0123456789", min_size=15 - len(first), max_size=15 - len(first))
    )
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (1 if i % 2 else 2)
        total += d - 9 if d > 9 else d
    digits = body + str((10 - total % 10) % 10)
    sep = draw(st.sampled_from(["", " ", "-"]))
    return sep.join(digits[i : i + 4] for i in range(0, 16, 4))


@settings(max_examples=200, deadline=None)
@given(card=luhn_cards())
def test_luhn_valid_card_numbers_are_cards(card: str) -> None:
    assert kinds(f"kartu saya {card} ditolak") == ("card",)


@st.composite
def kept(draw: st.DrawFn) -> str:
    """Money, times, dates, percentages and URLs, in the forms people write."""
    n = draw(st.integers(1, 999))
    thousands = f"{draw(st.integers(1, 999))}.{draw(st.integers(0, 999)):03d}.000"
    return draw(
        st.sampled_from(
            [
                f"Rp {thousands}",
                f"Rp{thousands}",
                f"Rp{n},5 jt",
                f"{n}rb",
                f"IDR {n},000",
                f"${n}",
                f"{draw(st.integers(0, 23)):02d}.{draw(st.integers(0, 59)):02d}"
                f"-{draw(st.integers(0, 23)):02d}.{draw(st.integers(0, 59)):02d}",
                f"{draw(st.integers(2000, 2099))}-{draw(st.integers(1, 12)):02d}"
                f"-{draw(st.integers(1, 28)):02d}",
                f"{draw(st.integers(1, 28)):02d}/{draw(st.integers(1, 12)):02d}"
                f"/{draw(st.integers(2000, 2099))}",
                f"{draw(st.integers(1, 28))} Des {draw(st.integers(2000, 2099))}",
                f"{n}%",
                f"http://[::1]:{draw(st.integers(1000, 65535))}/a/{n}",
                f"http://localhost:{draw(st.integers(1000, 65535))}/id/{n}?x={n}",
                f"https://tokorona.example/s/{draw(st.integers(10**7, 10**12))}",
            ]
        )
    )


@settings(max_examples=300, deadline=None)
@given(before=words, value=kept(), after=words)
def test_money_times_dates_and_urls_always_survive(
    before: str, value: str, after: str
) -> None:
    text = f"{before} {value} {after}"
    assert scrub(text) == text


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_gives_ordered_spans_of_known_kinds(text: str) -> None:
    found = find(text)
    assert all(f.kind in KINDS and 0 <= f.start < f.end <= len(text) for f in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


def test_a_long_run_of_digit_groups_costs_time_in_proportion(monkeypatch) -> None:
    """Each group is tried as the start of a phone number a bounded number of times
    (a post of 1,000 groups must not take a million phone-number checks)."""
    from kb.reading import personal_data

    calls = []
    real = personal_data._valid_phone
    monkeypatch.setattr(
        personal_data, "_valid_phone", lambda n: calls.append(n) or real(n)
    )
    for groups in (100, 400):
        calls.clear()
        find("0812 " * groups)
        assert len(calls) <= 10 * groups
