"""Reading one row's cells through the registers' field checks, problems reported."""

from collections.abc import Callable
from typing import Any, TypeVar

from services.onboarding.report import ImportReport
from services.onboarding.workbook import SheetRows
from services.registry.fields import FieldProblem

T = TypeVar("T")


class RowReader:
    """The cells of one row; each problem goes to the report with its row and column."""

    def __init__(
        self, report: ImportReport, rows: SheetRows, number: int, row: tuple[Any, ...]
    ) -> None:
        self.report, self.rows, self.number, self.row = report, rows, number, row
        self.ok = True

    def raw(self, key: str) -> Any:
        return self.rows.value(self.row, key)

    def cell(self, key: str, check: Callable[[Any], T]) -> T | None:
        try:
            return check(self.raw(key))
        except FieldProblem as problem:
            self.problem(key, problem.reason)
            return None

    def problem(self, key: str | None, message: str) -> None:
        sheet = self.rows.sheet
        column = sheet.column(key).header if key else None
        self.report.problem(sheet.name, self.number, column, message)
        self.ok = False
