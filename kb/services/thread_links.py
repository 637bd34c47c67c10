"""The link to a public thread an agent answers: which platform it is on.

A community manager pastes the thread's address next to the post; its host
says where the reply goes (x.com, instagram.com …), so an agent who left the
platform at its default gets replies that fit the right limit. The address is
never stored by the composer (a reply record has no place for it) and never
put in a reply: it is only the agent's way back to the thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# Hosts (and their subdomains: m.facebook.com, vm.tiktok.com …) by platform.
HOSTS: dict[str, str] = {
    "x.com": "x",
    "twitter.com": "x",
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "fb.watch": "facebook",
    "tiktok.com": "tiktok",
    "wa.me": "whatsapp",
    "whatsapp.com": "whatsapp",
}


@dataclass(frozen=True)
class Platform:
    """The platform replies are drafted for, and whether the thread link chose it."""

    name: str
    from_thread: bool = False
    thread: str | None = None  # the link's platform, when its host is known
    host: str = ""  # the link's host, as the page names it


def is_web_address(url: str) -> bool:
    """True for a full http(s) address (the only links the page offers to open)."""
    parts = urlsplit(url.strip())
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def platform_of(url: str) -> str | None:
    """The platform whose host serves ``url``, or None (unknown or not a link)."""
    if not is_web_address(url):
        return None
    host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    for known, platform in HOSTS.items():
        if host == known or host.endswith("." + known):
            return platform
    return None


def choose(chosen: str, url: str, unset: tuple[str, ...] = ("other",)) -> Platform:
    """The platform to draft for: ``chosen``, unless the agent left it ``unset``
    (a form's default, "other") and the thread link's host names another."""
    thread = platform_of(url) if url else None
    host = (urlsplit(url.strip()).hostname or "").rstrip(".") if thread else ""
    host = host.removeprefix("www.")
    if thread and chosen in unset and thread != chosen:
        return Platform(thread, True, thread, host)
    return Platform(chosen, False, thread, host)
