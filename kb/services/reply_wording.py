"""The words of a public reply that are not the article's: openings, the
thank-you and the privacy ask.

A reply speaks the customer's language (Indonesian formal "Bapak/Ibu", casual
"Kak", English) in the order good community managers use (see docs/agents.md):
for a complaint an apology naming the problem, for a question thanks; the
article's own answer; the document; and, when needed, the private step. These
texts are the ``{apology}`` and ``{privacy}`` values of the reply templates
(kb.services.composer); they are never translated through the UI's catalogue
because they are written in the *reply's* language, not the agent's. A post
that only thanks or praises is simply thanked back (:func:`thank_you`), with
no article and no link.

Nothing here takes a word from the customer's post: the problem an apology
names comes from the article's front matter (``problem:``), the data kinds a
privacy ask names are kb.reading.personal_data's kinds.
"""

from __future__ import annotations

# {problem} is the article's ``problem:`` ("paketnya belum sampai").
_APOLOGY_NAMED: dict[tuple[str, str], str] = {
    ("id", "formal"): "Mohon maaf {problem}, Bapak/Ibu.",
    ("id", "casual"): "Mohon maaf {problem}, Kak 🙏",
    ("en", "formal"): "We are sorry {problem}.",
    ("en", "casual"): "So sorry {problem} 🙏",
}
_APOLOGY: dict[tuple[str, str], str] = {
    ("id", "formal"): "Mohon maaf atas kendalanya, Bapak/Ibu.",
    ("id", "casual"): "Mohon maaf atas kendalanya, Kak 🙏",
    ("en", "formal"): "We are sorry for the trouble.",
    ("en", "casual"): "So sorry for the trouble 🙏",
}
_THANKS: dict[tuple[str, str], str] = {
    ("id", "formal"): "Halo Bapak/Ibu, terima kasih sudah bertanya.",
    ("id", "casual"): "Halo Kak, makasih sudah tanya 😊",
    ("en", "formal"): "Hello, thank you for asking.",
    ("en", "casual"): "Hi there, thanks for asking!",
}
# The whole reply to a post that only thanks or praises ("makasih, cepet bgt
# nyampenya 😍"): thanks back, warmly, and nothing to sell or link.
_THANK_YOU: dict[tuple[str, str], str] = {
    ("id", "formal"): "Terima kasih banyak, Bapak/Ibu. Senang sekali mendengarnya 🙏",
    ("id", "casual"): "Makasih banyak, Kak! Ikut senang dengarnya 😊",
    ("en", "formal"): "Thank you very much. We are glad to hear it.",
    ("en", "casual"): "Thanks so much! So glad to hear it 😊",
}
_HELLO: dict[tuple[str, str], str] = {
    ("id", "formal"): "Halo Bapak/Ibu, terima kasih.",
    ("id", "casual"): "Halo Kak, makasih ya 😊",
    ("en", "formal"): "Hello, thank you.",
    ("en", "casual"): "Hi there, thanks!",
}
# {data}: the kinds the post exposed, named as people say them.
_PRIVACY: dict[tuple[str, str], str] = {
    ("id", "formal"): "Demi keamanan, mohon {data} tidak ditulis di komentar publik.",
    ("id", "casual"): "Biar aman, {data} jangan ditulis di komentar publik ya, Kak 🙏",
    ("en", "formal"): "For your safety, please keep {data} out of public comments.",
    ("en", "casual"): "To keep you safe, please leave {data} out of public comments 🙏",
}
# When the whole ask does not fit (TikTok's 150 characters): the point of it,
# without naming the kinds.
_PRIVACY_SHORT: dict[tuple[str, str], str] = {
    ("id", "formal"): "Mohon data pribadi tidak ditulis di sini.",
    ("id", "casual"): "Data pribadi jangan ditulis di sini ya 🙏",
    ("en", "formal"): "Please do not post personal details here.",
    ("en", "casual"): "Please don't post personal details here 🙏",
}
# The opening's short form, for a private step with no room for the whole one.
_APOLOGY_SHORT: dict[tuple[str, str], str] = {
    ("id", "formal"): "Mohon maaf, Bapak/Ibu.",
    ("id", "casual"): "Maaf ya, Kak 🙏",
    ("en", "formal"): "We are sorry.",
    ("en", "casual"): "So sorry 🙏",
}
_HELLO_SHORT: dict[tuple[str, str], str] = {
    ("id", "formal"): "Halo Bapak/Ibu.",
    ("id", "casual"): "Halo Kak 😊",
    ("en", "formal"): "Hello.",
    ("en", "casual"): "Hi there!",
}
_DATA_NAMES: dict[str, dict[str, str]] = {
    "id": {
        "email": "email",
        "phone": "nomor HP",
        "card": "nomor kartu",
        "account": "nomor rekening",
        "order": "nomor pesanan",
        "tracking": "nomor resi",
        "reference": "nomor tiket",
        "id_number": "nomor KTP",
        "address": "alamat",
        "number": "nomor pribadi",
    },
    "en": {
        "email": "your email",
        "phone": "your phone number",
        "card": "your card number",
        "account": "your account number",
        "order": "your order number",
        "tracking": "your tracking number",
        "reference": "your ticket reference",
        "id_number": "your ID number",
        "address": "your address",
        "number": "personal numbers",
    },
}
_AND = {"id": "dan", "en": "and"}
MAX_DATA_NAMES = 2  # "nomor pesanan dan nomor HP"; more reads like a list


def opening(
    lang: str, tone: str, *, complaint: bool, question: bool, problem: str = ""
) -> str:
    """The ``{apology}`` value: an apology naming ``problem`` for a complaint,
    a general apology without one, thanks for a question, else a greeting."""
    key = (lang, tone)
    if complaint:
        return _APOLOGY_NAMED[key].format(problem=problem) if problem else _APOLOGY[key]
    return _THANKS[key] if question else _HELLO[key]


def thank_you(lang: str, tone: str) -> str:
    """The thank-you that answers a post that only thanks or praises."""
    return _THANK_YOU[(lang, tone)]


def opening_short(lang: str, tone: str, *, complaint: bool) -> str:
    """The opening's short form: a bare apology for a complaint, else hello."""
    key = (lang, tone)
    return _APOLOGY_SHORT[key] if complaint else _HELLO_SHORT[key]


def privacy_short(lang: str, tone: str, kinds: tuple[str, ...]) -> str:
    """The ``{privacy}`` ask's short form (no kinds named); "" when none."""
    return _PRIVACY_SHORT[(lang, tone)] if kinds else ""


def privacy(lang: str, tone: str, kinds: tuple[str, ...]) -> str:
    """The ``{privacy}`` value: a gentle ask to keep the exposed data out of
    public comments, naming (at most two of) its kinds; "" when none."""
    if not kinds:
        return ""
    names = list(dict.fromkeys(_DATA_NAMES[lang][k] for k in kinds))[:MAX_DATA_NAMES]
    data = f" {_AND[lang]} ".join(names)
    return _PRIVACY[(lang, tone)].format(data=data)
