"""Reading and writing scenarios: a folder of CSVs + ``scenario.yaml``, or one ``.xlsx``.

Readers turn bytes into :class:`RawTable` s and hand them to the one validator; writers render
every cell with :func:`format_cell`, so ``load(save(s)) == s``. Writes go to a temporary file or
folder first and are moved into place only when complete: nothing is ever half-written.
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import yaml

from rackforge._atomic import atomic_target, staging_folder
from rackforge._xlsx import keep_text
from rackforge.scenario.cells import format_cell
from rackforge.scenario.config import dump_config, parse_config
from rackforge.scenario.errors import Problem, ScenarioError
from rackforge.scenario.model import Scenario
from rackforge.scenario.schema import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_YAML_DEPTH,
    SCHEMAS,
    ColumnType,
)
from rackforge.scenario.validate import RawTable, build_scenario

BUNDLED_DIR = Path(__file__).parent / "bundled"
DEFAULT_SCENARIO = "us-ai-racks"
CONFIG_FILE = "scenario.yaml"
ROADMAP_FILE = "roadmap.yaml"
CONFIG_SHEET = "scenario"
ROADMAP_SHEET = "roadmap"


def bundled_names() -> list[str]:
    """Names of the scenarios shipped with rackforge."""
    return sorted(p.name for p in BUNDLED_DIR.iterdir() if (p / CONFIG_FILE).is_file())


def bundled_path(name: str) -> Path:
    path = BUNDLED_DIR / name
    if not (path / CONFIG_FILE).is_file():
        raise ScenarioError(
            [Problem(name, f"no bundled scenario; choose one of {', '.join(bundled_names())}")]
        )
    return path


def resolve(path: str | os.PathLike[str] | None) -> Path:
    """A path as given, else a bundled scenario by name, else the default bundled scenario."""
    if path is None:
        return bundled_path(DEFAULT_SCENARIO)
    candidate = Path(path)
    if candidate.exists():
        return candidate
    if str(path) in bundled_names():
        return bundled_path(str(path))
    raise ScenarioError(
        [
            Problem(
                str(path),
                "no such file or folder, and no bundled scenario of that name (bundled: "
                + ", ".join(bundled_names())
                + ")",
            )
        ]
    )


def load_scenario(path: str | os.PathLike[str] | None = None) -> Scenario:
    """Load and validate a scenario folder, ``.xlsx`` workbook, or bundled scenario by name."""
    where = resolve(path)
    if where.is_dir():
        return _load_folder(where)
    if where.suffix.lower() == ".xlsx":
        return _load_workbook(where)
    raise ScenarioError([Problem(str(where), "expected a scenario folder or an .xlsx workbook")])


# --- CSV folder --------------------------------------------------------------------------------


def _decode(data: bytes, file: str, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(file, f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line))
        return None


def read_input(path: Path, folder: Path, problems: list[Problem]) -> bytes | None:
    """The bytes of one input file, or ``None`` and a problem: it must be a regular file
    (not a directory, a pipe or a device; a link only to a file inside ``folder``) of at most
    :data:`MAX_FILE_BYTES`."""
    name = path.name
    try:
        real = path.resolve(strict=True)
        info = real.stat()
    except (OSError, RuntimeError):
        problems.append(Problem(name, "cannot be read (a broken link or no access)"))
        return None
    if not real.is_relative_to(folder.resolve()):
        problems.append(Problem(name, "links outside the scenario folder"))
        return None
    if not stat.S_ISREG(info.st_mode):
        problems.append(Problem(name, "is not a regular file"))
        return None
    if info.st_size > MAX_FILE_BYTES:
        problems.append(Problem(name, f"is over {MAX_FILE_BYTES // 2**20} MiB"))
        return None
    try:
        return real.read_bytes()
    except OSError as exc:
        problems.append(Problem(name, f"cannot be read ({exc.strerror})"))
        return None


class _Loader(yaml.SafeLoader):
    """YAML without aliases and at most :data:`MAX_YAML_DEPTH` levels deep: settings are a
    few plain keys, and an alias or a deep nest only serves to exhaust memory or the stack."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", mark)
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", mark
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def parse_yaml(text: str) -> Any:
    """``text`` read as settings YAML (:class:`_Loader`); raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_Loader)


def _read_text(path: Path, folder: Path, problems: list[Problem]) -> str | None:
    """One input file as UTF-8 text (:func:`read_input`, then decoded), or ``None`` and a
    problem."""
    data = read_input(path, folder, problems)
    return None if data is None else _decode(data, path.name, problems)


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    text = _read_text(path, path.parent, problems)
    if text is None:
        return None
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem(path.name, f"not valid YAML: {getattr(exc, 'problem', exc)}", line))
        return None


def parse_csv_text(text: str, file: str, problems: list[Problem]) -> RawTable | None:
    """Split CSV text into a :class:`RawTable` (blank lines skipped; line numbers kept)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
            elif len(rows) == MAX_ROWS:
                problems.append(Problem(file, f"more than {MAX_ROWS:,} rows", reader.line_num))
                return None
            else:
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        problems.append(Problem(file, f"not valid CSV: {exc}", reader.line_num))
        return None
    if header is None:
        problems.append(Problem(file, "the file is empty (expected a header row)", 1))
        return None
    if len(header) == 1 and (sep := _other_delimiter(header[0])):
        problems.append(
            Problem(file, f"the header is split by {sep!r}, not commas: save it as CSV", 1)
        )
        return None
    return RawTable(file, header, rows)


def _other_delimiter(header: str) -> str:
    """The separator a one-column header seems to use instead of commas ("" if none)."""
    return next((sep for sep in (";", "\t", "|") if sep in header), "")


def _load_folder(folder: Path) -> Scenario:
    problems: list[Problem] = []
    config_path = folder / CONFIG_FILE
    if not config_path.exists():
        raise ScenarioError([Problem(str(folder), f"no {CONFIG_FILE} in this folder")])
    config, config_problems = parse_config(_read_yaml(config_path, problems))
    problems.extend(config_problems)
    roadmap = (
        _read_yaml(folder / ROADMAP_FILE, problems) if (folder / ROADMAP_FILE).exists() else None
    )
    raw: dict[str, RawTable] = {}
    for path in sorted(folder.glob("*.csv")):
        if path.name.startswith("."):
            continue  # hidden: an editor's or an interrupted write's temporary file
        text = _read_text(path, folder, problems)
        table = None if text is None else parse_csv_text(text, path.name, problems)
        if table is not None:
            raw[path.stem] = table
        elif path.stem in SCHEMAS:
            columns = list(SCHEMAS[path.stem].column_names)
            raw[path.stem] = RawTable(path.name, columns, unreadable=True)
    if config is None:
        raise ScenarioError(problems)
    return build_scenario(config, raw, roadmap=roadmap, source=str(folder), problems=problems)


# --- xlsx workbook -----------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_sheets(path: Path) -> list[tuple[str, list[list[str]]]]:
    """Every sheet as rows of text; any damage to the file becomes one located problem. Rows
    are read whatever the sheet's (possibly stale) dimension tag says; a formula is a problem
    at its cell (its cached value may be stale or missing: a scenario holds values)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    problems: list[Problem] = []
    data = read_input(path, path.parent, problems)
    if data is None:
        raise ScenarioError(problems)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheets = []
            for sheet in book.worksheets:
                sheet.reset_dimensions()
                rows: list[list[str]] = []
                for n, row in enumerate(sheet.iter_rows(), start=1):
                    if n > MAX_ROWS + 1:
                        problems.append(
                            Problem(f"{path.name}[{sheet.title}]", f"more than {MAX_ROWS:,} rows")
                        )
                        break
                    for i, cell in enumerate(row, start=1):
                        if getattr(cell, "data_type", "") == "f":
                            problems.append(
                                Problem(
                                    f"{path.name}[{sheet.title}]",
                                    f"cell {get_column_letter(i)}{n} is a formula; enter its value",
                                    n,
                                )
                            )
                    rows.append([_cell_text(getattr(c, "value", None)) for c in row])
                sheets.append((sheet.title, rows))
        finally:
            book.close()
    except Exception as exc:  # openpyxl raises many types (zip, XML, KeyError) for damaged files
        raise ScenarioError(
            [Problem(path.name, f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})")]
        ) from None
    if problems:
        raise ScenarioError(problems)
    return sheets


def _load_workbook(path: Path) -> Scenario:
    problems: list[Problem] = []
    raw: dict[str, RawTable] = {}
    settings: dict[str, Any] = {}
    for title, rows in _read_sheets(path):
        file = f"{path.name}[{title}]"
        if title in (CONFIG_SHEET, ROADMAP_SHEET):
            settings[title] = _read_settings_sheet(rows, file, problems)
            continue
        numbered = [(i + 1, r) for i, r in enumerate(rows) if any(c.strip() for c in r)]
        if not numbered:
            problems.append(Problem(file, "the sheet is empty (expected a header row)", 1))
            continue
        header = numbered[0][1]
        while header and header[-1] == "":  # openpyxl pads to the sheet's widest row
            header = header[:-1]
        raw[title] = RawTable(file, header, [(n, _fit(r, len(header))) for n, r in numbered[1:]])
    if CONFIG_SHEET not in settings:
        raise ScenarioError([*problems, Problem(path.name, f"no sheet named {CONFIG_SHEET!r}")])
    config, config_problems = parse_config(settings[CONFIG_SHEET], f"{path.name}[{CONFIG_SHEET}]")
    problems.extend(config_problems)
    if config is None:
        raise ScenarioError(problems)
    return build_scenario(
        config, raw, roadmap=settings.get(ROADMAP_SHEET), source=str(path), problems=problems
    )


def _fit(row: list[str], width: int) -> list[str]:
    """Pad a sheet row with blanks to ``width``; trailing blanks past it are padding too."""
    while len(row) > width and row[-1] == "":
        row = row[:-1]
    return row + [""] * (width - len(row))


def _read_settings_sheet(
    rows: list[list[str]], file: str, problems: list[Problem]
) -> dict[str, Any]:
    """A ``key | value`` sheet whose values are YAML (flow style for nested settings)."""
    out: dict[str, Any] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        text = row[1] if len(row) > 1 else ""
        try:
            out[row[0].strip()] = yaml.safe_load(text) if text else None
        except yaml.YAMLError:
            problems.append(Problem(file, "value is not valid YAML", line, row[0]))
    return out


# --- writing -----------------------------------------------------------------------------------


def table_rows(scenario: Scenario, name: str) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of a table, exactly as they are saved."""
    frame = scenario.table(name)
    schema = SCHEMAS[name]
    start = scenario.config.start_date
    header = [str(c) for c in frame.columns]
    rows = []
    for record in frame.itertuples(index=False, name=None):
        rows.append(
            [
                format_cell(v, schema.column_map[h], start) if h in schema.column_map else str(v)
                for h, v in zip(header, record, strict=True)
            ]
        )
    return header, rows


def _written_tables(scenario: Scenario) -> list[str]:
    """Required tables always; optional ones only when they have rows."""
    return [n for n, s in SCHEMAS.items() if s.required or not scenario.table(n).empty]


def save_scenario(
    scenario: Scenario, folder: str | os.PathLike[str], overwrite: bool = False
) -> Path:
    """Write the scenario as a folder of CSVs + YAML; atomically, all files or none."""
    target = Path(folder)
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(f"{target} exists and is not empty")
    staging = staging_folder(target)
    try:
        with open(staging / CONFIG_FILE, "w", encoding="utf-8") as fh:
            yaml.safe_dump(dump_config(scenario.config), fh, sort_keys=False, allow_unicode=True)
        if scenario.roadmap is not None:
            with open(staging / ROADMAP_FILE, "w", encoding="utf-8") as fh:
                yaml.safe_dump(scenario.roadmap, fh, sort_keys=False, allow_unicode=True)
        for name in _written_tables(scenario):
            header, rows = table_rows(scenario, name)
            with open(staging / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(rows)
        if not target.exists():
            staging.rename(target)
        else:
            for stale in target.glob("*.csv"):
                if not (staging / stale.name).exists():
                    stale.unlink()
            for item in staging.iterdir():
                os.replace(item, target / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def save_workbook(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Write the scenario as one ``.xlsx`` (sheet per table + ``scenario`` settings sheet)."""
    from openpyxl import Workbook

    target = Path(path)
    book = Workbook()
    settings = book.active
    assert settings is not None
    settings.title = CONFIG_SHEET
    _write_settings_sheet(settings, dump_config(scenario.config))
    if scenario.roadmap is not None:
        _write_settings_sheet(book.create_sheet(ROADMAP_SHEET), scenario.roadmap)
    for name in _written_tables(scenario):
        sheet = book.create_sheet(name)
        header, rows = table_rows(scenario, name)
        kinds = [
            c.type if (c := SCHEMAS[name].column_map.get(h)) is not None else None for h in header
        ]
        sheet.append(header)
        for row in rows:
            # numbers as numbers (a planner sums and sorts them); the rest as the CSV's text,
            # which the validator parses as it parses a CSV cell
            sheet.append([_sheet_value(t, k) for t, k in zip(row, kinds, strict=True)])
        keep_text(sheet)
    with atomic_target(target) as tmp:
        book.save(tmp)
    return target


def _sheet_value(text: str, kind: ColumnType | None) -> str | int | float:
    """A saved cell as a workbook value: a number for a finite INT or FLOAT cell."""
    if not text or kind not in (ColumnType.INT, ColumnType.FLOAT):
        return text
    number = float(text)
    if not math.isfinite(number):
        return text  # Excel has no infinity: kept as the text the loader reads back
    return int(text) if kind is ColumnType.INT else number


def _write_settings_sheet(sheet: Any, data: dict[str, Any]) -> None:
    sheet.append(["key", "value"])
    for key, value in data.items():
        text = yaml.safe_dump(value, default_flow_style=True, width=10_000)
        sheet.append([key, text.strip().removesuffix("...").strip()])
    keep_text(sheet)
