"""gunicorn serving :mod:`bench.load.wsgi` on a free loopback port, for one run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gunicorn:
    """``gunicorn -w N`` (sync workers) started on enter and stopped on exit; its log
    goes to ``log``.  Workers are not preloaded: each builds the application itself,
    as a deployment without ``--preload`` does, so each starts cold."""

    def __init__(
        self, workers: int, database_url: str, users: Path, log: Path, profile: Path | None = None
    ) -> None:
        self.workers = workers
        self.profile = profile
        self.port = free_port()
        self.log = log
        self.environment = {
            **os.environ,
            "LOAD_DATABASE_URL": database_url,
            "LOAD_USERS": str(users),
            "PYTHONPATH": str(ROOT),
            "LOAD_PROFILE_DIR": str(profile or ""),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        command = [
            sys.executable, "-m", "gunicorn",
            "--workers", str(self.workers),
            "--worker-class", "sync",
            "--bind", f"127.0.0.1:{self.port}",
            "--backlog", "256",
            "--timeout", "60",
            "--graceful-timeout", "10",
            "--log-level", "warning",
            *(["--config", "python:bench.load.profiling"] if self.profile else []),
            "bench.load.wsgi:app",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.environment, stdout=log, stderr=log
            )
        self._wait_ready(60.0)
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        """Until the server answers (a 401 from the API: no session); each worker
        still builds its application on its own first request if not done yet."""
        deadline = time.monotonic() + timeout_s
        url = f"http://127.0.0.1:{self.port}/engagement/me"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}; see {self.log}"
                )
            try:
                urllib.request.urlopen(url, timeout=2)
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
                continue
            return
        raise RuntimeError(f"gunicorn did not answer within {timeout_s:.0f} s; see {self.log}")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: finish the requests in hand
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
