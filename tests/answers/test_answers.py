"""Answers in the articles' own words (kb/services/answers.py)."""

from __future__ import annotations

import pytest

from kb.services import answers
from kb.storage.stemming import STEMMERS

pytestmark = pytest.mark.read_only


def test_sentences_keep_list_items_and_sentences_whole() -> None:
    text = "Hubungi kami jika: resi diam 3 hari, atau · lewat 2 hari. Pilih topik."
    assert answers.sentences(text) == [
        "Hubungi kami jika: resi diam 3 hari, atau",
        "lewat 2 hari.",
        "Pilih topik.",
    ]


def test_the_answer_comes_from_the_section_whole_and_within_budget(app) -> None:
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        search = app.extensions["jawab.search"]
        found = answers.candidates(search, library, "lupa kata sandi", "id")
        assert found and found[0].lang == "id"
        best = found[0]
        answer = answers.extract(
            library, best.slug, best.anchor, "lupa kata sandi", budget=150
        )
        assert answer is not None and answer.sentences
        assert len(answer.text) <= 150
        section_text = " ".join(s.text for s in library.rendered(best.slug).sections)
        for sentence in answer.sentences:
            assert sentence in section_text  # never a word of its own


def test_a_lead_in_and_its_list_items_are_one_answer() -> None:
    text = (
        "Hubungi kami jika: status resi tidak berubah selama 3 hari, atau · paket "
        "lewat 2 hari dari estimasi. Pilih topik."
    )
    assert answers.units(text) == [
        "Hubungi kami jika: status resi tidak berubah selama 3 hari, atau paket "
        "lewat 2 hari dari estimasi.",
        "Pilih topik.",
    ]


@pytest.mark.parametrize("budget", range(20, 120, 3))
def test_shortening_keeps_words_and_numbers_whole(budget: int) -> None:
    sentence = (
        "Dana kembali dalam 3-7 hari kerja ke kartu kredit (tergantung bank), "
        "atau 1 hari kerja ke RonaPay jika Anda memilihnya."
    )
    short = answers.compress(sentence, budget)
    if short is None:
        return
    assert len(short) <= budget
    # Parentheses go first (the rest stays whole), then words from the end.
    plain = sentence.replace(" (tergantung bank)", "")
    if short not in (sentence, plain):
        assert short.endswith("…")
        kept = short.removesuffix("…").split()
        words = plain.split()
        assert kept[:-1] == words[: len(kept) - 1]  # whole words, none invented
        assert words[len(kept) - 1].startswith(kept[-1])  # at most its comma goes
        assert not kept[-1][-1].isdigit()  # never "3-7" without "hari"
        assert kept[-1].lower() not in {"atau", "ke", "dalam", "jika"}


def test_a_sentence_ends_early_only_where_a_whole_clause_ends() -> None:
    sentence = (
        "Hubungi kami lewat formulir kontak jika: status resi tidak berubah "
        "selama 3 hari, atau paket sudah lewat 2 hari dari estimasi."
    )
    assert answers.openings(sentence) == [
        "Hubungi kami lewat formulir kontak jika: status resi tidak berubah "
        "selama 3 hari."
    ]
    # A clause that leans on the next one ("Jika …", "With …") never stands
    # alone; with its main clause it does.
    leaning = (
        "Jika paket tetap tidak ditemukan dalam 2×24 jam, hubungi kami lewat "
        "formulir kontak, dan kami akan mengirim ulang."
    )
    assert answers.openings(leaning) == [
        "Jika paket tetap tidak ditemukan dalam 2×24 jam, hubungi kami lewat "
        "formulir kontak."
    ]
    assert answers.openings("With cash on delivery, you pay the courier.") == []
    # Never inside parentheses, never ending on a joining word, never too short.
    assert answers.openings("Refunds take 3 days (cards, wallets), or more.") == [
        "Refunds take 3 days (cards, wallets)."
    ]
    assert answers.openings("Pay now, or later.") == []


@pytest.mark.parametrize("budget", range(20, 140, 4))
def test_whole_within_a_budget_is_whole_or_nothing(budget: int) -> None:
    sentence = (
        "Dana kembali dalam 3-7 hari kerja ke kartu kredit (tergantung bank), "
        "atau 1 hari kerja ke RonaPay jika Anda memilihnya."
    )
    found = answers.whole_within(sentence, budget)
    whole = {
        sentence,
        sentence.replace(" (tergantung bank)", ""),
        "Dana kembali dalam 3-7 hari kerja ke kartu kredit (tergantung bank).",
        "Dana kembali dalam 3-7 hari kerja ke kartu kredit.",
    }
    if found is None:
        assert budget < len("Dana kembali dalam 3-7 hari kerja ke kartu kredit.")
    else:
        assert found in whole and len(found) <= budget and "…" not in found


def test_a_whole_clause_beats_a_cut_when_asked(app) -> None:
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        search = app.extensions["jawab.search"]
        best = answers.candidates(search, library, "lupa kata sandi", "id")[0]
        for budget in range(40, 200, 10):
            plain = answers.extract(
                library, best.slug, best.anchor, "lupa kata sandi", budget=budget
            )
            whole = answers.extract(
                library,
                best.slug,
                best.anchor,
                "lupa kata sandi",
                budget=budget,
                whole=True,
            )
            if whole is None:
                assert plain is None or plain.shortened
                continue
            assert len(whole.text) <= budget
            if not whole.text.endswith("…"):
                continue
            # Cut only when no whole unit of the section fits.
            section = next(
                s
                for s in library.rendered(best.slug).sections
                if s.anchor == whole.anchor
            )
            assert not any(
                answers.whole_within(u, budget) for u in answers.units(section.text)
            ), (budget, whole.text)


def test_a_sections_sentences_are_stemmed_once_and_follow_its_text(
    app, monkeypatch
) -> None:
    # A draft extracts from one section up to ten times: its sentences are cut
    # and stemmed once, keyed by the text (an edited section is read afresh).
    stemmed: list[str] = []
    real = STEMMERS["id"]
    monkeypatch.setitem(STEMMERS, "id", lambda word: stemmed.append(word) or real(word))
    answers._UNITS.clear()
    query = "lupa kata sandi"
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        search = app.extensions["jawab.search"]
        best = answers.candidates(search, library, query, "id")[0]
        first = answers.extract(library, best.slug, best.anchor, query, budget=150)
        stems_first = len(stemmed)
        again = answers.extract(library, best.slug, best.anchor, query, budget=150)
        added = library.synonyms.sources(query, ("id",))
    assert again == first
    # The query's words and its synonyms' alone: the section is not cut again.
    assert len(stemmed) - stems_first == len(" ".join([query, *added]).split())
    text = "Buka halaman masuk. Pilih lupa kata sandi lalu ikuti emailnya."
    edited = answers._stemmed_units(text, "id")
    assert [unit for unit, _stems, _digits, _statement in edited] == [
        "Buka halaman masuk.",
        "Pilih lupa kata sandi lalu ikuti emailnya.",
    ]
    assert real("sandi") in edited[1][1]


def test_a_table_cell_or_label_is_never_an_answer(make_app, articles_dir) -> None:
    # "Data perangkat · Versi aplikasi, jenis perangkat, lokasi login" are a
    # table's cells: read out in a reply they are fragments, not an answer.
    (articles_dir / "account" / "data-kami.md").write_text(
        "---\ntitle: Data yang kami simpan\nlang: id\ncategory: account\n"
        "status: published\n---\n\n## Data yang kami simpan\n\n"
        "| Data | Contoh |\n|---|---|\n"
        "| Data akun | Nama, nomor HP, kata sandi (terenkripsi) |\n"
        "| Data perangkat | Versi aplikasi, jenis perangkat, lokasi login |\n\n"
        "Kami tidak menyimpan nomor kartu lengkap maupun CVV Anda.\n",
        encoding="utf-8",
    )
    app = make_app()
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        section = library.rendered("data-kami").sections[-1]
        units = answers._stemmed_units(section.text, "id")
        answer = answers.extract(
            library, "data-kami", section.anchor, "nomor kartu data perangkat"
        )
    assert [unit for unit, _s, _d, statement in units if statement] == [
        "Kami tidak menyimpan nomor kartu lengkap maupun CVV Anda."
    ]
    # Only the sentence: a cell is neither an answer nor glued to the sentence
    # after the table as if they were neighbours. (The "Data perangkat" row,
    # read with its headers, says as much: at a tie the sentence wins.)
    assert answer is not None
    assert answer.text == "Kami tidak menyimpan nomor kartu lengkap maupun CVV Anda."
    assert not answer.row


_REFUND_TABLE = (
    "---\ntitle: Lama refund\nlang: id\ncategory: payments\n"
    "status: published\n---\n\n## Lama refund\n\n"
    "| Metode | Dana dikembalikan ke | Lama proses |\n|---|---|---|\n"
    "| GoPay, OVO | E-wallet yang sama | 1–3 hari kerja |\n"
    "| Kartu kredit | Kartu yang sama | 7–14 hari kerja |\n\n"
    "Refund GoPay dihitung dalam hari kerja.\n"
)


@pytest.fixture()
def refund_table(make_app, articles_dir):
    """An app whose "lama-refund" section is a table and a sentence after it."""
    (articles_dir / "payments" / "lama-refund.md").write_text(
        _REFUND_TABLE, encoding="utf-8"
    )
    return make_app()


def _extract(app, text: str, **options) -> answers.Answer | None:
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        return answers.extract(library, "lama-refund", "lama-refund", text, **options)


def test_a_table_row_answers_alone_read_with_its_headers(refund_table) -> None:
    # The GoPay row holds "gopay" and "ovo", the sentence after the table
    # "refund" and "gopay": the row answers, and alone (the sentence is the
    # last unit before the rows, never its neighbour).
    answer = _extract(refund_table, "refund ke gopay ovo berapa lama")
    assert answer is not None and answer.row
    assert answer.sentences == (
        "GoPay, OVO — Dana dikembalikan ke: E-wallet yang sama; "
        "Lama proses: 1–3 hari kerja.",
    )
    # Its score says how much of the text it holds: two words of its cells
    # and the rule's number (a header's word would count half).
    assert answer.score == 2.5
    assert not answer.shortened
    # A row holding the post's personal data is never used, as a sentence.
    avoided = _extract(refund_table, "refund ke gopay ovo berapa lama", avoid=("OVO",))
    assert avoided is None or not avoided.row


def test_a_row_below_the_best_sentence_never_answers(refund_table) -> None:
    # "Kartu kredit … hari kerja" shares two words with the text, the
    # sentence three: the sentence answers, and no row beside it.
    answer = _extract(refund_table, "refund kartu dihitung hari kerja?")
    assert answer is not None and not answer.row
    assert answer.sentences == ("Refund GoPay dihitung dalam hari kerja.",)


def test_a_row_is_shortened_by_whole_cells_only(refund_table) -> None:
    # The row holds "gopay" and "ovo", the sentence "gopay" only.
    text = "gopay ovo berapa lama"
    head = "GoPay, OVO — Dana dikembalikan ke: E-wallet yang sama."
    answer = _extract(refund_table, text, budget=len(head) + 5)
    assert answer is not None and answer.row and answer.shortened
    assert answer.sentences == (head,)
    # Without the rule's number (its last cell), a lower score.
    assert answer.score == 2.0
    # Too short for the key and one cell: never a cell cut in two (the
    # sentence, which fits, may answer instead).
    short = _extract(refund_table, text, budget=len(head) - 1)
    assert short is None or not short.row, short
    # A public reply (whole) takes the row whole or not at all: without its
    # last cell it would lose what was asked ("berapa lama": 1–3 hari kerja).
    public = _extract(refund_table, text, budget=len(head) + 5, whole=True)
    assert public is None or not public.row, public


def test_with_no_word_in_common_there_is_no_answer(app) -> None:
    # Any sentence would be a guess (a later one, "Kode berlaku selama 5
    # menit.", leans on the steps before it): a wrong answer in public costs
    # more than none.
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        found = answers.candidates(
            app.extensions["jawab.search"], library, "lupa kata sandi", "id"
        )[0]
        unrelated = answers.extract(library, found.slug, found.anchor, "zzz qqq")
        related = answers.extract(library, found.slug, found.anchor, "saldo")
    assert unrelated is None
    assert related is not None and "saldo" in related.text.lower()


def test_a_lead_in_is_never_cut_inside_its_list_in_a_reply(app) -> None:
    # "Hubungi kami jika: status resi…" says half a condition: in public, none.
    with app.test_request_context():
        library = app.extensions["jawab.content"].library()
        for budget in range(30, 120, 5):
            answer = answers.extract(
                library,
                "pesanan-terlambat",
                "kapan-perlu-menghubungi-kami",
                "paket belum sampai hubungi",
                budget=budget,
                whole=True,
            )
            assert answer is None or ": " not in answer.text or not answer.shortened
