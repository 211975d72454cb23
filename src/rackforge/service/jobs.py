"""The jobs a run may ask for, and their options checked against the command line's own.

A run's options are the options of the ``rackforge JOB`` command, named as in Python
(``time_limit`` for ``--time-limit``) and converted by the command's own parameter types, so
the service accepts what the command accepts. Options naming files or folders, processes or
clusters are the service's business and are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JOBS = ("plan", "twin", "execute", "risk", "stress", "inventory", "roadmap", "run")
#: Options a run may not set: where files go, what else is read, how many processes.
RESERVED = frozenset(
    {
        "path",
        "out",
        "json_file",
        "plan_csv",
        "inventory_csv",
        "write_demand",
        "willems",
        "gsm",
        "dask",
        "dask_workers",
        "workers",
        "rows",
        "help",
    }
)


#: The sub-folder of a run's output that ``plan --out`` and ``run --out`` write.
FOLDER = "files"


class OptionError(ValueError):
    """Options a job does not take, or values its command refuses."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _command(job: str) -> Any:
    import typer

    from rackforge.cli import app

    command = typer.main.get_command(app).commands.get(job)  # type: ignore[attr-defined]
    if job not in JOBS or command is None:
        raise OptionError([f"job: {job!r} is not one of {', '.join(JOBS)}"])
    return command


def _options(command: Any) -> dict[str, Any]:
    return {p.name: p for p in command.params if getattr(p, "opts", None) and p.opts[0][:2] == "--"}


def _args(params: dict[str, Any], options: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for name, value in options.items():
        param = params[name]
        if param.is_flag:
            if not isinstance(value, bool):
                raise OptionError([f"options.{name}: expected true or false"])
            if param.secondary_opts:
                args.append(param.opts[0] if value else param.secondary_opts[0])
            elif value:
                args.append(param.opts[0])
        elif param.multiple:
            values = value if isinstance(value, list) else [value]
            for v in values:
                args += [param.opts[0], _text(name, v)]
        else:
            args += [param.opts[0], _text(name, value)]
    return args


def _text(name: str, value: Any) -> str:
    if isinstance(value, (dict, list)) or value is None:
        raise OptionError([f"options.{name}: expected a single value"])
    return str(value).lower() if isinstance(value, bool) else str(value)


def result_name(job: str) -> str:
    """The file holding a run's result document."""
    return "summary.json" if job == "run" else f"{job}.json"


@dataclass(frozen=True)
class JobCall:
    """A checked job: its options as given and the command line that runs it."""

    job: str
    options: dict[str, Any]
    seed: int | None

    def argv(self, scenario: str, out: str) -> list[str]:
        """``rackforge`` arguments running the job on ``scenario``, writing its document into
        ``out`` and, for the jobs that write a folder, that folder as ``out/FOLDER``."""
        args = [self.job, scenario]
        if self.job in ("plan", "run"):  # a folder replaced as a whole: not ``out`` itself
            args += ["--out", f"{out}/{FOLDER}"]
        if self.job != "run":
            args += ["--json", f"{out}/{self.job}.json"]
        return args + _args(_options(_command(self.job)), self.options)

    @property
    def result_name(self) -> str:
        return result_name(self.job)


def describe_jobs() -> list[dict[str, Any]]:
    """Every job and the options a run may set: name, kind (flag, choice, number, text),
    choices, default, bounds and help, as the command declares them."""
    out = []
    for job in JOBS:
        command = _command(job)
        options = []
        for name, param in _options(command).items():
            if name in RESERVED:
                continue
            descriptor = param.type_descriptor
            choices = [getattr(c, "value", c) for c in (descriptor.choices or ())]
            annotation = descriptor.annotation
            kind = "flag" if param.is_flag else "choice" if choices else "text"
            if not param.is_flag and annotation in (int, float):
                kind = "integer" if annotation is int else "number"
            default = getattr(param.default, "value", param.default)
            options.append(
                {
                    "name": name,
                    "option": param.opts[0],
                    "kind": kind,
                    "choices": [str(c) for c in choices],
                    "default": default if isinstance(default, (int, float, str, bool)) else None,
                    "min": param.min,
                    "max": param.max,
                    "help": (param.help or "").strip(),
                }
            )
        out.append(
            {"job": job, "help": (command.help or "").strip().split("\n")[0], "options": options}
        )
    return out


def check(job: str, options: dict[str, Any] | None) -> JobCall:
    """Check ``options`` for ``job`` by parsing them with the job's command (:class:`OptionError`
    says what it refuses)."""
    command = _command(job)
    params = _options(command)
    options = dict(options or {})
    unknown = [n for n in options if n not in params or n in RESERVED]
    if unknown:
        allowed = ", ".join(sorted(n for n in params if n not in RESERVED))
        raise OptionError(
            [f"options.{n}: not an option of {job} (one of {allowed})" for n in unknown]
        )
    try:
        context = command.make_context(job, ["scenario", *_args(params, options)])
    except OptionError:
        raise
    except Exception as exc:  # the command's own usage error, as it words it
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        raise OptionError([f"options: {message}"]) from None
    seed = context.params.get("seed")
    return JobCall(job, options, None if seed is None else int(seed))


#: Keys of the documents that time the run rather than answer it: not KPIs.
TIMINGS = frozenset({"solver", "seconds", "solve_seconds"})


def kpis(documents: dict[str, Any]) -> dict[str, float]:
    """Numbers of the run's JSON documents, two levels deep, named ``FILE.KEY[.KEY]``
    (``plan.kpis.fill_rate``), timings left out: what comparing runs queries."""
    out: dict[str, float] = {}
    for stem, document in documents.items():
        if not isinstance(document, dict):
            continue
        for key, value in document.items():
            if key in TIMINGS:
                continue
            if isinstance(value, dict):
                for sub, leaf in value.items():
                    if _number(leaf):
                        out[f"{stem}.{key}.{sub}"] = float(leaf)
            elif _number(value):
                out[f"{stem}.{key}"] = float(value)
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
