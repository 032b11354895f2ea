"""Line numbers of malformed CSV records: `source_line_number` is the physical line of the file
where the record starts (what a text editor shows), also after a valid record whose quoted value
spans several lines, with CRLF line endings, a UTF-8 byte order mark or blank lines.
DuckDB's own reject line counts only the lines outside quoted values; the loader maps it back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, MODELS_ONLY, DbtRunner

pytestmark = pytest.mark.dbt

HEADER = "event_id,user_id,event_type,item_id,order_id,quantity,unit_price,event_at,channel"
VIEW = "{id},u1,view,i1,,,,2026-01-05 10:00:00,app"
# a valid record whose quoted channel spans three lines (with a doubled quote inside)
MULTI_LINE = '{id},u1,view,i1,,,,2026-01-05 10:00:00,"app\nsecond ""line""\nthird"'
# the malformed records: too few fields; the test finds the line each starts on by its id
BAD = "{id},u1,view"
# events.csv parts: (file name, lines of the file, line ending, byte order mark)
PARTS = {
    "embedded_newline": (
        [HEADER, VIEW, MULTI_LINE, BAD, VIEW, MULTI_LINE, MULTI_LINE, VIEW, BAD, VIEW],
        "\n",
        False,
    ),
    "crlf": ([HEADER, MULTI_LINE, VIEW, BAD, MULTI_LINE, BAD], "\r\n", False),
    "bom": ([HEADER, MULTI_LINE, BAD, VIEW, BAD], "\n", True),
    "blank_lines": ([HEADER, "", VIEW, "", MULTI_LINE, "", "", BAD, "", MULTI_LINE, BAD, ""], "\n", False),
    # a `"` inside an unquoted value is a character (not the start of a quoted value): a count
    # of quote characters would be odd from there on
    "inch_mark": (
        [HEADER, VIEW.replace(",app", ',32" TV'), MULTI_LINE, BAD, MULTI_LINE, BAD],
        "\r\n",
        True,
    ),
}


def part_text(name: str) -> str:
    """The text of one part: record ids `<name>_<line index>`, multi-line records' line breaks
    in the part's line ending."""
    lines, ending, bom = PARTS[name]
    records = [line.format(id=f"{name}_{i}").replace("\n", ending) for i, line in enumerate(lines)]
    return ("\ufeff" if bom else "") + ending.join(records) + ending


def expected_lines(name: str) -> list[int]:
    """The 1-based physical lines where the part's malformed records start, as an editor counts
    them (a CRLF is one line break)."""
    physical = part_text(name).split("\n")
    return [i + 1 for i, line in enumerate(physical) if line.rstrip("\r").endswith(",u1,view")]


def write_shop(raw: Path, parts: dict[str, bytes]) -> Path:
    """The dirty fixture's users and items with events as a folder of the given CSV parts."""
    raw.mkdir(parents=True)
    for table in ("users", "items"):
        shutil.copy(FIXTURES / "dirty" / f"{table}.csv", raw / f"{table}.csv")
    (raw / "events").mkdir()
    for name, data in parts.items():
        (raw / "events" / f"{name}.csv").write_bytes(data)
    return raw


@pytest.fixture(scope="module")
def line_build(tmp_path_factory: pytest.TempPathFactory) -> DbtRunner:
    """One build of every part of PARTS."""
    root = tmp_path_factory.mktemp("line_numbers")
    raw = write_shop(root / "raw", {name: part_text(name).encode() for name in PARTS})
    runner = DbtRunner(root)
    result = runner.run(
        "build", "--select", "+rejected_events", *MODELS_ONLY, dbt_vars={"raw_data_path": str(raw)}
    )
    assert result.returncode == 0, result.output[-4000:]
    return runner


@pytest.mark.parametrize("part", list(PARTS))
def test_malformed_record_is_named_by_its_physical_line(line_build: DbtRunner, part: str) -> None:
    expected = expected_lines(part)
    assert len(expected) >= 2  # the fixture itself: at least one after a multi-line record
    staged = line_build.query(
        "select source_line_number from staging.stg_loader__malformed_lines where source_file = ? order by 1",
        [f"{part}.csv"],
    )
    assert [line for (line,) in staged] == expected
    # and the same number in the quarantine mart
    quarantined = line_build.query(
        "select source_line_number from marts.rejected_events "
        "where reject_reason = 'malformed_csv_line' and source_file = ? order by 1",
        [f"{part}.csv"],
    )
    assert [line for (line,) in quarantined] == expected
