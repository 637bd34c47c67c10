"""Draft public replies from a customer's post, in one step.

:func:`draft` reads the post (kb.reading), finds up to three articles with
the section that answers it (kb.services.answers.candidates, which asks
kb.services.sections), takes the chosen one's answer in its own words
(kb.services.answers.extract) and words three replies that fit the platform
(kb.services.composer.compose): the shortest, the standard one, and one with
the private step.

A post that only thanks or praises (kb.reading's ``thanks``) needs no article:
unless the agent picks one, it gets one reply, a warm thank-you in the reply's
language and tone (kb.services.reply_wording.thank_you), with no link, and no
short link row is written; the candidates are still found for the agent. When
it also exposed personal data, the thank-you asks to keep it out of public
comments and the private step follows as for any post without an article.

The post is read and forgotten: nothing here stores it, logs it or puts any of
it in a reply. Its personal data (and any long number, email or @handle in it)
is kept out of every reply, even when an article happens to contain the same
digits; links are made by the caller (:class:`Links`), so the short link's
row is the only thing a draft writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from kb import reading
from kb.markdown import Heading
from kb.reading import Reading, personal_data
from kb.services import answers, composer, public_replies, reply_wording, sections
from kb.services.articles import Library
from kb.services.search import SearchService
from kb.storage.articles import ArticleFile

MAX_CANDIDATES = 3
DEFAULT_TONE = "casual"  # "Kak" is the safe default in Indonesian threads
# The three replies: (key, template kind, most sentences of the answer, at most
# this many characters of answer, how much of the document it names).
SHORTEST, STANDARD, PRIVATE = "shortest", "standard", "private"
THANKS = "thanks"  # the one reply to a post that only thanks (key and kind)
_SHAPES = (
    (SHORTEST, "answer", 1, 110, False),
    (STANDARD, "answer", answers.MAX_SENTENCES, 320, True),
    (PRIVATE, "handoff", 1, 200, True),
)
# The shortest reply's answer may grow to one sentence of this many characters
# when nothing whole fits its own length (on platforms with room).
ONE_SENTENCE = 200
_HANDLE = re.compile(r"(?<![\w.])@\w{2,}")
_LONG_NUMBER = re.compile(r"\d{4,}")
_DIGITS = re.compile(r"\d+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def repeats(text: str, avoid: tuple[str, ...]) -> bool:
    """True when ``text`` holds any of ``avoid`` (a number only as a whole run)."""
    for piece in avoid:
        if piece.isdigit():
            if re.search(rf"(?<!\d){piece}(?!\d)", text):
                return True
        elif piece in text:
            return True
    return False


@dataclass(frozen=True)
class DraftRequest:
    """What the agent sent: the post and how to answer it."""

    post: str
    platform: str
    lang: str | None = None  # the reply's language; None: the post's
    tone: str | None = None  # formal or casual; None: DEFAULT_TONE
    thread_url: str = ""  # kept out of the replies; for the agent's own use
    article: str = ""  # the agent's pick among the candidates (slug)
    section: str | None = None  # its anchor; "": the whole article; None: best


@dataclass(frozen=True)
class Links:
    """How the caller makes links (it knows the URLs; a draft writes no link itself).

    ``short(slug, lang, anchor, code)``: the reply's short link;
    ``handoff(slug)``: the private contact form's link (slug may be None);
    ``private(code)``: the short link to that form from the row ``short``
    wrote (``/p/<code>``), used whenever there is one: the long link would
    leave no room on TikTok for the privacy ask.
    """

    short: Callable[[str, str, str | None, str], str]
    handoff: Callable[[str | None], str]
    private: Callable[[str], str] | None = None


@dataclass(frozen=True)
class DraftReply:
    """One ready reply and how the platform counts it."""

    key: str  # shortest, standard, private or thanks
    kind: str  # the template kind used (answer or handoff), or thanks
    text: str
    length: int
    limit: int | None
    link: str  # the short link it carries, or ""

    @property
    def handoff(self) -> bool:
        """True for the reply with the private step."""
        return self.kind == "handoff"

    @property
    def over(self) -> bool:
        """True when the reply does not fit the platform's limit."""
        return self.limit is not None and self.length > self.limit


@dataclass(frozen=True)
class Draft:
    """Everything the composer shows for one post."""

    reading: Reading
    lang: str
    tone: str
    platform: str
    candidates: tuple[answers.Candidate, ...]
    article: ArticleFile | None
    section: Heading | None
    sections: tuple[Heading, ...]
    answer: str | None
    replies: tuple[DraftReply, ...]
    code: str


def avoided(post: str) -> tuple[str, ...]:
    """What no reply may repeat from ``post``: its personal data (and their
    digit runs), any run of four or more digits, emails and @handles."""
    out: set[str] = set()
    for found in personal_data.find(post):
        piece = post[found.start : found.end]
        out.add(piece)
        out.update(_DIGITS.findall(piece))
    out.update(_LONG_NUMBER.findall(post))
    out.update(_HANDLE.findall(post))
    out.update(_EMAIL.findall(post))
    return tuple(sorted(s for s in out if s.strip()))


def draft(
    db: Session,
    search: SearchService,
    library: Library,
    request: DraftRequest,
    links: Links,
) -> Draft:
    """Read the post, pick the article and section, and word three replies
    (a post that only thanks: a thank-you, and no article unless picked).

    Raises ValueError for a post over kb.reading.MAX_LENGTH characters.
    """
    read = reading.read(request.post, lang=request.lang)
    lang = request.lang if request.lang in composer.LANGS else read.lang
    lang = lang if lang in composer.LANGS else "id"
    tone = request.tone if request.tone in composer.TONES else DEFAULT_TONE
    query = read.query or personal_data.scrub(request.post)
    found = answers.candidates(
        search, library, query, read.lang, MAX_CANDIDATES, read.complaint
    )
    if not found and read.lang != lang:
        found = answers.candidates(
            search, library, query, lang, MAX_CANDIDATES, read.complaint
        )
    # Thanks need no article: the candidates stay for the agent to pick one.
    thanked = read.thanks and not request.article
    article, anchor = (
        (None, None)
        if thanked
        else _chosen(library, found, request, query, read.complaint)
    )
    article, anchor = _in_lang(library, article, anchor, lang)
    headings = tuple(library.headings(article.slug)) if article else ()
    section = next((h for h in headings if h.anchor == anchor), None)
    avoid = avoided(request.post)
    code = _code(avoid)
    confidence = next(
        (c.confidence for c in found if article and c.slug == article.slug), 0.0
    )

    # Each answer given, with how much of the post it answers (Answer.score):
    # a reply's answer is weighed against the one a shorter opening leaves
    # room for.
    said: dict[str, float] = {}

    def answer_for(most: int, cap: int) -> Callable[[int | None], str]:
        def within(budget: int | None) -> str:
            if article is None:
                return ""
            # The shape's own size first; when nothing whole and long enough
            # to say something fits it (one short step, "Ketuk Ubah alamat."),
            # up to ONE_SENTENCE characters, then with the unit beside it: a
            # short reply with the answer beats one without it.
            sizes = (
                (most, cap),
                (most, ONE_SENTENCE),
                (answers.MAX_SENTENCES, ONE_SENTENCE),
            )
            fallback = ""
            for sentences, most_chars in dict.fromkeys(sizes):
                found_answer = answers.extract(
                    library,
                    article.slug,
                    section.anchor if section else None,
                    query,
                    budget=most_chars if budget is None else min(budget, most_chars),
                    confidence=confidence,
                    max_sentences=sentences,
                    avoid=avoid,
                    # A reply cut mid-thought ("…") reads careless in public.
                    whole=True,
                    min_length=composer.MIN_ANSWER,
                )
                if found_answer is None:
                    continue
                text = found_answer.text
                said[text] = found_answer.score
                if not found_answer.shortened and len(text) >= composer.MIN_ANSWER:
                    return text
                fallback = fallback or text
            return fallback

        return within

    problem = _problem(library, article, lang)
    opening = (
        reply_wording.thank_you(lang, tone)
        if thanked
        else reply_wording.opening(
            lang,
            tone,
            complaint=read.complaint,
            question=read.question,
            problem=problem,
        )
    )
    short = (
        links.short(
            article.slug, article.lang, section.anchor if section else None, code
        )
        if article
        else ""
    )
    privacy = reply_wording.privacy(lang, tone, read.personal_data)
    privacy_short = reply_wording.privacy_short(lang, tone, read.personal_data)
    opening_short = reply_wording.opening_short(lang, tone, complaint=read.complaint)
    # The short link's row knows the article and platform: the private form's
    # short link comes from the same code.
    private_link = links.private(code) if short and links.private else ""
    bodies = composer.template_bodies(db, lang, tone)
    replies = []
    if thanked:
        replies.append(_thank_you(lang, tone, request.platform, read.personal_data))
    for key, kind, most, cap, names in _SHAPES:
        if article is None and kind != "handoff":
            continue  # with no article there is nothing to link but the private form
        if thanked and not read.private:
            continue  # the thank-you says it all; exposed data still goes private
        handoff = ""
        if kind == "handoff":
            handoff = private_link or links.handoff(article.slug if article else None)
        base = composer.ReplyInput(
            lang=lang,
            tone=tone,
            platform=request.platform,
            title=article.title if article and names else "",
            section=section.text if section and names else "",
            link=short,
            handoff=handoff,
            apology=opening,
            privacy=privacy if kind == "handoff" else "",
            # An answer's short opening is still an apology or a greeting, and
            # with the article's answer it says more than the long one without.
            apology_short=opening_short,
            privacy_short=privacy_short if kind == "handoff" else "",
            calm=read.complaint,
            # The standard reply to a complaint keeps the apology that names
            # the problem before the answer; the shortest one keeps the answer.
            answer_first=kind != "handoff" and (key == SHORTEST or not read.complaint),
        )
        answer_of = answer_for(most, cap) if article else None
        reply = composer.compose(
            db, base, kind=kind, answer_for=answer_of, body=bodies[kind]
        )
        # With ONE_SENTENCE characters to spare the answer had all the room
        # it can use: a shorter opening cannot leave it more.
        tight = reply.limit is not None and reply.limit - reply.length < ONE_SENTENCE
        if key == SHORTEST and tight and opening_short and opening in reply.text:
            # The long opening left room for a lesser answer only (a tip
            # beside the rule): the short opening with the better one says
            # more ("Maaf ya, Kak 🙏" + the rule beats the named apology + a
            # tip). The standard reply keeps its thanks or named apology.
            terse = composer.compose(
                db,
                replace(base, apology=opening_short, apology_short=""),
                kind=kind,
                answer_for=answer_of,
                body=bodies[kind],
            )
            if _answered(terse.text, said) > _answered(reply.text, said):
                reply = terse
        if (
            kind == "handoff"
            and article
            and not private_link
            and opening not in reply.text
        ):
            # No room for the opening: the private form's link without the
            # article (the form asks for it) leaves room.
            shorter = replace(base, handoff=links.handoff(None))
            again = composer.compose(
                db, shorter, kind=kind, answer_for=answer_of, body=bodies[kind]
            )
            reply = again if opening in again.text else reply
        if repeats(reply.text, avoid):  # an article's digits, by chance
            reply = composer.compose(db, base, kind=kind, body=bodies[kind])
        link = short if short and short in reply.text else ""
        replies.append(
            DraftReply(key, kind, reply.text, reply.length, reply.limit, link)
        )
    answer = answer_for(answers.MAX_SENTENCES, 320)(None) if article else ""
    return Draft(
        reading=read,
        lang=lang,
        tone=tone,
        platform=request.platform,
        candidates=found,
        article=article,
        section=section,
        sections=headings,
        answer=answer or None,
        replies=tuple(replies),
        code=code,
    )


def _answered(text: str, said: dict[str, float]) -> float:
    """How much of the post the answer in ``text`` answers (0: none)."""
    return max(
        (
            score
            for answer, score in said.items()
            if answer and (answer in text or composer.calm(answer) in text)
        ),
        default=0.0,
    )


def _thank_you(
    lang: str, tone: str, platform: str, personal_data: tuple[str, ...]
) -> DraftReply:
    """The one reply to a post that only thanks: a thank-you and, when the post
    exposed data, the privacy ask (whole, else short, else none: it must fit)."""
    thanks = reply_wording.thank_you(lang, tone)
    asks = (
        reply_wording.privacy(lang, tone, personal_data),
        reply_wording.privacy_short(lang, tone, personal_data),
    )
    limit = composer.limit_for(platform)
    texts = [f"{thanks}\n{ask}" for ask in asks if ask]
    text = next(
        (t for t in texts if limit is None or composer.count(t, platform) <= limit),
        thanks,
    )
    return DraftReply(THANKS, THANKS, text, composer.count(text, platform), limit, "")


def _chosen(
    library: Library,
    found: tuple[answers.Candidate, ...],
    request: DraftRequest,
    query: str,
    complaint: bool,
) -> tuple[ArticleFile | None, str | None]:
    """The agent's pick (any published article) or the best candidate.

    A picked article that is no candidate gets its section chosen the same way.
    """
    if request.article:
        picked = library.get(request.article)
        if picked is not None:
            if request.section is None:
                candidate = next((c for c in found if c.slug == picked.slug), None)
                if candidate is not None:
                    anchor = candidate.anchor
                else:
                    scored = sections.choose(library, picked.slug, query, complaint)
                    anchor = scored.anchor if scored else None
            else:
                anchor = request.section or None
            return picked, anchor
    if not found:
        return None, None
    best = found[0]
    return library.get(best.slug), best.anchor


def _in_lang(
    library: Library, article: ArticleFile | None, anchor: str | None, lang: str
) -> tuple[ArticleFile | None, str | None]:
    """The same article (and section, by its place) in the reply's language."""
    if article is None or article.lang == lang:
        return article, anchor
    other = library.translation_of(article, lang)
    if other is None:
        return article, anchor
    mine = [h.anchor for h in library.headings(article.slug)]
    theirs = [h.anchor for h in library.headings(other.slug)]
    if anchor in mine and len(mine) == len(theirs):
        return other, theirs[mine.index(anchor)]
    return other, None


def _problem(library: Library, article: ArticleFile | None, lang: str) -> str:
    """The article's ``problem:`` in the reply's language ("" when it has none)."""
    if article is None:
        return ""
    if article.lang == lang:
        return article.problem
    other = library.translation_of(article, lang)
    return other.problem if other else ""


def _code(avoid: tuple[str, ...]) -> str:
    """A new reply code that repeats nothing of the post (a code has digits)."""
    while True:
        code = public_replies.new_code()
        if not repeats(code, avoid):
            return code
