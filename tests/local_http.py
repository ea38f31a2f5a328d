"""A local static HTTP server for tests: `python -m http.server` on 127.0.0.1, port chosen by the server.

The server binds port 0 itself and says which port it got ("Serving HTTP on 127.0.0.1 port N ...");
no port is picked beforehand and released (another process could take it in between). The server's
output (banner and request lines) goes to a log file the tests read.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn, Optional, Sequence, Tuple

import pytest

SERVE_COMMAND = (sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1")
_BANNER = re.compile(r"Serving HTTP on \S+ port (\d+)")


def _port_from_log(log: Path) -> Optional[int]:
    match = _BANNER.search(log.read_text(errors="replace")) if log.exists() else None
    return int(match.group(1)) if match else None


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _give_up(proc: subprocess.Popen, log: Path, problem: str) -> NoReturn:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)
    text = log.read_text(errors="replace") if log.exists() else ""
    pytest.fail(f"local HTTP server ({' '.join(proc.args)}) {problem}; its log {log}:\n{text[-2000:]}")


def start_http_server(root: Path, log: Path, wait: float = 60.0,
                      command: Sequence[str] = SERVE_COMMAND) -> Tuple[subprocess.Popen, str]:
    """Serve ``root``; return the process and its base URL once it answers ``GET /``.

    Fails the test (naming the log) if the server exits, or does not answer within ``wait`` seconds.
    """
    with open(log, "w") as log_handle:
        proc = subprocess.Popen(list(command), cwd=root, stdout=log_handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _give_up(proc, log, f"exited with code {proc.returncode} before serving")
        port = _port_from_log(log)
        if port is not None and _answers(f"http://127.0.0.1:{port}"):
            return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    _give_up(proc, log, f"was not serving within {wait:g} s")


def stop_http_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)
