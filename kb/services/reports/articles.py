"""The articles report: per article and section, views, helpfulness, replies, tickets.

Helpfulness is coloured only with :data:`COLOUR_MIN_VOTES` votes. A new column:
a field of :class:`ArticleRow` filled in :func:`articles`, then a header and a
cell in :meth:`ArticlesReport.csv_rows` (the section rows leave it empty), and the
table in ``templates/reports/articles.html``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kb.services.reports.counts import SECTION_MARK, count_by, rate, tallies
from kb.services.reports.export import BadgesOf, pairs
from kb.services.reports.periods import Period
from kb.storage.models import Case, LinkedArticle, PublicReply, Ticket

COLOUR_MIN_VOTES = 10  # helpfulness is coloured only with this many votes


@dataclass(frozen=True)
class SectionRow:
    """Helpfulness of one section (or the article as a whole: anchor "")."""

    anchor: str
    yes: int
    no: int
    reasons: dict[str, int]

    @property
    def votes(self) -> int:
        """All votes."""
        return self.yes + self.no

    @property
    def coloured(self) -> bool:
        """Enough votes to colour the helpfulness."""
        return self.votes >= COLOUR_MIN_VOTES

    @property
    def helpful(self) -> float | None:
        """Share of yes votes."""
        return self.yes / self.votes if self.votes else None


@dataclass(frozen=True)
class ArticleRow:
    """One article in the articles report."""

    slug: str
    title: str
    lang: str
    views: int
    views_by_source: dict[str, int]
    sections: tuple[SectionRow, ...]
    agent_links: int
    public_replies: int
    settled: int
    handoffs: int
    tickets: int
    translated: bool
    status: str
    updated: dt.date

    @property
    def overall(self) -> SectionRow:
        """All votes on the article and its sections."""
        reasons: dict[str, int] = defaultdict(int)
        for s in self.sections:
            for k, v in s.reasons.items():
                reasons[k] += v
        return SectionRow(
            "",
            sum(s.yes for s in self.sections),
            sum(s.no for s in self.sections),
            dict(reasons),
        )

    @property
    def settled_rate(self) -> float | None:
        """Settled public replies ÷ public replies."""
        return rate(self.settled, self.public_replies)


@dataclass(frozen=True)
class ArticlesReport:
    """Per article and per section: views, helpfulness, replies, tickets."""

    period: Period
    lang: str | None
    rows: tuple[ArticleRow, ...]

    def csv_rows(self, badges_of: BadgesOf | None = None) -> list[list[Any]]:
        """A row per article (all its votes), then one per section it has votes on."""
        rows: list[list[Any]] = [
            [
                "slug",
                "lang",
                "section",
                "views",
                "views_by_source",
                "yes",
                "no",
                "reasons",
                "agent_links",
                "public_replies",
                "settled",
                "handoffs",
                "tickets",
                "translated",
                "status",
                "updated",
            ]
        ]
        for a in self.rows:
            whole = a.overall
            rows.append(
                [
                    a.slug,
                    a.lang,
                    "",
                    a.views,
                    pairs(a.views_by_source),
                    whole.yes,
                    whole.no,
                    pairs(whole.reasons),
                    a.agent_links,
                    a.public_replies,
                    a.settled,
                    a.handoffs,
                    a.tickets,
                    a.translated,
                    a.status,
                    a.updated.isoformat(),
                ]
            )
            for s in a.sections:
                rows.append(
                    [
                        a.slug,
                        a.lang,
                        s.anchor or "(article)",
                        "",
                        "",
                        s.yes,
                        s.no,
                        pairs(s.reasons),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
        return rows


def articles(
    db: Session, period: Period, lang: str | None, library: Any
) -> ArticlesReport:
    """The articles report over the published articles of ``library``."""
    start, end = period.bounds()
    views: dict[str, dict[str, int]] = defaultdict(dict)
    for (slug, source), tally in tallies(db, "view", period, lang).items():
        views[slug][source] = views[slug].get(source, 0) + tally.value
    votes: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0])
    )
    for metric, index in (("vote_yes", 0), ("vote_no", 1)):
        for (slug, section), tally in tallies(db, metric, period, lang).items():
            votes[slug][section][index] += tally.value
    reasons: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for (key, reason), tally in tallies(db, "reason", period, lang).items():
        slug, _mark, section = key.partition(SECTION_MARK)
        given = reasons[slug][section]
        given[reason] = given.get(reason, 0) + tally.value
    links = count_by(
        db, LinkedArticle.article_slug, LinkedArticle.created_at, start, end
    )
    replies = count_by(db, PublicReply.slug, PublicReply.created_at, start, end)
    settled = count_by(
        db,
        PublicReply.slug,
        PublicReply.created_at,
        start,
        end,
        PublicReply.outcome == "settled",
    )
    handoffs = count_by(db, Case.article_slug, Case.created_at, start, end)
    tickets = count_by(db, Ticket.article_slug, Ticket.created_at, start, end)
    rows = []
    for article in sorted(library.published.values(), key=lambda a: a.slug):
        if lang and article.lang != lang:
            continue
        by_source = views.get(article.slug, {})
        sections = tuple(
            SectionRow(anchor, yes, no, reasons[article.slug].get(anchor, {}))
            for anchor, (yes, no) in sorted(votes.get(article.slug, {}).items())
        )
        rows.append(
            ArticleRow(
                slug=article.slug,
                title=article.title,
                lang=article.lang,
                views=sum(by_source.values()),
                views_by_source=dict(sorted(by_source.items())),
                sections=sections,
                agent_links=links.get(article.slug, 0),
                public_replies=replies.get(article.slug, 0),
                settled=settled.get(article.slug, 0),
                handoffs=handoffs.get(article.slug, 0),
                tickets=tickets.get(article.slug, 0),
                translated=library.translation_of(
                    article, "en" if article.lang == "id" else "id"
                )
                is not None,
                status=article.status,
                updated=article.updated,
            )
        )
    rows.sort(key=lambda r: (-r.views, r.slug))
    return ArticlesReport(period, lang, tuple(rows))
