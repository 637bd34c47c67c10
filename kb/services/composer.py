"""Public replies: wording from reply templates, platform limits, canned responses.

Replies are written for public threads, so nothing here ever takes a customer's
name, email or order number: the only values are the article, its link and the
handoff link.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.cache import Cache
from kb.services import public_replies, reply_wording
from kb.storage.models import CannedResponse, LinkedArticle, ReplyTemplate, utcnow

LANGS = ("id", "en")
TONES = ("formal", "casual")
KINDS = ("answer", "handoff", "welcome")
PLACEHOLDERS = (
    "title",
    "section",
    "link",
    "handoff",
    "apology",
    "answer",
    "document",
    "privacy",
)
# Placeholders each kind's template must contain (checked when an admin saves);
# {document} carries the link too, so it stands for {link}.
REQUIRED_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "answer": ("link",),
    "handoff": ("link", "handoff"),
    "welcome": ("link",),
}
_STANDS_FOR = {"link": ("link", "document")}
CANNED_PLACEHOLDERS = ("customer_name", "reference", "agent_name")
# The article a "welcome" reply links: how to get help (by translation key).
WELCOME_ARTICLE = "contact-support"

# Characters per public reply; None means the platform sets no practical limit.
PLATFORM_LIMITS: dict[str, int | None] = {
    "x": 280,
    "instagram": 2200,
    "facebook": 8000,
    "tiktok": 150,
    "whatsapp": 65536,
    "forum": None,
    "other": None,
}
X_LINK_LENGTH = 23  # X shortens every link to t.co, whatever its real length

# A link ends its line: punctuation right after a URL would be read as part of
# it by most platforms, and " ." looks like a typo. The next sentence starts on
# a new line instead. {apology} is the opening (an apology naming the problem
# for a complaint, thanks for a question), {answer} the article's own sentences,
# {document} the article › section and its link, {privacy} the ask to keep
# exposed data out of public comments (kb.services.reply_wording).
DEFAULTS: dict[tuple[str, str, str], str] = {
    ("id", "formal", "answer"): "{apology} {answer}\nSelengkapnya di {document}",
    ("id", "formal", "handoff"): (
        "{apology} {answer}\nSelengkapnya di {document}\n"
        "Mari lanjutkan secara pribadi agar data Anda aman: {handoff}\n{privacy}"
    ),
    ("id", "formal", "welcome"): (
        "Selamat datang, Bapak/Ibu! Panduan bantuan kami: {link} 🙏"
    ),
    ("id", "casual", "answer"): "{apology} {answer}\nDetailnya di {document}",
    ("id", "casual", "handoff"): (
        "{apology} {answer}\nDetailnya di {document}\n"
        "Lanjut secara pribadi ya, Kak, biar data Kakak aman: {handoff}\n"
        "{privacy}"
    ),
    ("id", "casual", "welcome"): (
        "Halo Kak, selamat datang! Butuh bantuan? Cek di sini: {link} 😊"
    ),
    ("en", "formal", "answer"): "{apology} {answer}\nMore in {document}",
    ("en", "formal", "handoff"): (
        "{apology} {answer}\nMore in {document}\n"
        "Continue privately so your details stay safe: {handoff}\n{privacy}"
    ),
    ("en", "formal", "welcome"): "Welcome to Toko Rona! Here's how to get help: {link}",
    ("en", "casual", "answer"): "{apology} {answer}\nMore in {document}",
    ("en", "casual", "handoff"): (
        "{apology} {answer}\nMore in {document}\n"
        "Let's continue privately so your details stay safe: {handoff}\n{privacy}"
    ),
    ("en", "casual", "welcome"): (
        "Hi, welcome to Toko Rona! 👋 Need a hand? Here's how: {link}"
    ),
}

_PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")
_URL = re.compile(r"https?://\S+")
# A sentence ends after . ! ? or an emoji-like symbol followed by a space, or at
# a line break (kept as it is: the platforms show it).
_SENTENCE_END = re.compile(r"((?<=[.!?\u2600-\U0001faff])[ \t]+|[ \t]*\n+[ \t]*)")
# "{link} ." written by hand: the space before the mark is dropped.
_SPACED_MARK = re.compile(r"(\S) +([.,!?;:])(?=\s|$)")


@dataclass(frozen=True)
class ReplyInput:
    """What a public reply may contain: never personal data."""

    lang: str
    tone: str
    platform: str
    title: str
    link: str
    section: str = ""
    handoff: str = ""
    code: str = ""  # the reply's r= code: views of its link count for it
    # From a read post (kb.services.drafting); empty for a reply composed by hand.
    apology: str = ""  # the opening: "" means thanks
    privacy: str = ""
    calm: bool = False  # a complaint: no exclamation mark anywhere
    # Shorter forms a private step falls back on before it loses the privacy ask.
    apology_short: str = ""
    privacy_short: str = ""
    # A drafted answer: the article's answer outlasts the opening's long form
    # ("Maaf ya, Kak 🙏" and the answer beat the named apology and no answer).
    answer_first: bool = False


@dataclass(frozen=True)
class Reply:
    """A composed reply with its length as the platform counts it."""

    text: str
    length: int
    limit: int | None

    @property
    def over(self) -> bool:
        """True when the reply does not fit the platform's limit."""
        return self.limit is not None and self.length > self.limit


def missing_placeholders(body: str, kind: str) -> list[str]:
    """The placeholders ``kind``'s template must contain that ``body`` lacks."""
    found = set(_PLACEHOLDER.findall(body))
    return [
        name
        for name in REQUIRED_PLACEHOLDERS.get(kind, ())
        if not found & set(_STANDS_FOR.get(name, (name,)))
    ]


def unknown_placeholders(body: str, allowed: tuple[str, ...] = PLACEHOLDERS) -> list:
    """The ``{name}`` placeholders in ``body`` that are not in ``allowed``."""
    found = [name for name in _PLACEHOLDER.findall(body) if name not in allowed]
    return sorted(set(found))


# X counts Latin, punctuation and a few symbols once; CJK and emoji (every
# character outside these ranges) twice.
_X_HEAVY = re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")


def count(text: str, platform: str) -> int:
    """The length of ``text`` as ``platform`` counts it."""
    text = unicodedata.normalize("NFC", text)
    if platform != "x":
        return len(text)
    without_links = _URL.sub("", text)
    links = len(_URL.findall(text))
    heavy = len(_X_HEAVY.findall(without_links))
    return links * X_LINK_LENGTH + len(without_links) + heavy


def limit_for(platform: str) -> int | None:
    """The platform's character limit, or None when it has none."""
    return PLATFORM_LIMITS.get(platform)


def template_body(db: Session, lang: str, tone: str, kind: str) -> str:
    """The admin's wording for this combination, else the built-in default."""
    row = _template_row(db, lang, tone, kind)
    return row.body if row else DEFAULTS[(lang, tone, kind)]


def _template_cache() -> Cache[dict[str, str]] | None:
    if not has_app_context():
        return None
    return current_app.extensions.get("jawab.reply_templates")


def forget_templates() -> None:
    """Drop this worker's kept wording (after an admin saved or restored one)."""
    cache = _template_cache()
    if cache is not None:
        cache.clear()


def template_bodies(db: Session, lang: str, tone: str) -> dict[str, str]:
    """Every kind's wording for this language and tone (kept for a few seconds).

    Every draft needs them; reading them was a query (a round trip on
    PostgreSQL) per draft. The worker keeps them for
    :data:`kb.cache.REPLY_TEMPLATE_SECONDS`: an admin's change shows at once in
    the worker that saved it and within that time in every other one.
    """
    cache = _template_cache()
    if cache is None:
        return _read_template_bodies(db, lang, tone)
    kept = cache.get_or_make(
        (lang, tone), lambda: _read_template_bodies(db, lang, tone)
    )
    return dict(kept)


def _read_template_bodies(db: Session, lang: str, tone: str) -> dict[str, str]:
    query = (
        select(ReplyTemplate)
        .where(ReplyTemplate.lang == lang, ReplyTemplate.tone == tone)
        .order_by(ReplyTemplate.id)
    )
    saved = {row.kind: row.body for row in db.scalars(query)}  # the newest wins
    return {kind: saved.get(kind, DEFAULTS[(lang, tone, kind)]) for kind in KINDS}


def is_customized(db: Session, lang: str, tone: str, kind: str) -> bool:
    """True when an admin saved their own wording for this combination."""
    return _template_row(db, lang, tone, kind) is not None


def restore_template(db: Session, lang: str, tone: str, kind: str) -> None:
    """Forget the admin's wording: the built-in text is used again."""
    query = select(ReplyTemplate).where(
        ReplyTemplate.lang == lang,
        ReplyTemplate.tone == tone,
        ReplyTemplate.kind == kind,
    )
    for row in db.scalars(query):
        db.delete(row)
    db.commit()
    forget_templates()


def _template_row(db: Session, lang: str, tone: str, kind: str) -> ReplyTemplate | None:
    query = select(ReplyTemplate).where(
        ReplyTemplate.lang == lang,
        ReplyTemplate.tone == tone,
        ReplyTemplate.kind == kind,
    )
    return db.scalars(query.order_by(ReplyTemplate.id.desc())).first()


def save_template(db: Session, lang: str, tone: str, kind: str, body: str) -> None:
    """Store the wording for one language, tone and kind."""
    row = _template_row(db, lang, tone, kind)
    if row is None:
        row = ReplyTemplate(lang=lang, tone=tone, kind=kind, body=body)
        db.add(row)
    row.body = body
    row.updated_at = utcnow()
    db.commit()
    forget_templates()


def fill(body: str, values: dict[str, str]) -> str:
    """Fill the placeholders; a sentence whose placeholder has no value is left out.

    That lets one template serve a reply with and without an article link. A
    "sentence" of placeholders alone (``{apology} {answer}``) is not one: each
    empty placeholder in it is left out by itself.
    """
    parts = _SENTENCE_END.split(body.strip())
    kept: list[str] = []
    for index in range(0, len(parts), 2):
        sentence = parts[index]
        names = _PLACEHOLDER.findall(sentence)
        if names and not _PLACEHOLDER.sub("", sentence).strip():
            sentence = " ".join(
                f"{{{name}}}" for name in names if values.get(name, "x")
            )
            names = []
        if not sentence or any(name in values and not values[name] for name in names):
            continue
        if kept:
            separator = parts[index - 1]
            kept.append("\n" if "\n" in separator else " ")
        kept.append(
            _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), sentence)
        )
    return _SPACED_MARK.sub(r"\1\2", "".join(kept))


def reply_link(article_url: str, platform: str, section: str | None = None) -> str:
    """The article's link as a public reply carries it (the one place it is built).

    ``?src=`` says where readers came from; ``?s=`` lets the thread's link
    preview show the section (a #fragment never reaches the server), and the
    #fragment scrolls to it.
    """
    values = {"src": platform}
    if section:
        values["s"] = section
    link = f"{article_url}?{urlencode(values)}"
    return f"{link}#{quote(section, safe='-_')}" if section else link


def with_reply_code(link: str, code: str) -> str:
    """``link`` carrying ``r=<code>`` (before any #fragment), so views count."""
    if not code or not link:
        return link
    base, hash_, fragment = link.partition("#")
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}r={code}{hash_}{fragment}"


# How much of the document a reply names, richest first: "Title › Section",
# "Title", the link alone, and (a handoff only) nothing.
_DOCUMENT_LEVELS = ("full", "title", "link", "none")
# An answer shorter than this says too little: first the document gives up
# its names to make room, then the reply goes without an answer.
MIN_ANSWER = 45


def document(title: str, section: str, link: str, level: str = "full") -> str:
    """The ``{document}`` value: “Title › Section”: link (less at a lower level)."""
    if level == "none" or not link:
        return ""
    name = f"{title} › {section}" if section and level == "full" else title
    return f"“{name}”: {link}" if name and level != "link" else link


def calm(text: str) -> str:
    """``text`` without exclamation marks (they read as a raised voice)."""
    text = re.sub(r"[!?]*![!?]*", lambda m: "?" if "?" in m.group() else ".", text)
    return text.replace("..", ".")


def compose(
    db: Session,
    data: ReplyInput,
    kind: str | None = None,
    answer_for: Callable[[int | None], str] | None = None,
    body: str | None = None,
) -> Reply:
    """The public reply for an article, fitted to the platform's limit.

    ``body`` is the template when the caller already has it (else it is read).
    ``answer_for(budget)`` gives the article's answer within ``budget``
    characters (None: no limit), or "". When the whole text is over the limit,
    optional parts go in this order until it fits: the answer is shortened
    (kb.services.answers.extract), the document loses its section name, then
    its title, then the answer goes; a handoff may lose the article's link (the
    private form names the article anyway). Then a drafted reply's opening
    takes its short form (``apology_short``) and goes. The privacy ask is the
    point of a private step, so it outlasts all of these: it takes its short
    form (``privacy_short``) before the opening goes, and goes last of all.
    A reply that cannot be posted helps nobody.
    """
    kind = kind or ("handoff" if data.handoff else "answer")
    if body is None:
        body = template_body(db, data.lang, data.tone, kind)
    limit = limit_for(data.platform)
    opening = data.apology or reply_wording.opening(
        data.lang, data.tone, complaint=False, question=False
    )
    link = with_reply_code(data.link, data.code)
    levels = _DOCUMENT_LEVELS if data.handoff else _DOCUMENT_LEVELS[:-1]
    wants_answer = answer_for is not None and "{answer}" in body
    text = ""
    for said, privacy, with_answer, cut_ok in _attempts(data, opening, wants_answer):
        # A whole answer with less of the document's name beats an answer
        # cut mid-thought ("…") with more of it.
        for level in levels:
            values = {
                "title": data.title if level != "none" else "",
                "section": data.section if level != "none" else "",
                "link": link if level != "none" else "",
                "handoff": data.handoff,
                "apology": said,
                "answer": "",
                "document": document(data.title, data.section, link, level),
                "privacy": privacy,
            }
            text = _fitted(body, values, data, limit, with_answer, answer_for, cut_ok)
            if text:
                return Reply(text, count(text, data.platform), limit)
    # Nothing fits (a template too long for the platform): the fullest text,
    # over the limit, for the agent to shorten by hand.
    values = {
        "title": data.title,
        "section": data.section,
        "link": link,
        "handoff": data.handoff,
        "apology": opening,
        "answer": answer_for(None) if answer_for else "",
        "document": document(data.title, data.section, link),
        "privacy": data.privacy,
    }
    text = _finish(fill(body, values), data.calm)
    return Reply(text, count(text, data.platform), limit)


def _attempts(
    data: ReplyInput, opening: str, wants_answer: bool
) -> list[tuple[str, str, bool, bool]]:
    """(opening, privacy ask, with the answer?, may it be cut?) in the order
    they are tried, each at every level of the document's name.

    Each opening is tried with a whole answer, a cut one, then none. A drafted
    answer (``answer_first``) tries every opening that says something with a
    whole answer, then with a cut one, before any goes without.
    """
    shapes = (
        [(True, False), (True, True), (False, True)]
        if wants_answer
        else [(False, True)]
    )
    spoken = _spoken(data, opening)
    tried = [(said, ask, *shape) for said, ask in spoken for shape in shapes]
    if not (wants_answer and data.answer_first):
        return tried
    saying = [t for t in tried if t[0]]
    return [t for shape in shapes for t in saying if t[2:] == shape] + [
        t for t in tried if not t[0]
    ]


def _spoken(data: ReplyInput, opening: str) -> list[tuple[str, str]]:
    """(opening, privacy ask) pairs, in the order they are tried.

    A drafted reply may shorten, then lose, its opening; a reply composed by
    hand keeps it (its over-the-limit warning tells the agent to shorten the
    link). The privacy ask outlasts the opening: whole or short, it is tried
    with every opening before any reply goes without it.
    """
    openings = [opening]
    if data.apology:
        if data.apology_short and data.apology_short != opening:
            openings.append(data.apology_short)
        openings.append("")
    asks = [a for a in (data.privacy, data.privacy_short) if a]
    if not asks:
        return [(said, "") for said in openings]
    said_something = [said for said in openings if said]
    pairs = [(said, ask) for ask in asks for said in said_something]
    if "" in openings:
        pairs += [("", ask) for ask in asks]
    return pairs + [(said, "") for said in openings]


def _fitted(
    body: str,
    values: dict[str, str],
    data: ReplyInput,
    limit: int | None,
    with_answer: bool,
    answer_for: Callable[[int | None], str] | None,
    cut_ok: bool = True,
) -> str:
    """The filled text when it fits ``limit`` (with the answer if asked), else "".

    Without ``cut_ok``, an answer shortened mid-sentence ("…") does not fit.
    """
    bare = _finish(fill(body, values), data.calm)
    if data.handoff and data.handoff not in bare:
        return ""  # an admin's handoff template that drops its link: never
    if with_answer and answer_for is not None:
        budget = None
        if limit is not None:
            # Each character of the answer counts once, plus the joining space.
            budget = limit - count(bare, data.platform) - 1
            if budget < MIN_ANSWER:
                return ""
        answer = answer_for(budget)
        if len(answer) < MIN_ANSWER or (not cut_ok and answer.endswith("…")):
            return ""
        text = _finish(fill(body, {**values, "answer": answer}), data.calm)
    else:
        text = bare
    if limit is not None and count(text, data.platform) > limit:
        return ""
    return text


def _finish(text: str, calm_down: bool) -> str:
    return calm(text) if calm_down else text


def record_use(
    db: Session,
    user_id: int,
    slug: str,
    section: str | None,
    platform: str,
    *,
    code: str = "",
    lang: str = "id",
    case_code: str | None = None,
    kind: str = "answer",
) -> None:
    """Remember that an agent linked an article (or a section) in a public thread.

    With the reply's ``code`` the reply itself is recorded too, for its link
    views and outcome (kb.services.public_replies).
    """
    if code and public_replies.valid_code(code):
        public_replies.record(
            db,
            code=code,
            user_id=user_id,
            slug=slug,
            section=section,
            lang=lang,
            platform=platform,
            case_code=case_code,
            kind=kind if kind in KINDS else "answer",
        )
    db.add(
        LinkedArticle(
            user_id=user_id,
            article_slug=slug,
            section=section or None,
            context="public",
            platform=platform,
        )
    )
    db.commit()


# -- canned responses (private replies: plain text, nothing is escaped) -------


def fill_canned(body: str, customer_name: str, reference: str, agent_name: str) -> str:
    """Fill a canned response; unknown placeholders stay as they are."""
    values = {
        "customer_name": customer_name,
        "reference": reference,
        "agent_name": agent_name,
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def canned_responses(db: Session) -> list[CannedResponse]:
    """Every canned response, by language and title."""
    query = select(CannedResponse).order_by(CannedResponse.lang, CannedResponse.title)
    return list(db.scalars(query))


def canned(db: Session, canned_id: int) -> CannedResponse | None:
    """One canned response by id."""
    return db.get(CannedResponse, canned_id)


def save_canned(
    db: Session, found: CannedResponse | None, title: str, lang: str, body: str
) -> CannedResponse:
    """Create a canned response, or change ``found``."""
    if found is None:
        found = CannedResponse(title=title, lang=lang, body=body)
        db.add(found)
    found.title, found.lang, found.body = title, lang, body
    found.updated_at = utcnow()
    db.commit()
    return found


def delete_canned(db: Session, found: CannedResponse) -> None:
    """Remove a canned response."""
    db.delete(found)
    db.commit()
