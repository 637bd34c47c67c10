"""Database tables, one module per area; every model is importable from here.

- ``base``: the declarative base and ``utcnow``
- ``staff``: users, their sign-ins, API tokens, preferences, account links
  and the audit log
- ``tickets``: tickets, messages, ticket history, the mail outbox, new-link requests
- ``replies``: cases, linked articles, public replies, short links, reply
  templates, canned responses
- ``analytics``: searches, views, votes, deflections, staff work, daily roll-ups
- ``attachments``: files attached to tickets' messages
- ``editor``: drafts, draft changes and comments, editor settings, translations
  and update requests

A new table goes in its area's module (a new area: a new module imported below)
with an Alembic migration in ``kb/migrations/versions/``. Nothing here ever
reaches the public search index.
"""

from __future__ import annotations

from kb.storage.models.analytics import (
    ArticleViewLog,
    DailyCount,
    Deflection,
    ReportSetting,
    SearchLog,
    StaffWork,
    VoteLog,
)
from kb.storage.models.attachments import Attachment
from kb.storage.models.base import Base, utcnow
from kb.storage.models.editor import (
    Draft,
    DraftChange,
    DraftComment,
    EditorSetting,
    TranslationBaseline,
    UpdateRequest,
)
from kb.storage.models.replies import (
    CannedResponse,
    Case,
    LinkedArticle,
    PublicReply,
    ReplyTemplate,
    ShortLink,
)
from kb.storage.models.staff import (
    AccountLink,
    ApiToken,
    AuditEntry,
    Passkey,
    PasskeyChallenge,
    RecoveryCode,
    StaffPreference,
    StaffSession,
    User,
)
from kb.storage.models.tickets import (
    InboundMail,
    LinkRequest,
    Message,
    OutboxMail,
    ReplyToken,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketPresence,
)

# The vocabularies live in kb.vocab; re-exported for the tables' users.
from kb.vocab import PLATFORMS, PRIORITIES, ROLES, STATUSES

__all__ = [
    "PLATFORMS",
    "PRIORITIES",
    "ROLES",
    "STATUSES",
    "AccountLink",
    "ApiToken",
    "ArticleViewLog",
    "Attachment",
    "AuditEntry",
    "Base",
    "CannedResponse",
    "Case",
    "DailyCount",
    "Deflection",
    "Draft",
    "DraftChange",
    "DraftComment",
    "EditorSetting",
    "InboundMail",
    "LinkRequest",
    "LinkedArticle",
    "Message",
    "OutboxMail",
    "Passkey",
    "PasskeyChallenge",
    "PublicReply",
    "RecoveryCode",
    "ReplyToken",
    "ReplyTemplate",
    "ReportSetting",
    "SearchLog",
    "ShortLink",
    "StaffPreference",
    "StaffSession",
    "StaffWork",
    "Ticket",
    "TicketEvent",
    "TicketLink",
    "TicketPresence",
    "TranslationBaseline",
    "UpdateRequest",
    "User",
    "VoteLog",
    "utcnow",
]
