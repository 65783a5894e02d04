"""How long `acct-tui status` takes, end to end, as a shell prompt or tmux would run it.

Seeds a temporary SQLite database (default 2,000 accounts, a few agents), then
runs the status line `--runs` times as a new process each time (answered from
its cache, as a prompt gets it between writes; `--fresh` counts every time), and for scale
the bare interpreter (`python -c pass`) and the interpreter importing the
command line module. Prints the minimum and the median wall time in ms (the
minimum is the figure for an idle machine; the median shows the load). Bytecode
is written and used, as in an installed copy (a first run warms it).

    python benchmarks/status_bench.py [--accounts 2000] [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "ACCT_TUI_HOME": folder, "PYTHONPATH": str(ROOT)}
        # An installed acct-tui runs from compiled bytecode (pip writes it): time that, not compiling the sources.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        db = str(Path(folder) / "status.db")
        acct = [sys.executable, "-m", "acct_tui", "--db", db]
        subprocess.run([*acct, "--agent", "bench", "seed", "--accounts", str(args.accounts)], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        agent = "alex"  # the seed's second agent: owns a share of the accounts and follow-ups
        line = subprocess.run([*acct, "--agent", agent, "status"], env=env, check=True, capture_output=True, text=True)
        print(f"{args.accounts:,} accounts; status of {agent}: {line.stdout.strip()}")
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("python -c 'import acct_tui.cli'", [sys.executable, "-c", "import acct_tui.cli"]),
            ("acct-tui status", [*acct, "--agent", agent, "status"]),
            ("acct-tui status --format ...", [*acct, "--agent", agent, "status", "--format",
                                              "{overdue}! {due_today} {coming_up} {renewals_unplanned} {at_risk}"]),
            ("acct-tui status --fresh", [*acct, "--agent", agent, "status", "--fresh"]),
        ]  # fmt: skip
        for name, command in rows:
            best, median = timed(command, env, args.runs)
            print(f"{name:<32} min {best:6.1f} ms   median {median:6.1f} ms")


if __name__ == "__main__":
    main()
