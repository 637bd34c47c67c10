"""A thread's link chooses the platform a draft fits (kb/services/thread_links.py)."""

from __future__ import annotations

import pytest

from kb.services import thread_links

pytestmark = pytest.mark.read_only


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://x.com/tokorona/status/1", "x"),
        ("https://mobile.twitter.com/a/status/2", "x"),
        ("https://www.instagram.com/p/C0ffee/?igsh=1", "instagram"),
        ("http://m.facebook.com/story.php?id=3", "facebook"),
        ("https://fb.com/tokorona/posts/4", "facebook"),
        ("https://vt.tiktok.com/ZS123/", "tiktok"),
        ("https://wa.me/6281200000000", "whatsapp"),
        ("https://INSTAGRAM.COM./p/1", "instagram"),
        # Not the platform: a look-alike host, another scheme, not a link.
        ("https://notinstagram.com/p/1", None),
        ("https://instagram.com.evil.example/p/1", None),
        ("https://forum.tokorona.example/t/5", None),
        ("javascript:alert(1)//instagram.com", None),
        ("ftp://instagram.com/p/1", None),
        ("instagram.com/p/1", None),
        ("", None),
    ],
)
def test_the_host_names_the_platform(url: str, platform: str | None) -> None:
    assert thread_links.platform_of(url) == platform


def test_only_a_platform_left_unset_follows_the_link() -> None:
    ig = "https://www.instagram.com/p/C0ffee/"
    unset = ("x", "other")
    assert thread_links.choose("x", ig, unset) == thread_links.Platform(
        "instagram", True, "instagram", "instagram.com"
    )
    assert thread_links.choose("other", ig, unset).name == "instagram"
    # Chosen by the agent: it stays, and the link's platform is there to say so.
    tiktok = thread_links.choose("tiktok", ig, unset)
    assert (tiktok.name, tiktok.from_thread, tiktok.thread) == (
        "tiktok",
        False,
        "instagram",
    )
    # An unknown host or no link: nothing changes.
    assert thread_links.choose("x", "https://forum.example/t/1", unset) == (
        thread_links.Platform("x")
    )
    assert thread_links.choose("other", "", unset) == thread_links.Platform("other")
