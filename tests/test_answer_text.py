"""The enquiry answer's one-line description of each project."""

from __future__ import annotations

from webui.answer_text import compose_answer, one_line

APPROACH = "Jeden Dienstag treffen sich Frauen im Stadtteilzentrum. Eine Kinderbetreuung ist dabei."


def project(summary=None, sections=None) -> dict:
    return {"id": "p", "title": "Mama lernt Deutsch", "summary": summary, "sections": sections or [],
            "organisation": "Verein e.V.", "town": "Sindelfingen", "contact": "a@b.example.org"}  # fmt: skip


def test_summary_is_the_line_when_there_is_one():
    assert (
        one_line(project(summary="Deutsch für Mütter  mit Kinderbetreuung."))
        == "Deutsch für Mütter mit Kinderbetreuung."
    )


def test_without_summary_the_first_sentence_of_the_approach():
    sections = [{"kind": "value", "text": "Mehr Teilhabe."}, {"kind": "approach", "text": APPROACH}]
    assert one_line(project(sections=sections)) == "Jeden Dienstag treffen sich Frauen im Stadtteilzentrum."


def test_long_lines_are_cut_at_a_word():
    line = one_line(project(summary="Wort " * 100), limit=40)
    assert len(line) <= 40 and line.endswith("Wort…")


def test_answer_carries_the_line():
    text = compose_answer(
        "Deutsch für Mütter",
        [project(sections=[{"kind": "approach", "text": APPROACH}])],
        lambda pid: f"/projekte/{pid}",
    )
    assert "   Worum es geht: Jeden Dienstag treffen sich Frauen im Stadtteilzentrum.\n" in text
