"""Served-dashboard benchmark: memory per session, bytes per cursor keystroke, key-to-screen latency.

Runs `acct-tui serve-ssh` as its own process on a seeded database, connects N
SSH clients at once (asyncssh, each with a pseudo-terminal, each a different
agent with their own key), waits until every dashboard is on screen, then:

- memory: RSS and PSS of every app process (PSS shares the libraries fairly);
- bytes per keystroke: one session moves the portfolio cursor (j, then k) and
  the bytes the server sends back for each key are counted;
- latency: with all N sessions connected, keys go round-robin to each session
  one at a time (time to the first byte back, and until the screen is quiet),
  then every session presses a key at the same moment (a burst).

    .venv/bin/python benchmarks/ssh_bench.py [--sessions 25] [--accounts 2000] [--db URL] [--json]

Everything lives in a temporary folder (ACCT_TUI_HOME) unless --db points elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUIET = 0.15  # seconds without output after which a screen update counts as complete


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(url: str, accounts: int, sessions: int) -> list[tuple[str, Any]]:
    """Seed the database and give `sessions` agents a key each; returns (login, private key) pairs."""
    import asyncssh

    from acct_tui.db import open_database
    from acct_tui.services.context import Ctx
    from acct_tui.services.io.seed import seed
    from acct_tui.services.writes.agents import add_agent, list_agents, resolve_agent
    from acct_tui.services.writes.keys import add_keys

    db = open_database(url)
    admin = Ctx(agent=resolve_agent("bench-admin"))
    if accounts:
        seed(accounts, agents=sessions, admin_login="bench-admin")
    logins = [row.login for row in list_agents() if row.login != "bench-admin"][:sessions]
    for number in range(len(logins), sessions):
        logins.append(add_agent(admin, f"bench{number:02d}").login)
    pairs = []
    for login in logins:
        key = asyncssh.generate_private_key("ssh-ed25519", comment=f"{login}@bench")
        add_keys(admin, login, key.export_public_key("openssh").decode())
        pairs.append((login, key))
    db.close()
    return pairs


@dataclass
class Client:
    """One connected agent: output arrival times and sizes, recorded by a reader task."""

    login: str
    conn: Any = None
    process: Any = None
    chunks: list[tuple[float, int]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    screen: Any = None
    stream: Any = None
    render: bool = True
    reader: Any = None

    async def read_forever(self) -> None:
        while True:
            data = await self.process.stdout.read(65536)
            if not data:
                return
            self.chunks.append((time.perf_counter(), len(data)))
            if self.render:
                self.stream.feed(data)
            self.arrived.set()

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def bytes_since(self, index: int) -> int:
        return sum(size for _, size in self.chunks[index:])

    async def until_quiet(self, start_index: int, timeout: float = 5.0) -> tuple[float | None, float | None]:
        """(first byte time, last byte time) of the output after `start_index`, once quiet for QUIET seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if len(self.chunks) > start_index:
                last = self.chunks[-1][0]
                if time.perf_counter() - last >= QUIET:
                    return self.chunks[start_index][0], last
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), QUIET)
        if len(self.chunks) > start_index:
            return self.chunks[start_index][0], self.chunks[-1][0]
        return None, None


async def connect(port: int, login: str, key: Any, columns: int, rows: int) -> tuple[Client, float]:
    import asyncssh
    import pyte

    client = Client(login)
    client.screen = pyte.Screen(columns, rows)
    client.stream = pyte.ByteStream(client.screen)
    started = time.perf_counter()
    client.conn = await asyncssh.connect(
        "127.0.0.1", port, username=login, client_keys=[key], known_hosts=None, agent_path=None
    )
    client.process = await client.conn.create_process(
        term_type="xterm-256color", term_size=(columns, rows), encoding=None
    )
    client.reader = asyncio.ensure_future(client.read_forever())
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        screen = client.text()
        if "Portfolio" in screen and "accounts" in screen:
            break
        client.arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(client.arrived.wait(), 1)
    else:
        raise SystemExit(f"{login}: the dashboard did not appear; the screen shows:\n{client.text()}")
    await client.until_quiet(0, timeout=10)
    return client, time.perf_counter() - started


def memory_of(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB."""
    rss = pss = 0.0
    with contextlib.suppress(FileNotFoundError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    return rss, pss


def app_pids(server_pid: int) -> list[int]:
    """The server's children that run the dashboard."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == server_pid and b"acct_tui" in cmdline:
            pids.append(int(entry.name))
    return pids


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"p50": float("nan"), "p95": float("nan"), "max": float("nan"), "mean": float("nan")}
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1], "mean": statistics.fmean(ordered)}


async def press_and_measure(client: Client, key: bytes) -> tuple[int, float | None, float | None]:
    """Bytes back, time to first byte and time until quiet (ms), for one keystroke."""
    index = len(client.chunks)
    sent = time.perf_counter()
    client.process.stdin.write(key)
    first, last = await client.until_quiet(index)
    if first is None or last is None:
        return 0, None, None
    return client.bytes_since(index), (first - sent) * 1000, (last - sent) * 1000


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="acct-ssh-bench-"))
    os.environ["ACCT_TUI_HOME"] = str(home)
    url = args.db or str(home / "bench.db")
    print(f"preparing {url} ({args.accounts} accounts, {args.sessions} agents with keys) ...", file=sys.stderr)
    pairs = prepare_database(url, args.accounts, args.sessions)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "acct_tui",
            "serve-ssh",
            "--db",
            url,
            "--port",
            str(port),
            "--max-sessions-per-agent",
            "5",
            "--log-file",
            str(home / "ssh.log"),
        ],
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            await asyncio.sleep(0.1)
        columns, rows = args.size
        print("connecting one session alone ...", file=sys.stderr)
        solo, solo_start = await connect(port, *pairs[0], columns, rows)
        solo.process.stdin.write(b"\x11")
        await asyncio.wait_for(solo.process.wait(), 20)
        solo.conn.close()
        print(f"connecting {args.sessions} sessions at once ...", file=sys.stderr)
        connected = await asyncio.gather(*(connect(port, login, key, columns, rows) for login, key in pairs))
        clients = [client for client, _ in connected]
        start_times = [seconds for _, seconds in connected]
        for client in clients:
            client.render = False
        await asyncio.sleep(1.0)

        pids = app_pids(server.pid)
        memory = [memory_of(pid) for pid in pids]
        server_rss, server_pss = memory_of(server.pid)

        idle_from = [len(c.chunks) for c in clients]
        await asyncio.sleep(3.0)
        idle_bytes = sum(c.bytes_since(i) for c, i in zip(clients, idle_from, strict=True))

        print("measuring bytes per keystroke ...", file=sys.stderr)
        one = clients[0]
        down = [await press_and_measure(one, b"j") for _ in range(args.keystrokes)]
        up = [await press_and_measure(one, b"k") for _ in range(args.keystrokes)]
        per_key = [size for size, _, _ in down + up if size]

        print("measuring latency round-robin ...", file=sys.stderr)
        rounds = []
        for number in range(args.keystrokes * 2):
            client = clients[number % len(clients)]
            rounds.append(await press_and_measure(client, b"j" if (number // len(clients)) % 2 == 0 else b"k"))

        print("measuring a burst (every session at once) ...", file=sys.stderr)
        bursts: list[tuple[int, float | None, float | None]] = []
        for number in range(args.bursts):
            key = b"j" if number % 2 == 0 else b"k"
            bursts.extend(await asyncio.gather(*(press_and_measure(c, key) for c in clients)))

        for client in clients:
            client.process.stdin.write(b"\x11")
        await asyncio.sleep(1.0)
        for client in clients:
            client.conn.close()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    return {
        "sessions": len(clients),
        "accounts": args.accounts,
        "terminal": f"{columns}x{rows}",
        "cpus": os.cpu_count(),
        "session_start_alone_s": solo_start,
        "session_start_s": summary(start_times),
        "app_rss_mib": summary([rss for rss, _ in memory]),
        "app_pss_mib": summary([pss for _, pss in memory]),
        "app_processes": len(pids),
        "server_rss_mib": server_rss,
        "server_pss_mib": server_pss,
        "idle_bytes_per_session_per_s": idle_bytes / len(clients) / 3.0,
        "bytes_per_cursor_key": summary([float(size) for size in per_key]),
        "latency_one_at_a_time_first_byte_ms": summary([first for _, first, _ in rounds if first is not None]),
        "latency_one_at_a_time_complete_ms": summary([done for _, _, done in rounds if done is not None]),
        "latency_burst_first_byte_ms": summary([first for _, first, _ in bursts if first is not None]),
        "latency_burst_complete_ms": summary([done for _, _, done in bursts if done is not None]),
        "keys_without_answer": sum(1 for size, _, _ in down + up + rounds + bursts if not size),
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"\nacct-tui over SSH: {result['sessions']} sessions, {result['accounts']} accounts, "
        f"terminal {result['terminal']}, {result['cpus']} CPUs"
    )
    rows = [
        ("session start, all connecting at once, s", result["session_start_s"], "{:.2f}"),
        ("app process RSS, MiB", result["app_rss_mib"], "{:.1f}"),
        ("app process PSS, MiB", result["app_pss_mib"], "{:.1f}"),
        ("bytes sent per cursor keystroke", result["bytes_per_cursor_key"], "{:.0f}"),
        ("key to first byte, one at a time, ms", result["latency_one_at_a_time_first_byte_ms"], "{:.1f}"),
        ("key to quiet screen, one at a time, ms", result["latency_one_at_a_time_complete_ms"], "{:.1f}"),
        ("key to first byte, all sessions at once, ms", result["latency_burst_first_byte_ms"], "{:.1f}"),
        ("key to quiet screen, all sessions at once, ms", result["latency_burst_complete_ms"], "{:.1f}"),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure':<{width}}  {'p50':>8} {'p95':>8} {'max':>8} {'mean':>8}")
    for name, stats, fmt in rows:
        cells = " ".join(f"{fmt.format(stats[k]):>8}" for k in ("p50", "p95", "max", "mean"))
        print(f"{name:<{width}}  {cells}")
    print(f"session start (connect to dashboard on screen), one session alone: {result['session_start_alone_s']:.2f} s")
    print(
        f"server process: RSS {result['server_rss_mib']:.1f} MiB; app processes seen: {result['app_processes']}; "
        f"idle output {result['idle_bytes_per_session_per_s']:.0f} B/s per session; "
        f'"quiet" = no output for {QUIET * 1000:.0f} ms (the complete times include no part of that wait); '
        f"keys with no answer: {result['keys_without_answer']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--accounts", type=int, default=2000, help="accounts to seed (0: use --db as it is)")
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file in a temp folder)")
    parser.add_argument("--keystrokes", type=int, default=30, help="cursor keys per direction for the byte count")
    parser.add_argument("--bursts", type=int, default=6, help="how many times every session presses at once")
    parser.add_argument(
        "--size", type=lambda s: tuple(int(p) for p in s.split("x")), default=(120, 40), help="COLSxROWS"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    print_table(result)
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
