"""The onboarding workbook over GraphQL: the template to download, the upload to import."""

import base64
import io
from typing import IO, Annotated, Any, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.file_uploads import Upload
from strawberry.types import Info

from api.context import Context
from api.results import MutationError, run_step
from policies.principal import Principal
from services.onboarding.report import ImportReport
from services.onboarding.service import import_workbook
from services.onboarding.workbook import write_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "共建数据导入模板.xlsx"


@strawberry.type(description="可下载的文件（内容为 Base64）")
class Download:
    filename: str = strawberry.field(description="文件名")
    content_type: str = strawberry.field(description="文件类型")
    content_base64: str = strawberry.field(description="文件内容（Base64 编码）")


@strawberry.type(description="一张工作表的导入结果")
class SheetCountsType:
    sheet: str = strawberry.field(description="工作表")
    created: int = strawberry.field(description="新增")
    updated: int = strawberry.field(description="更新")
    unchanged: int = strawberry.field(description="未变")


@strawberry.type(description="导入发现的一处问题")
class ImportProblem:
    sheet: str = strawberry.field(description="工作表或文件")
    row: int | None = strawberry.field(description="行号（表格中的行号，表头为第 1 行）")
    column: str | None = strawberry.field(description="列")
    message: str = strawberry.field(description="问题")
    text: str = strawberry.field(description="完整说明，如：党员 第12行「身份证号」校验位错误")


@strawberry.type(description="导入报告：有任何问题时不导入任何数据")
class ImportReportType:
    dry_run: bool = strawberry.field(description="是否为试导入（只检查，不保存）")
    applied: bool = strawberry.field(description="数据是否已保存")
    summary: str = strawberry.field(description="结果摘要")
    counts: list[SheetCountsType] = strawberry.field(description="各工作表的新增、更新、未变条数")
    problem_count: int = strawberry.field(description="问题总数")
    problems: list[ImportProblem] = strawberry.field(description="问题清单（最多列出 1000 条）")

    @classmethod
    def of(cls, report: ImportReport) -> "ImportReportType":
        return cls(
            dry_run=report.dry_run,
            applied=report.applied,
            summary=report.summary(),
            counts=[
                SheetCountsType(
                    sheet=c.sheet, created=c.created, updated=c.updated, unchanged=c.unchanged
                )
                for c in report.counts.values()
            ],
            problem_count=report.problem_count,
            problems=[
                ImportProblem(
                    sheet=p.sheet, row=p.row, column=p.column, message=p.message, text=str(p)
                )
                for p in report.problems
            ],
        )


ImportResult = Annotated[ImportReportType | MutationError, strawberry.union("ImportResult")]


@strawberry.type
class OnboardingQuery:
    @strawberry.field(description="数据导入模板（.xlsx）：区划、单位、党员、账号四张表")
    async def import_template(self, info: Info[Context, None]) -> Download:
        await info.context.principal()
        buffer = io.BytesIO()
        write_template(buffer)
        return Download(
            filename=TEMPLATE_NAME,
            content_type=XLSX,
            content_base64=base64.b64encode(buffer.getvalue()).decode(),
        )


@strawberry.type
class OnboardingMutation:
    @strawberry.mutation(
        description="导入县（区）数据：一个 .xlsx 工作簿，或每表一个 CSV 文件（以表名命名）。"
        "全部无误才保存；dryRun 为 true 时只检查不保存；重复导入同一文件不会重复登记"
    )
    async def import_workbook(
        self, info: Info[Context, None], files: list[Upload], dry_run: bool = False
    ) -> ImportResult:
        async def step(session: AsyncSession, principal: Principal) -> ImportReportType:
            sources = [
                (str(getattr(f, "filename", "") or "upload"), cast(IO[bytes], _file_of(f)))
                for f in files
            ]
            report = await import_workbook(
                session,
                principal,
                info.context.personal,
                info.context.identity,
                sources,
                dry_run=dry_run,
            )
            if not report.applied:
                info.context.uow.rollback_only = True
            return ImportReportType.of(report)

        return await run_step(info, step)


def _file_of(upload: Any) -> Any:
    """The uploaded file's binary stream (Starlette's UploadFile keeps it in `.file`)."""
    return getattr(upload, "file", upload)
