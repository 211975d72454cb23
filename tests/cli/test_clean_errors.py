"""Every command ends cleanly: bad files and settings are located problems (exit 2), an
unexpected error is one line with a hint (exit 1, the traceback only with --debug)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from rackforge.cli import main
from rackforge.scenario import ScenarioError
from rackforge.scenario.io import bundled_path


def tiny_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(bundled_path("tiny"), folder)
    return folder


def exit_status(args: list[str]) -> int:
    with pytest.raises(SystemExit) as stop:
        main(args)
    code = stop.value.code
    return code if isinstance(code, int) else 1


def replace_demand(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / "demand.csv").unlink()
        make(folder / "demand.csv")

    return edit


def append(name: str, text: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        with open(folder / name, "a", encoding="utf-8") as fh:
            fh.write(text)

    return edit


def rewrite(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    return edit


CASES = {
    "a directory named like a table": (replace_demand(os.mkdir), "demand.csv: -: is not a regular"),
    "a dangling link": (
        replace_demand(lambda p: os.symlink("/no/such/file", p)),
        "demand.csv: -: cannot be read",
    ),
    "a pipe": (replace_demand(os.mkfifo), "demand.csv: -: is not a regular file"),
    "a link out of the folder": (
        replace_demand(lambda p: os.symlink("/etc/hostname", p)),
        "demand.csv: -: links outside the scenario folder",
    ),
    "YAML nested 600 deep": (
        lambda f: (f / "roadmap.yaml").write_text("a: " + "[" * 600 + "]" * 600 + "\n"),
        "roadmap.yaml:1: -: not valid YAML: nested deeper than 20 levels",
    ),
    "a YAML alias": (
        append("scenario.yaml", "x_a: &a [1, 2]\nx_b: *a\n"),
        "not valid YAML: aliases (*name) are not allowed",
    ),
    "an integer past 2^63": (
        rewrite("resources.csv", "labor-1,labor,2,", "labor-1,labor,9223372036854775808,"),
        "resources.csv:2: units: 9.22337e+18 must be <= 5000",
    ),
    "an id read as markup": (
        rewrite("sites.csv", "dc-1", "dc[/]1"),
        "id 'dc[/]1': an id is 1 to 100 letters, digits and _ . - / >, starting with",
    ),
    "a horizon of a trillion weeks": (
        rewrite("scenario.yaml", "horizon_weeks: 8", "horizon_weeks: 1000000000000"),
        "horizon_weeks: must be a whole number from 1 to 520",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_files_are_located_problems(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, expected = CASES[case]
    folder = tiny_copy(tmp_path)
    edit(folder)
    assert exit_status(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_locations_print_as_they_are(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ``:100:`` is not an emoji code and a long problem is not wrapped on a pipe.
    folder = tiny_copy(tmp_path)
    lines = (folder / "demand.csv").read_text(encoding="utf-8").splitlines()
    bad = lines[1].split(",")
    bad[lines[0].split(",").index("qty")] = "-1"
    lines += [lines[1].replace(lines[1].split(",")[0], f"d-{n}") for n in range(100)]
    lines[99] = ",".join(bad).replace(bad[0], "d-bad")
    (folder / "demand.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert exit_status(["validate", str(folder)]) == 2
    problems = [line for line in capsys.readouterr().err.splitlines() if "qty" in line]
    assert problems == ["demand.csv:100: qty: -1 must be >= 0"]


def test_an_unexpected_error_is_one_line_and_debug_shows_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rackforge.cli.scenario as command

    def broken(path: str | None) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(command, "load_or_exit", broken)
    assert exit_status(["validate", "tiny"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "rackforge validate: internal error (RuntimeError: boom). This is a bug: run again "
        "with --debug for the traceback and report it with the scenario."
    ]
    with pytest.raises(RuntimeError, match="boom"):
        main(["validate", "tiny", "--debug"])


def test_a_full_disk_is_a_clean_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rackforge.cli.scenario as command

    def full(path: str | None) -> None:
        raise OSError(28, "No space left on device", "/data/out.csv")

    monkeypatch.setattr(command, "load_or_exit", full)
    assert exit_status(["validate", "tiny"]) == 1
    assert capsys.readouterr().err.strip() == (
        "cannot read or write /data/out.csv: No space left on device"
    )


def test_text_is_exported_as_text_and_input_formulas_are_refused(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from rackforge import load_scenario, save_workbook

    tiny = load_scenario("tiny")
    sites = tiny.sites.assign(name=['=HYPERLINK("http://x")'] * len(tiny.sites))
    book = save_workbook(tiny.with_tables(sites=sites), tmp_path / "t.xlsx")
    cell = load_workbook(book)["sites"]["D2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")
    assert load_scenario(book).sites["name"].iloc[0] == '=HYPERLINK("http://x")'
    edited = load_workbook(book)
    edited["sites"]["D2"] = "=1+1"  # a live formula in an input workbook
    edited.save(tmp_path / "f.xlsx")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "f.xlsx")
    assert [str(p) for p in err.value.problems] == [
        "f.xlsx[sites]:2: -: cell D2 is a formula; enter its value"
    ]


def test_one_pass_and_one_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A bad cell does not hide a BOM cycle in the same file, nor a reference elsewhere; a
    # semicolon-separated table is one problem, not one per reference to it.
    folder = tiny_copy(tmp_path)
    bom = (folder / "bom.csv").read_text(encoding="utf-8").splitlines()
    parent, child = bom[1].split(",")[:2]
    bom.append(f"{child},{parent},1,,0")  # child needs parent: a cycle
    bom[2] = bom[2].replace(",1,", ",-5,", 1)  # a bad cell in another row
    (folder / "bom.csv").write_text("\n".join(bom) + "\n", encoding="utf-8")
    rewrite("demand.csv", "rack-t,dc-1", "rack-t,dc-9")(folder)
    lanes = folder / "lanes.csv"
    lanes.write_text(lanes.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    assert exit_status(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "bom.csv:3: qty: -5 must be > 0" in err
    assert "cycle" in err
    assert "demand.csv:2: site: unknown site 'dc-9'" in err
    assert "lanes.csv:1: -: the header is split by ';', not commas: save it as CSV" in err
    assert err.count("lanes.csv") == 1


def test_validate_checks_the_roadmap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "racks"
    shutil.copytree(bundled_path("us-ai-racks"), folder)
    rewrite("roadmap.yaml", "pue: 1.", "pue: -5 #")(folder)
    assert exit_status(["validate", str(folder)]) == 2
    assert "roadmap.yaml: pue: must be in [1, 10], got -5" in capsys.readouterr().err


def test_hidden_files_are_not_tables(tmp_path: Path) -> None:
    # A temporary file an interrupted write left (``.demand-x1y2.csv``) is not read.
    from rackforge import load_scenario

    folder = tiny_copy(tmp_path)
    (folder / ".demand-x1y2.csv").write_text("demand,item\nhalf-writ", encoding="utf-8")
    assert len(load_scenario(folder).demand) == len(load_scenario("tiny").demand)


def test_flags_show_no_value_type_in_help() -> None:
    from typer.testing import CliRunner

    from rackforge.cli import app

    commands = ["", "run", "validate", "show", "plan", "compare", "roadmap", "twin", "risk"]
    for command in commands:
        result = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, command
        typed = [line for line in result.output.splitlines() if "<bool>" in line]
        assert all("--help" in line for line in typed), (command, typed)
