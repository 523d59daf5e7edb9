"""The monthly newsletter's union-updates section, read top to bottom as it goes from the tick to
the newsletter editor:

- schedule.py: month maths (a month runs midnight to midnight in London) and when each CLP's
  draft is due; the tick's due_sections names the sections to draft.
- tasks.py: build_section, the one task, which the tick enqueues per due section.
- selectors.py: what the records say about a month, gathered in a fixed number of queries; and
  the pages' reads (the months, each with its status, and a section's versions).
- phrases.py: the small pieces of English ("a" or "an", counts, lists, possessives, days).
- sentences.py, solidarity.py: the month's news as sentences, naming disputes by who is in them,
  where and over what (never by title); and what the CLP's members did.
- prose.py, column.py: the Markdown draft and the column for a local paper, written from those
  sentences.
- services.py: the TULO's actions (build, draft again, edit, approve, the schedule), each in one
  transaction; the drafted notice and the editor's copy go through the outbox.
- views.py, forms.py: the section's pages: the months, one month to edit and approve, and its
  versions; each POST calls one service.
- formats.py: the ways a version is taken out (HTML, text, Markdown, the column), one table read
  by the copy-out page and the downloads.

Markdown is made safe to show and send by newsletters/markdown.py.
"""
