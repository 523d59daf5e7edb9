"""What checking a file finds: its problems by line, the rows skipped, and what it would add."""

from collections.abc import Callable
from dataclasses import dataclass, field

from clps.models import User

from ..models import CsvImport

# How many problems (or skipped rows) a preview lists; the rest are counted.
MAX_LISTED = 500


@dataclass(frozen=True)
class Problem:
    """A bad row (or a skipped one): the line of the file it is on, and why."""

    line: int | None
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Plan:
    """What a file would do: the rows to fix, the rows skipped, and the rows ready to write."""

    kind: str
    rows_total: int = 0
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    skipped: list[Problem] = field(default_factory=list)
    skipped_count: int = 0
    summary: dict = field(default_factory=dict)
    items: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, line: int | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append(Problem(line, message))

    def skip(self, line: int, message: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_LISTED:
            self.skipped.append(Problem(line, message))

    def sort(self) -> None:
        self.errors.sort(key=lambda p: p.line or 0)
        self.skipped.sort(key=lambda p: p.line or 0)

    @property
    def errors_unlisted(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def skipped_unlisted(self) -> int:
        return self.skipped_count - len(self.skipped)

    def job_fields(self) -> dict:
        return {
            "rows_total": self.rows_total,
            "errors": [p.as_dict() for p in self.errors],
            "error_count": self.error_count,
            "summary": {
                **self.summary,
                "skipped": [p.as_dict() for p in self.skipped],
                "skipped_count": self.skipped_count,
            },
        }

    @classmethod
    def from_job(cls, job: CsvImport) -> "Plan":
        summary = dict(job.summary)
        skipped = summary.pop("skipped", [])
        skipped_count = summary.pop("skipped_count", len(skipped))
        return cls(
            kind=job.kind,
            rows_total=job.rows_total,
            errors=[Problem(**p) for p in job.errors],
            error_count=job.error_count,
            skipped=[Problem(**p) for p in skipped],
            skipped_count=skipped_count,
            summary=summary,
        )


class ImportInvalid(Exception):
    """Raised by import_apply when the file has rows to fix; nothing was written."""

    def __init__(self, plan: Plan):
        super().__init__(f"{plan.error_count} rows to fix")
        self.plan = plan


Progress = Callable[[int], None]
# What each kind of import provides (action_days.check and write, disputes.check and write).
Checker = Callable[[Plan, list[tuple[int, dict]], Progress | None], None]
Writer = Callable[[Plan, User | None, Progress | None], None]
