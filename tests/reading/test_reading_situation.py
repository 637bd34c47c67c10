"""Whether a post asks or complains, how heated it is, and the whole read()."""

from __future__ import annotations

import pytest

from kb import reading
from kb.reading.situation import HEATED


def _signals(text: str) -> tuple[str, ...]:
    return reading.read(text).signals


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("paket belum sampai!!", "exclamations"),
        ("kapan sampai??", "question_marks"),
        ("PAKET SAYA BELUM SAMPAI", "shouting"),
        ("fix this NOW", "emphasis"),
        ("dasar goblok", "insult"),
        ("anjir belum sampai", "profanity"),
        ("saya kecewa", "strong_words"),
        ("worst app ever", "strong_words"),
        ("gue viralin ya", "threat"),
        ("I will report you", "threat"),
        ("udah seminggu belum sampai", "waiting"),
        ("3 hari belum masuk", "waiting"),
        ("dari kemarin ga dibales", "waiting"),
        ("waiting for two weeks now", "waiting"),
        ("tracking hasn't moved since Monday", "waiting"),
        ("refund? 😡", "angry_emoji"),
        ("hmm 🙄", "annoyed_emoji"),
    ],
)
def test_heat_signals(text: str, signal: str) -> None:
    assert signal in _signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "Bayar COD pakai QRIS bisa? OTP ke HP",  # acronyms are not shouting
        "estimasi 3 hari kerja ya?",  # a duration, not a wait
        "berapa lama refund ke OVO?",
        "Terima kasih, paketnya sudah sampai!",
    ],
)
def test_calm_posts_have_no_heat(text: str) -> None:
    r = reading.read(text)
    assert r.heat == 0 and not r.heated, r.signals


def test_an_insult_alone_heats_a_post_and_exclamations_alone_do_not() -> None:
    assert reading.read("aplikasi sampah, admin bego").heated
    assert not reading.read("paketnya udah sampai!!! makasih min").heated
    assert not reading.read("udah 3 hari belum sampai").heated


def test_swearing_heats_a_complaint_more_than_praise() -> None:
    complaint = reading.read("anjir paket gue belum sampai")
    praise = reading.read("anjir cepet banget sampainya")
    assert complaint.heated and complaint.complaint
    assert not praise.heated and not praise.complaint


def test_politeness_cools_a_post() -> None:
    plain = reading.read("udah 3 hari belum sampai!!")
    polite = reading.read("udah 3 hari belum sampai!! mohon dicek 🙏")
    assert polite.heat == pytest.approx(plain.heat - 0.1)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("paket saya belum sampai", True),
        ("barangnya rusak", True),
        ("status masih menunggu pembayaran", True),
        ("the item arrived broken", True),
        ("my refund hasn't arrived", True),
        ("order still says processing", True),
        ("kalau barangnya rusak bisa retur?", False),  # hypothetical
        ("if the package is damaged can I refuse it?", False),
        ("boleh ga nulis ulasan jelek?", False),
        ("berapa lama refund ke OVO?", False),
        ("how long does a refund take?", False),
        ("cara ganti alamat gimana?", False),
        ("thank you, it arrived!", False),
    ],
)
def test_complaints_are_reports_of_real_problems(text: str, complaint: bool) -> None:
    assert reading.read(text).complaint is complaint


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("refund ke gopay berapa lama ya kak", True),
        ("how do I change my email", True),
        ("mau tanya soal COD", True),
        ("Can I pay with OVO", True),
        ("paket saya sudah sampai, terima kasih", False),
        ("my order arrived broken", False),
    ],
)
def test_questions(text: str, question: bool) -> None:
    assert reading.read(text).question is question


@pytest.mark.parametrize(
    "text",
    [
        "makasih banyak kak 🙏",
        "Terima kasih, paketnya sudah sampai!",
        "trims min, udah beres",
        "tengkyu yaa, refundnya udah masuk 😍",
        "mantul, pengirimannya gercep 👍",
        "puas bgt belanja di sini, sukses terus tokorona",
        "CS nya ramah dan fast respon, keren",
        "Mohon maaf baru sempat kabari: paketnya sudah sampai. Terima kasih!",
        "thx, all sorted now",
        "ty guys!!",
        "Thanks a lot, it arrived today 🙌",
        "You guys are the best, love it ❤️",
        "Awesome service, so fast!",
        "Not bad at all, the refund was quick. Much appreciated",
    ],
)
def test_thanks_and_praise_alone_are_thanks(text: str) -> None:
    r = reading.read(text)
    assert r.thanks, (r.question, r.complaint, r.signals)
    assert not (r.question or r.complaint or r.heated)


@pytest.mark.parametrize(
    "text",
    [
        # It asks: a question, a request, thanks in advance.
        "kak cara bayar gimana? makasih",
        "kak cara bayar pakai ovo, makasih",
        "tolong kirim ulang kodenya ya, makasih",
        "mohon dikirim hari ini ya kak, terima kasih",
        "minta nomor resinya dong min, thx",
        "ditunggu kabarnya ya min, makasih",
        "Thanks! When will my order ship?",
        "pls resend the code, thanks in advance",
        "Please send the invoice again. Thank you",
        # It complains, thanks or not.
        "makasih ya tapi paket belum sampai",
        "makasih lho, paketnya datang rusak",
        "Thanks, but the refund still hasn't arrived",
        "thanks for nothing",
        # Negated praise and declined thanks.
        "gak puas sama pelayanannya",
        "no thanks",
        "not very helpful tbh",
        # Nothing that thanks or praises.
        "saya sudah top up saldo ronapay",
        "paket sudah sampai",
    ],
)
def test_asking_complaining_or_no_praise_is_not_thanks(text: str) -> None:
    assert not reading.read(text).thanks


def test_reading_the_post_from_the_issue() -> None:
    r = reading.read("udah seminggu paket gue belum nyampe, CS lelet!!")
    assert (r.lang, r.mixed, r.complaint, r.heated, r.private) == (
        "id",
        False,
        True,
        True,
        True,
    )
    assert r.heat >= HEATED and "waiting" in r.signals
    assert r.query == "sudah seminggu paket belum sampai"
    assert r.personal_data == ()
    assert not r.thanks


def test_personal_data_makes_a_calm_post_private_and_leaves_the_query() -> None:
    r = reading.read("no resi JP1234567890 kok belum gerak ya kak? wa 0812-3456-7890")
    assert r.personal_data == ("phone", "tracking")
    assert r.private and not r.heated
    assert "1234" not in r.query and "0812" not in r.query
    # "no resi" and "wa" only label the data after them: the topic is the
    # tracking ("resi"), not a number or a WhatsApp account.
    assert r.query == "resi belum gerak"


def test_words_that_only_label_exposed_data_leave_the_query() -> None:
    # "nomor … hp" found the article on changing a phone number for a late
    # parcel ("pesanan", in nearly every article, picked "cancel an order");
    # a number's name without data after it stays ("ganti no hp": the phone
    # number is the topic).
    late = (
        "min no pesanan 2411889900 kok paketnya belum sampai juga ya, hp 081234567890"
    )
    assert reading.read(late).query == "paketnya belum sampai"
    assert reading.read("ganti no hp gimana ya").query == "ganti nomor hp bagaimana"
    assert reading.read("nomor 081234567890 ga bisa terima otp").query == (
        "tidak bisa terima otp"
    )


@pytest.mark.parametrize(
    ("text", "complaint", "thanks"),
    [
        # "no" before a number's noun is "nomor", not the English "no".
        ("makasih, no resi udah sampai 😊", False, True),
        ("no pesanan sudah masuk kak, makasih", False, True),
        ("no hp udah aktif lagi, makasih min", False, True),
        ("no reply from CS since yesterday", True, False),
        ("no hp lama ga aktif, ga bisa terima otp", True, False),
    ],
)
def test_no_before_a_numbers_noun_is_nomor(
    text: str, complaint: bool, thanks: bool
) -> None:
    r = reading.read(text)
    assert (r.complaint, r.thanks) == (complaint, thanks), r


@pytest.mark.parametrize(
    ("text", "query"),
    [
        (
            "Halo min, gimana cara ganti alamat? 🙏 @tokorona",
            "bagaimana cara ganti alamat",
        ),
        (
            "Hi! How do I turn on two-step verification? Thanks 😊",
            "how do turn on two-step verification",
        ),
        (
            "ada yg DM minta OTP, itu penipuan kan?",
            "ada yang dm minta otp itu penipuan",
        ),
        (
            "refund udh 10 hari kerja blm masuk, liat tkr.id/s/8fk2",
            "refund sudah 10 hari kerja belum masuk lihat",
        ),
    ],
)
def test_the_query_keeps_the_topic(text: str, query: str) -> None:
    assert reading.read(text).query == query


def test_a_post_over_5000_characters_is_refused() -> None:
    reading.read("a" * 5000)
    with pytest.raises(ValueError, match="5,000"):
        reading.read("a" * 5001)


def test_an_empty_post_reads_as_nothing() -> None:
    r = reading.read("", lang="en")
    assert (r.lang, r.complaint, r.heated, r.private, r.query) == (
        "en",
        False,
        False,
        False,
        "",
    )
