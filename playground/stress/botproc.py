"""The bot as a real process (`python -m bot`), pointed at an emulator on loopback: started, killed with SIGKILL
(the whole process group: the bot and its analysis workers, as when a container is killed), restarted on the same
data folder, and its resident memory sampled (the bot plus its worker processes)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from runtime.processes import die_with_parent
from runtime.tasks import cancel_and_wait

REPO_ROOT = Path(__file__).resolve().parents[2]
_PAGE_KB = 1024


def bot_environment(
    *, token: str, base_url: str, base_file_url: str, data_dir: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The process environment: the caller's (MODEL_DIR, PATH …) with every bot setting the run depends on set,
    so a developer's .env cannot change the run (the process also starts in `data_dir`, away from any .env)."""
    env = dict(os.environ)
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": token,
            "BOT_API_BASE_URL": base_url,
            "BOT_API_BASE_FILE_URL": base_file_url,
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": "",
            "WEBHOOK_URL": "",
            "ADMIN_IDS": "",
            "GROUP_ANSWERS": "each",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


class BotProcess:
    def __init__(
        self, env: Mapping[str, str], workdir: Path, log_path: Path, argv: Sequence[str] = ("-m", "bot")
    ) -> None:
        """`argv`: what the Python interpreter runs (the bot; a work-queue worker for the cluster)."""
        self.env, self.workdir, self.log_path, self.argv = dict(env), workdir, log_path, tuple(argv)
        self.process: subprocess.Popen[bytes] | None = None
        self.peak_rss_mb = 0.0
        self._sampler: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("the bot process is already running")
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, *self.argv],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: one SIGKILL reaches the workers too
                preexec_fn=die_with_parent,
            )
        self._sampler = asyncio.get_running_loop().create_task(self._sample_rss())

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("not started")
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def kill(self) -> None:
        """SIGKILL to the bot and its workers at once; returns when the bot is gone."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        await asyncio.to_thread(self.process.wait)
        await self._stop_sampler()

    async def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (a clean shutdown, as `docker stop`), then SIGKILL after `timeout`."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.to_thread(self.process.wait), timeout)
            except TimeoutError:
                await self.kill()
        with contextlib.suppress(ProcessLookupError):  # workers a clean exit left behind
            os.killpg(self.process.pid, signal.SIGKILL)
        await self._stop_sampler()
        return self.process.returncode

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    async def _stop_sampler(self) -> None:
        await cancel_and_wait(self._sampler)
        self._sampler = None

    async def _sample_rss(self) -> None:
        while self.running:
            self.peak_rss_mb = max(self.peak_rss_mb, tree_rss_mb(self.pid))
            await asyncio.sleep(0.2)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MiB."""
    total_kb, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
        pending.extend(int(child) for child in children)
    return total_kb / _PAGE_KB
