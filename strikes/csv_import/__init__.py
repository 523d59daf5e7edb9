"""The TULO's CSV import of disputes and action days: read, check every row, then apply.

An import is all or nothing. A file is checked in full before anything is written; applying it
checks it again inside the one transaction that writes it, so a row that went bad since the
preview (a dispute deleted, say) stops the whole file. Rows that repeat what is already
recorded are skipped and reported, not treated as errors.

Small files are checked and applied during the request. Files of more than BACKGROUND_ROWS rows
are a CsvImport job that a Celery worker checks and applies (strikes.tasks), recording its
progress on the job row for the page to poll.

The modules, in the order a file meets them:

- columns: the two formats, column by column, and an example file of each;
- reading: the file's size, encoding, records and header (ImportRefused for a file that
  cannot be read at all);
- parsing: the values in a row (dates, times, yes or no, choices);
- action_days, disputes: checking the rows of each kind against what is recorded, and writing
  them;
- plan: what a check finds (Plan, Problem) and ImportInvalid;
- importing: check and import_apply, whatever the kind;
- jobs: a large file as a background job, run by strikes.tasks.

Another app's import (the pickets app's representatives) reads its file with the same
`read_rows`, giving its own columns, and reports by line on the same Plan.
"""

from .columns import COLUMN_HELP, COLUMNS, REQUIRED, example_csv
from .importing import check, import_apply, result_message
from .jobs import BACKGROUND_ROWS, import_job_apply, import_job_check
from .parsing import choice_lookup, quoted, within_limit
from .plan import ImportInvalid, Plan, Problem
from .reading import (
    MAX_BYTES,
    MAX_ROWS,
    ImportRefused,
    clean_text,
    count_rows,
    prepare,
    read_rows,
    read_upload,
)

__all__ = [
    "BACKGROUND_ROWS",
    "COLUMNS",
    "COLUMN_HELP",
    "MAX_BYTES",
    "MAX_ROWS",
    "REQUIRED",
    "ImportInvalid",
    "ImportRefused",
    "Plan",
    "Problem",
    "check",
    "choice_lookup",
    "clean_text",
    "count_rows",
    "example_csv",
    "import_apply",
    "import_job_apply",
    "import_job_check",
    "prepare",
    "quoted",
    "read_rows",
    "read_upload",
    "result_message",
    "within_limit",
]
