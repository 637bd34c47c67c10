"""The one personal-data detector: what a post, query or reply exposes.

:func:`find` returns where each piece of personal data is and what kind it is;
:func:`scrub` replaces each with ``[kind]`` (the labels ``[email]``, ``[phone]``,
``[number]`` and ``[reference]`` are the ones the search-event scrubber and the
article-from-reply redaction have always used).

How it reads a text, in order:

1. Emails, then URLs (ports and paths included), money (``Rp 1.500.000``,
   ``Rp1,5 jt``, ``IDR 50,000``, ``$20``), times (``08.00-17.00``, ``9:30``),
   dates (``2026-12-07``, ``07/12/2026``, ``7 Des 2026``), percentages and version
   numbers are found first and masked, so no digit inside them is ever read as a
   phone or account number. A WhatsApp link (``wa.me/62…``) is the one URL whose
   digits are a phone number.
2. Every remaining number (digits with the spaces, dots, dashes and brackets people
   put between groups) and every code mixing letters and digits is classified:
   a keyword just before it (``resi``, ``no. pesanan``, ``rek BCA``, ``NIK``,
   ``hp``…) names its kind; otherwise its shape does — a valid phone number for
   its country (libphonenumber, Indonesia by default), a Luhn-valid payment card
   number, a 16-digit NIK with a valid region and birth date, and anything else of
   eight or more digits is a ``number``.
3. Street addresses: Indonesian (``Jl./Jalan … No …``, ``Gg.``, ``Blok``, RT/RW,
   ``Kec./Kel.``, a postcode after them or after ``kode pos``) and English
   (``221B Baker Street``, ``Apt 4B``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

KINDS = (
    "email",
    "phone",
    "card",
    "account",
    "order",
    "tracking",
    "reference",
    "id_number",
    "address",
    "number",
)


@dataclass(frozen=True)
class Found:
    """One piece of personal data: its kind and where it is (``text[start:end]``)."""

    kind: str
    start: int
    end: int


# -- what must survive ---------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TLD = (
    r"com|net|org|id|co\.id|go\.id|ac\.id|or\.id|web\.id|my\.id|biz\.id|io|me|ly|"
    r"app|dev|link|info|biz|shop|store|site|online|xyz|example|gle|gl|to|tv|co"
)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'`]+"
    rf"|(?<![\w@.-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLD})\b"
    r"(?::\d{1,5})?(?:/[^\s<>\"'`]*)?",
    re.IGNORECASE,
)
_WHATSAPP = re.compile(
    r"(?:wa\.me/|whatsapp\.com/send\?phone=|whatsapp\.com/)\+?(\d{8,15})", re.I
)
_MONTHS = (
    r"jan(?:uari|uary)?|feb(?:ruari|ruary)?|mar(?:et|ch)?|apr(?:il)?|mei|may|"
    r"jun[ei]?|jul[iy]?|agu(?:stus)?|agt|aug(?:ust)?|sep(?:t|tember)?|"
    r"okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|des(?:ember)?|dec(?:ember)?"
)
_AMOUNT = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?"
_MAGNITUDE = r"rb|ribu|rebu|k|jt|juta|m|mio|million|thousand|miliar|milyar|bn"
_TIME = r"(?:[01]?\d|2[0-3])[.:][0-5]\d(?:[.:][0-5]\d)?(?:\s?(?:am|pm|wib|wita|wit))?"
_KEEP = re.compile(
    "|".join(
        (
            # money: a currency before or a magnitude/currency word after
            rf"(?:rp\.?|idr|usd|us\$|sgd|myr|eur|\$|€|£)\s?(?:{_AMOUNT})"
            rf"(?:\s?(?:{_MAGNITUDE})\b)?",
            rf"(?<![\w.,])(?:{_AMOUNT})\s?(?:{_MAGNITUDE}|rupiah|perak|idr|usd|"
            r"dollars?|bucks)\b",
            # a bare amount with thousands grouping: 1.500.000, 12,000,000
            r"(?<![\w.,])[1-9]\d{0,2}(?:\.\d{3}){2,}(?![\d.])",
            r"(?<![\w.,])[1-9]\d{0,2}(?:,\d{3}){2,}(?![\d,])",
            # dates
            r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?!\d)",
            r"(?<![\d.,/-])\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?![\d/.-]?\d)",
            rf"(?<!\d)\d{{1,2}}\s?(?:{_MONTHS})\.?(?:\s?\d{{4}}|\s?'?\d{{2}})?\b",
            rf"\b(?:{_MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s\d{{4}})?(?!\d)",
            # times and time ranges
            rf"(?<![\d.,:])(?:{_TIME})(?:\s?(?:-|–|—|s/d|sd|to|until|sampai)\s?"
            rf"(?:{_TIME}))?(?![\d.,:]?\d)",
            # percentages and version numbers
            r"(?<![\w.,])\d+(?:[.,]\d+)?\s?%",
            r"\b(?:v|ver|versi|version)\.?\s?\d+(?:\.\d+)+\b",
            r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){2,3}(?![\w.]*\d)",
        )
    ),
    re.IGNORECASE,
)

# -- numbers and codes ---------------------------------------------------------

# Digits with the separators people type between groups; a run may hold two
# numbers side by side, so it is read group by group (see _digit_runs).
_RUN = re.compile(r"(?<![\w+#/])\+?\(?\d+\)?(?:[ .\-]\(?\d+\)?)*(?![\w/])")
# A code that mixes letters and digits (order, waybill, invoice numbers).
_CODE = re.compile(
    r"(?<![\w/#-])#?(?=[A-Za-z0-9/_-]*\d)(?=[A-Za-z0-9/_-]*[A-Za-z])"
    r"[A-Za-z0-9]+(?:[/_-][A-Za-z0-9]+)*(?![\w/])"
)
_DIGITS_ONLY = re.compile(r"#?\d+(?:[/_-]\d+)*")
_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d[\d.,:/ -]*")
_REFERENCE = re.compile(r"\bJWB-[0-9A-Z]{5}\b", re.IGNORECASE)
_INVOICE = re.compile(r"^INV[/-]", re.IGNORECASE)

# The words just before a number that say what it is. Multi-word keys are
# matched on the words as typed, lower-cased.
_CONTEXT = {
    "order": (
        "pesanan pesenan orderan order orders invoice inv transaksi pembelian "
        "belanjaan trx id_pesanan order_id"
    ),
    "tracking": (
        "resi noresi awb waybill tracking track lacak kode_booking booking jne "
        "j&t jnt sicepat anteraja ninja spx jx lion tiki wahana idexpress sap pos"
    ),
    "account": (
        "rek rekening norek rekeningnya account acc acct va bank bca bni bri "
        "mandiri bsi cimb permata btn danamon ocbc jago seabank blu"
    ),
    "id_number": "nik ktp e-ktp ektp npwp paspor passport kk",
    "phone": (
        "hp nohp handphone telp telpon telepon tlp tlpn wa whatsapp phone "
        "mobile call sms cell ponsel kontak contact nomer"
    ),
    "card": "kartu card cc visa mastercard jcb amex kredit credit debit",
}
_KEYWORDS = {word: kind for kind, words in _CONTEXT.items() for word in words.split()}
# Words that may stand between a keyword and its number ("no. rek BCA saya: …").
_GAP = set(
    "no nomor nmr number num id # : nya saya aku gue gw ku my is was = a.n an atas "
    "nama the code kode ini itu yg yang di dengan".split()
)
_WORD_BEFORE = re.compile(r"[\w&#.-]+|[:=#]")
_BREAK = re.compile(r"[!?\n;]|\.\s+(?=[A-Z])")

# -- addresses -----------------------------------------------------------------

_NUMBER_PART = (
    r"(?i:no|nomor|nmr|nr|kav|kavling)\.?\s?\d+[a-zA-Z]?(?:\s?[/-]\s?\d+[a-zA-Z]?)?"
)
_NAME = r"[A-Z][\w'-]*"  # a capitalised word: most place names as people type them
# Keywords match in any case ((?i:...)); where a capital letter is required after
# one (a lower-case "jalan" is usually the verb "to go"), [A-Z] means it.
# Each pattern is matched on its own (their matches may overlap: "Perum Griya Asri
# Blok C2 No. 7"); the parts found are then joined.
_ADDRESS = tuple(
    re.compile(pattern)
    for pattern in (
        # Jl./Jln. + a name, up to a house number when there is one
        rf"\b(?i:jl|jln|jlan)\b\.?\s?[\w.'-]+(?:\s[\w.'-]+){{0,4}}?\s?,?\s?"
        rf"{_NUMBER_PART}",
        rf"\b(?i:jl|jln|jlan)\b\.?\s?[A-Za-z][\w'-]*(?:\s{_NAME}){{0,3}}",
        rf"\b(?i:jalan)\s(?:[\w.'-]+\s){{0,3}}?,?\s?{_NUMBER_PART}",
        rf"\bJalan\s{_NAME}(?:\s{_NAME}){{0,3}}",
        r"\b(?i:gg)\.\s?[A-Za-z0-9][\w'-]*(?:\s[A-Z0-9][\w'-]*){0,2}",
        rf"\bGang\s{_NAME}(?:\s[A-Z0-9][\w'-]*){{0,2}}",
        r"\b(?i:perum|perumahan|komplek|kompleks|komp|cluster|apartemen|griya)"
        rf"\.?\s{_NAME}(?:\s{_NAME}){{0,3}}",
        rf"\b(?i:blok)\s?[A-Za-z]{{0,2}}\d{{1,3}}[A-Za-z]?\b(?:\s?,?\s?{_NUMBER_PART})?",
        r"\b(?i:rt)\.?\s?0*\d{1,3}(?:\s?/\s?|\s)(?:(?i:rw)\.?\s?)?0*\d{1,3}\b",
        r"\b(?i:rt|rw)\.?\s?0*\d{1,3}\b",
        r"\b(?i:kec|kel|kecamatan|kelurahan)\b\.?\s[\w'-]+(?:\s[A-Z][\w'-]*)?",
        rf"\b(?i:desa|kabupaten|kab)\.?\s{_NAME}(?:\s{_NAME})?",
        r"\b(?i:kode\s?pos|kodepos|zip(?:\s?code)?|post\s?code|postal\scode)"
        r"\s?:?\s?\d{5}\b",
        # English: 221B Baker Street, Apt 4B, PO Box 12
        r"\b\d{1,5}[A-Za-z]?\s(?:[A-Z][a-z'-]+\s){1,3}(?i:street|st|road|rd|"
        r"avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|"
        r"terrace|close|crescent|highway|hwy)\b\.?",
        r"\b(?i:apt|apartment|unit|suite|flat)\.?\s?#?\d+[A-Za-z]?\b",
        r"\b(?i:p\.?\s?o\.?\s?box)\s\d+\b",
    )
)
# A word one of the address patterns needs; without one, none is tried.
_ADDRESS_WORDS = frozenset(
    "jl jln jlan jalan gg gang perum perumahan komplek kompleks komp cluster "
    "apartemen griya blok rt rw kec kel kecamatan kelurahan desa kabupaten kab kode "
    "kodepos zip post postcode postal apt apartment unit suite flat po box".split()
)
_WORD = re.compile(r"[a-z]+")
_HOUSE_NUMBER = re.compile(r"\d[A-Za-z]?\s[A-Z][a-z]")  # "221B Baker"
_POSTCODE_AFTER = re.compile(
    r"[\s,]{0,3}(?:[A-Za-z][\w.'-]*[\s,]{1,3}){0,3}[1-9]\d{4}\b"
)
_JOIN = re.compile(r"[\s,;/-]{0,3}")

# NIK region codes: the first two digits are the province.
_PROVINCES = {
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
    61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96,
}  # fmt: skip
_MAX_GROUPS = 8  # digit groups read as one number at most
_PHONE_GROUPS = 6  # "+62 812 3456 7890" is 4; six leave room for odd spacing
_PRIORITY = {kind: i for i, kind in enumerate(KINDS)}


class Scan(NamedTuple):
    """What :func:`scan` saw: the personal data, and the URLs, amounts, dates and
    times it kept (``(start, end, "url" | "number")``; one token each when read)."""

    found: tuple[Found, ...]
    kept: tuple[tuple[int, int, str], ...]


def find(text: str) -> tuple[Found, ...]:
    """Every piece of personal data in ``text``, in order, none overlapping."""
    return scan(text).found


def scan(text: str) -> Scan:
    """:func:`find`, with the spans it kept on the way."""
    found: list[Found] = []
    kept: list[tuple[int, int, str]] = []
    masked = list(text)

    def mask(start: int, end: int) -> None:
        masked[start:end] = "\x00" * (end - start)

    for m in _EMAIL.finditer(text):
        found.append(Found("email", m.start(), m.end()))
        mask(m.start(), m.end())
    for m in _REFERENCE.finditer(text):
        found.append(Found("reference", m.start(), m.end()))
        mask(m.start(), m.end())
    after_email = "".join(masked)
    for m in _URL.finditer(after_email):
        start, end = m.start(), _strip_end(after_email, m.start(), m.end())
        phones = [
            Found("phone", wa.start(1), wa.end(1))
            for wa in _WHATSAPP.finditer(after_email, start, end)
        ]
        found.extend(phones)
        if not phones:
            kept.append((start, end, "url"))
        mask(start, end)
    unmasked = "".join(masked)
    for start, end in _windows(unmasked):
        for m in _KEEP.finditer(unmasked, start, end):
            kept.append((m.start(), m.end(), "number"))
            mask(m.start(), m.end())
    plain = "".join(masked)
    if _address_hint(text):
        found.extend(_addresses(text, plain))
    if not _DIGIT.search(plain):
        return Scan(_resolve(found), tuple(sorted(kept)))
    taken = _spans(found)
    for m in _CODE.finditer(plain):
        if _free(taken, m.start(), m.end()) and not _DIGITS_ONLY.fullmatch(m.group()):
            kind = _code_kind(plain, m.start(), m.group())
            if kind:
                found.append(Found(kind, m.start(), m.end()))
    taken = _spans(found)
    for m in _RUN.finditer(plain):
        if _free(taken, m.start(), m.end()):
            found.extend(_digit_runs(plain, m.start(), m.group()))
    return Scan(_resolve(found), tuple(sorted(kept)))


def kinds(text: str) -> tuple[str, ...]:
    """The kinds of personal data in ``text``, each once, in :data:`KINDS` order."""
    present = {f.kind for f in find(text)}
    return tuple(kind for kind in KINDS if kind in present)


def scrub(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with each piece of personal data replaced by ``[kind]``.

    ``names`` (a customer's name and its parts, say) are replaced by ``[name]``
    as whole words, longest first; finding names is the caller's job.
    """
    out = text
    for f in reversed(find(text)):
        out = f"{out[: f.start]}[{f.kind}]{out[f.end :]}"
    for name in sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True):
        out = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[name]", out, flags=re.I)
    return out


# -- helpers -------------------------------------------------------------------


def _address_hint(text: str) -> bool:
    words = set(_WORD.findall(text.lower()))
    return bool(words & _ADDRESS_WORDS) or bool(_HOUSE_NUMBER.search(text))


def _windows(text: str) -> list[tuple[int, int]]:
    """Stretches around the digits: the only places an amount, date or time can be
    (a currency, month or magnitude word is at most 12 characters from a digit)."""
    out: list[tuple[int, int]] = []
    for m in _DIGITS.finditer(text):
        start, end = max(0, m.start() - 12), min(len(text), m.end() + 12)
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _strip_end(text: str, start: int, end: int) -> int:
    """A URL's end without the punctuation that ends the sentence around it."""
    while end > start and text[end - 1] in ".,;:!?)]}'\"":
        end -= 1
    return end


def _spans(found: list[Found]) -> list[tuple[int, int]]:
    return [(f.start, f.end) for f in found]


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in taken)


def _resolve(found: list[Found]) -> tuple[Found, ...]:
    """Overlaps settled by kind priority, then length; the result in text order."""
    ranked = sorted(found, key=lambda f: (_PRIORITY[f.kind], f.start - f.end))
    kept: list[Found] = []
    for f in ranked:
        if _free(_spans(kept), f.start, f.end):
            kept.append(f)
    return tuple(sorted(kept, key=lambda f: f.start))


def _context(text: str, start: int) -> str | None:
    """The kind named by a keyword just before ``start``, if any.

    Up to five words back, in the same sentence, with at most one word between
    that is neither a filler ("no", "saya", ":") nor a short word (a bank or
    courier name we don't list: "rek BRImo 1234…"); a number in between ends it.
    """
    before = text[max(0, start - 48) : start]
    cut = max((m.end() for m in _BREAK.finditer(before)), default=0)
    words = [w.lower().strip(".") for w in _WORD_BEFORE.findall(before[cut:])]
    words = [w for w in words if w][-5:]
    unknown = 0
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        if any(c.isdigit() for c in word):
            return None
        pair = f"{words[i - 1]}_{word}" if i else ""
        kind = _KEYWORDS.get(pair) or _KEYWORDS.get(word)
        if kind:
            return kind
        if word not in _GAP and not (word.isalpha() and len(word) <= 3):
            unknown += 1
            if unknown > 1:
                return None
    return None


def _code_kind(text: str, start: int, code: str) -> str | None:
    """The kind of a code that mixes letters and digits, or None to keep it."""
    digits = sum(c.isdigit() for c in code)
    if _INVOICE.match(code.lstrip("#")):
        return "order"
    kind = _context(text, start)
    if kind in ("order", "tracking", "account", "id_number") or (
        kind is not None and digits >= 6
    ):
        if digits >= 5 and len(code.lstrip("#")) >= 8:
            return kind if kind in ("order", "tracking", "account") else "order"
    if digits >= 8:
        return "number"
    return None


def _digit_runs(text: str, start: int, run: str) -> Iterator[Found]:
    """The personal data in one run of digit groups (maybe several numbers).

    A number is read from at most :data:`_MAX_GROUPS` groups, a phone number from
    at most :data:`_PHONE_GROUPS`, so a long run costs time in proportion to it.
    """
    groups = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", run)]
    i = 0
    while i < len(groups):
        last = min(len(groups), i + _MAX_GROUPS)
        # A phone number from here (its country code a group of its own: "+62 812 …")
        # before any cut at a phone number further on.
        end = _phone_from(text, groups, i) or _next_phone(text, groups, i, last)
        # The longest stretch of groups from i that reads as one number.
        for j in range(end, i, -1):
            s, e = groups[i][0], groups[j - 1][1]
            kind = _number_kind(text, s, text[s:e], alone=(i == 0))
            if kind:
                yield Found(kind, s, e)
                i = j
                break
        else:
            i += 1


def _phone_from(text: str, groups: list[tuple[int, int]], i: int) -> int | None:
    """The end (a group index) of a phone number starting at group ``i``, if any."""
    if text[groups[i][0]] not in "+(0":
        return None
    for j in range(min(len(groups), i + _PHONE_GROUPS), i, -1):
        if _valid_phone(text[groups[i][0] : groups[j - 1][1]]):
            return j
    return None


def _next_phone(text: str, groups: list[tuple[int, int]], i: int, last: int) -> int:
    """Where a phone number starts after group ``i`` ("order 1234567 0812 …"), or
    ``last`` when none does before it.

    A run grouped evenly in fours ("8808 0812 3456 7890") is one number.
    """
    sizes = [e - s for s, e in groups[i:last]]
    if len(sizes) > 2 and all(n == 4 for n in sizes[:-1]) and sizes[-1] <= 4:
        return last
    for k in range(i + 1, last):
        if _phone_from(text, groups, k):
            return k
    return last


def _number_kind(text: str, start: int, number: str, alone: bool) -> str | None:
    """The kind of one number as typed, or None when it is no personal data."""
    digits = re.sub(r"\D", "", number)
    context = _context(text, start) if alone else None
    n = len(digits)
    if context == "phone" and _phone_shaped(number, digits):
        return "phone"
    if context in ("order", "tracking", "account") and n >= 6 and len(number) >= 8:
        return context
    if context == "id_number" and n in (15, 16):
        return "id_number"
    if context == "card" and _card(number, digits):
        return "card"
    if _phone_shaped(number, digits) and _valid_phone(number):
        return "phone"
    if _card(number, digits):
        return "card"
    if n == 16 and number.isdigit() and _nik(digits):
        return "id_number"
    if n >= 8:
        return "number"
    return None


def _phone_shaped(number: str, digits: str) -> bool:
    return number[:1] in "+(0" or digits.startswith("62") and 10 <= len(digits) <= 14


@cache
def _phonenumbers() -> Any:
    import phonenumbers  # lazily: its metadata loads per region on first use

    return phonenumbers


def _valid_phone(number: str) -> bool:
    """A valid number in its country's plan; without ``+``, an Indonesian one."""
    phonenumbers = _phonenumbers()
    digits = re.sub(r"\D", "", number)
    if not 8 <= len(digits) <= 15:
        return False
    if digits.startswith("62") and not number.startswith(("+", "0")):
        number = "+" + digits
    try:
        parsed = phonenumbers.parse(number, "ID")
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))


def _card(number: str, digits: str) -> bool:
    """A payment card number: 13-19 digits, a card network's first digit, Luhn."""
    if not 13 <= len(digits) <= 19 or digits[0] not in "23456":
        return False
    groups = [len(g) for g in re.split(r"[ -]", number)]
    grouped = (
        len(groups) == 1 or all(g == 4 for g in groups[:-1]) or groups[:2] == [4, 6]
    )
    return grouped and _luhn(digits)


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _nik(digits: str) -> bool:
    """A NIK: a province code, then a region, then a birth date (day + 40 for women)."""
    day, month = int(digits[6:8]), int(digits[8:10])
    return (
        int(digits[:2]) in _PROVINCES
        and (1 <= day <= 31 or 41 <= day <= 71)
        and 1 <= month <= 12
    )


def _addresses(text: str, plain: str) -> list[Found]:
    """Street addresses, adjacent parts joined into one span."""
    parts = sorted(
        (m.start(), m.end())
        for pattern in _ADDRESS
        for m in pattern.finditer(text)
        if "\x00" not in plain[m.start() : m.end()]  # no email, URL, date, money
    )
    merged: list[list[int]] = []
    for s, e in parts:
        if merged and (s <= merged[-1][1] or _JOIN.fullmatch(text, merged[-1][1], s)):
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out = []
    for s, e in merged:
        post = _POSTCODE_AFTER.match(text, e)
        out.append(Found("address", s, post.end() if post else e))
    return out
