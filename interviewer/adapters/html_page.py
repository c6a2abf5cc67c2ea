"""The only module importing markdown-it-py: a study sheet as one self-contained, printable page.

Everything is inline (CSS, no fonts, no scripts, no links out), so the file opens offline and
prints the same on A4 and Letter: the page size is the printer's (`size: auto`), margins fit
both, and each phase starts on a new page with no table row or list item cut across a break.
"""

from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt

from interviewer.study_sheet import StudySheet

# Raw HTML in the notes is shown as text, and links are not made from bare URLs: the page
# stays self-contained whatever a note says.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

CSS = """
:root { color-scheme: light; }
body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: #111; margin: 0 auto; max-width: 46em; padding: 1.5em 1em; }
h1 { font-size: 1.6em; margin: 0 0 .4em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #2563eb; padding-bottom: .15em; margin: 1.2em 0 .5em; }
h3 { font-size: 1.05em; margin: 1em 0 .3em; color: #1e3a8a; }
p, li { orphans: 3; widows: 3; }
ul { padding-left: 1.2em; margin: .3em 0; }
li { margin: .15em 0; }
table { border-collapse: collapse; width: 100%; font-size: .92em; margin: .5em 0; }
th, td { border: 1px solid #cbd5e1; padding: .25em .45em; text-align: left; vertical-align: top; }
th { background: #eff6ff; }
strong { color: #000; }
em { color: #334155; }
section.phase { margin-top: 1.5em; }
@page { size: auto; margin: 15mm 14mm 16mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  section.phase { break-before: page; page-break-before: always; margin-top: 0; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, li, p, blockquote { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def markdown_to_html(text: str) -> str:
    return _MD.render(text)


def sheet_html(sheet: StudySheet) -> str:
    """The whole sheet as one HTML document with its CSS inline."""
    body = [f'<header class="intro">{markdown_to_html(sheet.intro)}</header>']
    body += [
        f'<section class="phase">{markdown_to_html(section.markdown)}</section>'
        for section in sheet.sections
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(sheet.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
