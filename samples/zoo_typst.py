"""Layout zoo, Typst design: an A5 booklet set with Typst (the `typst` package from PyPI).

Serif type, justified with Typst's own German hyphenation; numbered section headings
("1. Herangehensweise"); a running header carrying the current project's title; page numbers at
the outer side of the footer; a footnote in every project; a photo with caption in every third;
the info block at the end of each project as a two-column table with bold labels and no colons.
Projects run over two to four pages.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from zoo_common import BROCHURE_NOTE, CAPTIONS, FOOTNOTE, info_rows, paragraphs, photo_png

from ingest import ProjectRecord

TEMPLATE = r"""
#let data = json(bytes(sys.inputs.data))
#set document(title: "Gute Praxis im Taschenformat (illustrativ)")
#set text(lang: "de", size: 10.5pt, hyphenate: true)
#set par(justify: true, leading: 0.62em, spacing: 0.95em)
#let project-title(title) = {
  set text(size: 17pt, weight: "bold")
  block(above: 0pt, below: 10pt, title)
}
#set page(
  paper: "a5",
  margin: (top: 20mm, bottom: 20mm, inside: 17mm, outside: 14mm),
  header: context {
    let titles = query(<project>).filter(t => t.location().page() <= here().page())
    if titles.len() > 0 {
      set text(size: 7.5pt, fill: luma(90))
      titles.last().value
      v(-0.55em)
      line(length: 100%, stroke: 0.3pt + luma(120))
    }
  },
  footer: context {
    if here().page() > 1 {
      set text(size: 7.5pt, fill: luma(90))
      let number = counter(page).display()
      if calc.odd(here().page()) { align(right, number) } else { align(left, number) }
    }
  },
)
#align(center + horizon)[
  #text(size: 22pt, weight: "bold")[Gute Praxis im Taschenformat]
  #v(6pt)
  #text(size: 12pt)[#data.note]
]
#for project in data.projects {
  pagebreak(weak: true)
  [#metadata(project.title) <project>]
  block(below: 4pt, text(size: 8pt, weight: "bold", fill: rgb("#7a3b00"), upper(project.area)))
  project-title(project.title)
  if project.photo != none {
    figure(image(project.photo, width: 100%, height: 105mm, fit: "cover"), caption: project.caption,
      supplement: none, numbering: none)
  }
  for (number, section) in project.sections.enumerate() {
    block(above: 1.25em, below: 0.6em, sticky: true,
      text(size: 11pt, weight: "bold", str(number + 1) + ". " + section.heading))
    for (index, paragraph) in section.paragraphs.enumerate() {
      if number == 0 and index == 0 {
        par[#paragraph#footnote(project.footnote)]
      } else {
        par(paragraph)
      }
    }
  }
  if project.photo != none {
    figure(image(project.photo, width: 100%, height: eval(project.second), fit: "cover"), caption: project.caption,
      supplement: none, numbering: none)
  }
  v(0.8em)
  set text(size: 8.5pt)
  table(
    columns: (22mm, 1fr), stroke: none, inset: (x: 0pt, y: 2.5pt), column-gutter: 3mm,
    ..project.info.map(row => (text(weight: "bold", row.at(0)), row.at(1))).flatten()
  )
}
"""


def _payload(records: list[ProjectRecord], folder: Path) -> str:
    projects = []
    for number, record in enumerate(records):
        photo = None
        if number % 3 == 0:  # a photo with its caption under the title: these run to three or four pages
            photo = f"photo-{number}.png"
            (folder / photo).write_bytes(photo_png(number, 240, 200))
        projects.append(
            {
                "title": record.title,
                "area": record.area or "",
                "info": info_rows(record),
                "photo": photo,
                "second": "150mm" if number % 6 == 0 else "40mm",
                "caption": CAPTIONS[number % len(CAPTIONS)],
                "footnote": f"{FOOTNOTE} Stand der Angaben zu „{record.title}“: {2020 + number % 5}.",
                "sections": [
                    {"heading": section.heading, "paragraphs": paragraphs(section.text)}
                    for section in record.sections
                ],
            }
        )
    return json.dumps({"projects": projects, "note": BROCHURE_NOTE})


def build(records: list[ProjectRecord]) -> bytes:
    """The A5 booklet as PDF bytes."""
    import typst

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "booklet.typ").write_text(TEMPLATE, encoding="utf-8")
        data = _payload(records, folder)
        return typst.compile(str(folder / "booklet.typ"), sys_inputs={"data": data})
