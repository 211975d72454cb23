"""Start-up time of the command line against the interpreter it runs on, in one run.

Each command is started ``--repeat`` times as a fresh process; the table gives the median wall
time and its ratio to the bare interpreter (``python -c pass``, the peer: what no command can
start below) and to importing pandas (what any command that reads a scenario pays).

Run:  python bench/startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
    "rackforge --help": [sys.executable, "-m", "rackforge.cli", "--help"],
    "rackforge validate tiny": [sys.executable, "-m", "rackforge.cli", "validate", "tiny"],
}


def median_wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    walls = {name: median_wall(cmd, args.repeat) for name, cmd in COMMANDS.items()}
    bare, pandas = walls["python -c pass"], walls["python -c 'import pandas'"]
    print("| command | median wall | x bare interpreter | x import pandas |")
    print("|---|---|---|---|")
    for name, wall in walls.items():
        print(f"| `{name}` | {wall:.2f} s | {wall / bare:.1f} | {wall / pandas:.1f} |")


if __name__ == "__main__":
    main()
