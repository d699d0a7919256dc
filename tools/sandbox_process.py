"""One sandboxed Python process: start it at an isolation level, talk to its
bootstrap, kill its whole tree, clean up. Used by tools.sandbox (one program)
and tools.session (a persistent session)."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Literal

from tools.isolation import (
    BOOT_SCRIPT,
    SandboxSpec,
    command_prefix,
    new_sandbox_uid,
    python_executable,
    sandbox_env,
    warn_weak,
)
from tools.process_io import Pump
from tools.types import IsolationLevel, Limits
from tools.workdir import chown_tree

FONT_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "llm-playground" / "mpl"
_NO_FONT_LIST: set[str] = set()


def matplotlib_font_cache() -> Path | None:
    """matplotlib's font list, built once on the host by the sandbox's own interpreter (one
    folder per interpreter: environments differ in matplotlib version and font paths)."""
    exe = python_executable()
    folder = FONT_CACHE_DIR / hashlib.sha256(exe.encode()).hexdigest()[:12]
    found = sorted(glob.glob(str(folder / "fontlist-*.json")))
    if found:
        return Path(found[-1])
    if exe in _NO_FONT_LIST:  # no matplotlib there: do not try again for every sandbox
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        env = {"PATH": "/usr/bin:/bin", "MPLCONFIGDIR": str(folder), "MPLBACKEND": "Agg"}
        subprocess.run([exe, "-I", "-c", "import matplotlib.font_manager"], env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = sorted(glob.glob(str(folder / "fontlist-*.json")))
    if not found:
        _NO_FONT_LIST.add(exe)
    return Path(found[-1]) if found else None


class SandboxProcess:
    """A bootstrap process in the sandbox. `mode` "run" serves one program, "session" many cells."""

    def __init__(self, mode: Literal["run", "session"], limits: Limits, workdir: Path,
                 level: IsolationLevel) -> None:
        warn_weak(level)
        self.limits = limits
        self.level = level
        self.workdir = workdir
        self.marker = os.urandom(8).hex()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="sandbox-tmp-"))
        self.uid = new_sandbox_uid() if level == "bwrap" and os.geteuid() == 0 else None
        fonts = matplotlib_font_cache()
        spec = SandboxSpec(level, workdir, self.tmpdir, network=limits.network, uid=self.uid,
                           font_cache=fonts if level == "bwrap" else None)
        if fonts is not None and level != "bwrap":
            (self.tmpdir / ".mpl").mkdir()
            shutil.copy(fonts, self.tmpdir / ".mpl" / fonts.name)
        if self.uid is not None:
            chown_tree(workdir, self.uid, self.uid)
        cmd_r, self._cmd_w = os.pipe()
        self._reply_r, reply_w = os.pipe()
        cpu_s = limits.cpu_s if limits.cpu_s is not None else int(limits.timeout_s) + 2
        cfg = {"mode": mode, "workdir": str(workdir), "uid": self.uid, "gid": self.uid,
               "in_fd": cmd_r, "out_fd": reply_w, "memory_mb": limits.memory_mb, "cpu_s": cpu_s,
               "file_size_mb": limits.file_size_mb, "open_files": limits.open_files,
               "processes": limits.processes, "block_network": level == "subprocess" and not limits.network}
        self.cpu_s = cpu_s
        argv = command_prefix(spec) + [python_executable(), "-I", "-u", str(BOOT_SCRIPT), json.dumps(cfg)]
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(cmd_r, reply_w), env=sandbox_env(spec, self.marker), cwd=str(workdir),
                start_new_session=True)
        except BaseException:
            for fd in (cmd_r, reply_w, self._cmd_w, self._reply_r):
                os.close(fd)
            self._remove_tmp()
            raise
        os.close(cmd_r)
        os.close(reply_w)
        self.pump = Pump(self.proc, self._reply_r, limits.output_bytes)
        self.started = time.monotonic()

    def send(self, message: dict) -> bool:
        """Send one request; False when the process is gone."""
        data = json.dumps(message).encode("utf-8")
        data = len(data).to_bytes(4, "big") + data
        try:
            while data:
                data = data[os.write(self._cmd_w, data):]
        except (BrokenPipeError, OSError):
            return False
        return True

    def close_input(self) -> None:
        if self._cmd_w >= 0:
            os.close(self._cmd_w)
            self._cmd_w = -1

    def returncode(self) -> int | None:
        """The process's exit status, signals as negative numbers (bwrap and unshare
        report a signal as 128 + n)."""
        rc = self.proc.poll()
        if rc is not None and rc > 128 and self.level != "subprocess":
            return -(rc - 128)
        return rc

    def kill(self) -> None:
        """Kill the whole tree: the process group, the namespace (bwrap/unshare die
        and take their PID namespace along) and, by marker or uid, any escapee."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        kill_leftovers(self.marker, self.uid)

    def close(self) -> None:
        """Kill what is left, reap, close fds, remove the private tmp dir, give files back."""
        self.close_input()
        if self.proc.poll() is None or self.level == "subprocess":
            self.kill()
        self.pump.close()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        if self._reply_r >= 0:
            os.close(self._reply_r)
            self._reply_r = -1
        self._remove_tmp()
        if self.uid is not None:
            chown_tree(self.workdir, os.getuid(), os.getgid())

    def _remove_tmp(self) -> None:
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def kill_leftovers(marker: str, uid: int | None) -> int:
    """SIGKILL every process carrying the sandbox's environment marker or uid
    (what escaped the process group at the subprocess level). Returns the count."""
    needle = f"PLAYGROUND_SANDBOX_ID={marker}".encode()
    killed = 0
    for _ in range(3):
        found = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                if uid is not None and os.stat(entry.path).st_uid == uid:
                    hit = True
                else:
                    with open(os.path.join(entry.path, "environ"), "rb") as f:
                        hit = needle in f.read()
            except OSError:
                continue
            if hit:
                try:
                    os.kill(pid, signal.SIGKILL)
                    found += 1
                except OSError:
                    pass
        killed += found
        if not found:
            break
        time.sleep(0.02)
    return killed
