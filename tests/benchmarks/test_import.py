"""Importing a whole county's workbook through the command line.

Target (import issue), 2,000 divisions, 1,000 units and 100,000 members in one `.xlsx`:
- the first import ≤ 60 s wall time and ≤ 500 MB peak memory (the importing process);
- and the time of a second, unchanged import (everything found unchanged, nothing written).

The workbook is written as Excel and WPS save one (shared strings; see county_workbook).
Each run is `gongjian import COUNTY FILE` in a process of its own, the venv's console
script (what `uv run gongjian` runs, without uv's wrapper process in the timing). Its
peak memory is the ru_maxrss that `os.wait4` returns for that very process, so earlier
children (and the PostgreSQL server, which is not our child) never blur it. The server's
own memory and CPU are not counted.

Runs, into one new county: a workbook of headers only (the command line's own cost), the
first import, the same file again (all unchanged), and a `--dry-run` of it. Timings are
reported against the targets, never asserted; the counts and the rows written are.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import asyncpg

from infra.db import TENANT_SETTING, libpq_url
from infra.settings import Settings
from services.onboarding.workbook import read_sources
from tests.benchmarks.county_workbook import CountySize, write_county_workbook
from tests.conftest import MakeTenant

COUNTY_CODE = "130125"
TARGET_SECONDS = 60.0
TARGET_MB = 500.0
GONGJIAN = Path(sys.executable).with_name("gongjian")
# "导入完成；区划：新增 2000，更新 0，未变 0；党员：…": the CLI's summary line.
SHEET_COUNTS = re.compile(r"([^；：]+)：新增 (\d+)，更新 (\d+)，未变 (\d+)")


@dataclass(frozen=True)
class Run:
    label: str
    seconds: float
    peak_mib: float
    exit_code: int
    output: str
    errors: str

    @property
    def counts(self) -> dict[str, tuple[int, int, int]]:
        """(created, updated, unchanged) per sheet, from the summary line; a sheet without
        rows may be left out of it or told as all zeros, so it is left out here."""
        summary = self.output.splitlines()[0] if self.output else ""
        counts = {s: (int(c), int(u), int(n)) for s, c, u, n in SHEET_COUNTS.findall(summary)}
        return {sheet: numbers for sheet, numbers in counts.items() if any(numbers)}


def run_import(label: str, settings: Settings, path: Path, *, dry_run: bool = False) -> Run:
    """`gongjian import` in a child process: wall time and that process's peak RSS."""
    assert settings.database_url
    assert settings.owner_database_url
    environment = os.environ | {
        "DATABASE_URL": settings.database_url,
        "GONGJIAN_OWNER_DATABASE_URL": settings.owner_database_url,
        "GONGJIAN_DATA_DIR": str(settings.data_dir),
        "GONGJIAN_LOG_LEVEL": "WARNING",
    }
    command = [str(GONGJIAN), "import", COUNTY_CODE, str(path), *(["--dry-run"] if dry_run else [])]
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=environment, stdout=stdout, stderr=stderr)
        # wait4, not Popen.wait: the rusage of this child alone.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        output = stdout.read().decode(errors="replace")
        errors = stderr.read().decode(errors="replace")
    # ru_maxrss is in KiB on Linux.
    return Run(label, seconds, usage.ru_maxrss / 1024, process.returncode, output, errors)


async def registered(url: str, tenant_id: UUID) -> dict[str, int]:
    """Rows of the county as the app sees them (row-level security on)."""
    connection = await asyncpg.connect(libpq_url(url))
    try:
        async with connection.transaction():
            sql = f"SELECT set_config('{TENANT_SETTING}', $1, true)"
            await connection.execute(sql, str(tenant_id))
            counts = {}
            for table in ("nodes", "units", "members"):
                counts[table] = await connection.fetchval(f"SELECT count(*) FROM {table}")
            counts["id_cards"] = await connection.fetchval(
                "SELECT count(*) FROM members WHERE id_card_index IS NOT NULL"
            )
            return counts
    finally:
        await connection.close()


def read_every_row(path: Path) -> tuple[float, int]:
    """Seconds to read every row of the workbook with the import's own reader, and rows."""
    started = time.perf_counter()
    rows = 0
    with path.open("rb") as file:
        for item in read_sources([(path.name, file)]):
            assert not isinstance(item, tuple), item
            rows += sum(1 for _ in item.rows)
    return time.perf_counter() - started, rows


def megabytes(mib: float) -> float:
    return mib * 2**20 / 1e6


def report_line(run: Run, baseline: Run | None = None) -> str:
    own = f"  (less CLI overhead: {run.seconds - baseline.seconds:5.1f} s)" if baseline else ""
    peak = f"{run.peak_mib:.0f} MiB / {megabytes(run.peak_mib):.0f} MB"
    return f"{run.label:<38} {run.seconds:>7.1f} s {peak:>18}{own}"


def check(run: Run, expected: dict[str, tuple[int, int, int]]) -> None:
    told = f"{run.label} (exit {run.exit_code}):\n{run.output[:4000]}\n{run.errors[-4000:]}"
    assert run.exit_code == 0, told
    assert run.counts == expected, told


async def test_import_of_a_county_workbook(
    settings: Settings, make_tenant: MakeTenant, tmp_path: Path
) -> None:
    tenant = await make_tenant(county_code=COUNTY_CODE, name="测试县")
    started = time.perf_counter()
    book = write_county_workbook(tmp_path / "county.xlsx", COUNTY_CODE)
    generated = time.perf_counter() - started
    empty_size = CountySize(divisions=0, townships=0, communities=0, units=0, members=0)
    empty = write_county_workbook(tmp_path / "empty.xlsx", COUNTY_CODE, empty_size)
    everything_new = {
        "区划": (book.divisions, 0, 0),
        "单位": (book.units, 0, 0),
        "党员": (book.members, 0, 0),
    }
    everything_unchanged = {
        "区划": (0, 0, book.divisions),
        "单位": (0, 0, book.units),
        "党员": (0, 0, book.members),
    }
    app_url = settings.database_url or ""

    # The command line's own cost: start, connect, check the schema, read empty sheets.
    startup = run_import("headers-only workbook (CLI overhead)", settings, empty.path)
    check(startup, {})
    first = run_import("first import", settings, book.path)
    check(first, everything_new)
    after_first = await registered(app_url, tenant.id)
    assert after_first == {
        "nodes": 1 + book.divisions,
        "units": book.units,
        "members": book.members,
        "id_cards": book.members_with_id_card,
    }
    second = run_import("second import, unchanged", settings, book.path)
    check(second, everything_unchanged)
    dry_run = run_import("--dry-run, unchanged", settings, book.path, dry_run=True)
    check(dry_run, everything_unchanged)
    assert await registered(app_url, tenant.id) == after_first

    # How much of it is reading the file, in each layout (this process, no database).
    inline = write_county_workbook(tmp_path / "inline.xlsx", COUNTY_CODE, layout="openpyxl")
    reads = {layout.layout: read_every_row(layout.path) for layout in (book, inline)}
    assert {rows for _, rows in reads.values()} == {book.divisions + book.units + book.members}

    print(
        f"\nworkbook: {book.divisions:,} divisions ({book.townships} townships, "
        f"{book.communities} communities, {book.compounds:,} compounds), {book.units:,} units, "
        f"{book.members:,} members ({book.members_with_id_card:,} with an ID card)"
    )
    print(
        f"written as Excel saves it (shared strings): {book.bytes / 2**20:.1f} MiB, "
        f"generated in {generated:.1f} s"
    )
    print("each run: `gongjian import` in a process of its own; peak RSS of it from os.wait4\n")
    print(f"{'run':<38} {'wall':>9} {'peak RSS':>18}")
    print(report_line(startup))
    for run in (first, second, dry_run):
        print(report_line(run, startup))
    print()
    for run in (first, second, dry_run):
        print(f"{run.label}: {run.output.splitlines()[0]}")
    print("\nreading every row alone (the import's reader, openpyxl read-only, no database):")
    for layout, (seconds, rows) in reads.items():
        print(f"  {layout:<9} layout: {rows:,} rows in {seconds:.1f} s")
    time_met = "met" if first.seconds <= TARGET_SECONDS else "NOT met"
    memory_met = "met" if megabytes(first.peak_mib) <= TARGET_MB else "NOT met"
    print(f"\ntarget first import ≤ {TARGET_SECONDS:.0f} s: {first.seconds:.1f} s, {time_met}")
    print(
        f"target peak memory ≤ {TARGET_MB:.0f} MB: {megabytes(first.peak_mib):.0f} MB, {memory_met}"
    )
    print(f"second, unchanged import: {second.seconds:.1f} s")
