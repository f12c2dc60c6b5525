"""What an import did, or would do: counts per sheet and every problem, where it is."""

from dataclasses import dataclass, field

# Enough to fix a file by; the total is still counted.
PROBLEMS_LISTED = 1000


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f"「{self.column}」"
        return f"{where}{self.message}"


@dataclass
class SheetCounts:
    sheet: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    dry_run: bool
    counts: dict[str, SheetCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def applied(self) -> bool:
        """Whether the import changed the register (never on a dry run or a problem)."""
        return not self.dry_run and not self.problem_count

    def sheet(self, name: str) -> SheetCounts:
        return self.counts.setdefault(name, SheetCounts(sheet=name))

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_LISTED:
            self.problems.append(Problem(sheet, row, column, message))

    def summary(self) -> str:
        """The outcome in a sentence or two, as the CLI prints it."""
        parts = [
            f"{c.sheet}：新增 {c.created}，更新 {c.updated}，未变 {c.unchanged}"
            for c in self.counts.values()
        ]
        if self.problem_count:
            head = f"发现 {self.problem_count} 处问题，未导入任何数据"
        elif self.dry_run:
            head = "试导入通过（未保存）"
        else:
            head = "导入完成"
        return "；".join([head, *parts])
