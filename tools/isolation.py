"""Isolation levels of the sandbox, strongest first, and the command line of each.

- bwrap: bubblewrap. New PID, IPC, UTS, network (and, unprivileged, user)
  namespaces; system folders and the Python installation read-only; a fresh
  writable work dir; tmpfs /tmp; --die-with-parent. Started as root, bwrap runs
  privileged (no user namespace) and the bootstrap drops to a fresh uid per
  sandbox, so RLIMIT_NPROC applies (it never applies to uid 0).
- unshare: util-linux unshare, user + network + PID namespace. Processes and
  network are isolated; the file system is the host's.
- subprocess: a plain child process; limits and a best-effort network guard
  only. A loud warning is printed once.

PLAYGROUND_SANDBOX=bwrap|unshare|subprocess forces a level.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.types import IsolationLevel

LEVELS: tuple[IsolationLevel, ...] = ("bwrap", "unshare", "subprocess")
RUNTIME_DIR = Path(__file__).resolve().parent / "sandbox_runtime"
BOOT_SCRIPT = RUNTIME_DIR / "boot.py"
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf",
               "hosts", "resolv.conf", "ssl", "ca-certificates", "ca-certificates.conf", "fonts", "mime.types",
               "alternatives", "os-release")
SANDBOX_UID_RANGE = (200_000, 260_000)
TMPFS_BYTES = 256 * 1024 * 1024


class SandboxUnavailableError(RuntimeError):
    """The requested isolation level cannot run on this machine."""


@dataclass(frozen=True)
class SandboxSpec:
    """Everything needed to build the command line of one sandboxed process."""

    level: IsolationLevel
    workdir: Path
    tmpdir: Path
    """Host folder used as /tmp at the weaker levels (bwrap uses a tmpfs)."""
    network: bool = False
    uid: int | None = None
    """Sandbox uid the bootstrap switches to (bwrap started as root)."""
    font_cache: Path | None = None


def python_roots() -> list[str]:
    """Folders of the Python installation the sandboxed interpreter needs (read-only)."""
    roots: list[str] = []
    exe_dir = str(Path(sys.executable).resolve().parent.parent)
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, exe_dir):
        real = os.path.realpath(p)
        if not any(real == r or real.startswith(r + os.sep) for r in roots):
            roots = [r for r in roots if not r.startswith(real + os.sep)] + [real]
    return roots


def python_executable() -> str:
    return os.path.realpath(sys.executable)


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_ENTRIES:
        path = Path("/etc") / name
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _parents_0755(path: str, made: set[str]) -> list[str]:
    """--dir entries for the parents of a bind target, world-traversable (bwrap
    copies the host's modes otherwise, and /root is 0700)."""
    args: list[str] = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent in made or parent in ("/usr", "/tmp"):
            continue
        made.add(parent)
        args += ["--perms", "0755", "--dir", parent]
    return args


def bwrap_args(spec: SandboxSpec) -> list[str]:
    privileged = os.geteuid() == 0
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox"]
    if not spec.network:
        args.append("--unshare-net")
    if privileged:
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user", "--uid", "1000", "--gid", "1000"]
    args += _system_binds()
    # the tmpfs first: binds made after it may lie under /tmp (a checkout or venv in /tmp)
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/dev/shm"]
    made: set[str] = set()
    for root in python_roots() + [str(RUNTIME_DIR)]:
        args += _parents_0755(root, made) + ["--ro-bind", root, root]
    if spec.font_cache is not None:
        args += ["--perms", "1777", "--dir", "/tmp/.mpl",
                 "--ro-bind", str(spec.font_cache), f"/tmp/.mpl/{spec.font_cache.name}"]
    workdir = str(spec.workdir)  # the bootstrap enters it after dropping to the sandbox uid
    args += _parents_0755(workdir, made) + ["--bind", workdir, workdir, "--chdir", "/"]
    return args


def unshare_args(spec: SandboxSpec) -> list[str]:
    args = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount-proc"]
    if not spec.network:
        args.append("--net")
    return args


def command_prefix(spec: SandboxSpec) -> list[str]:
    if spec.level == "bwrap":
        return bwrap_args(spec)
    if spec.level == "unshare":
        return unshare_args(spec)
    return []


def sandbox_tmp(spec: SandboxSpec) -> str:
    return "/tmp" if spec.level == "bwrap" else str(spec.tmpdir)


def sandbox_env(spec: SandboxSpec, marker: str) -> dict[str, str]:
    """A clean environment: nothing inherited (no API keys, tokens, HOME contents)."""
    tmp = sandbox_tmp(spec)
    single = "1"
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(spec.workdir),
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "MPLBACKEND": "module://playground_mpl_backend",
        "MPLCONFIGDIR": f"{tmp}/.mpl",
        "XDG_CACHE_HOME": f"{tmp}/.cache",
        "OMP_NUM_THREADS": single, "OPENBLAS_NUM_THREADS": single, "MKL_NUM_THREADS": single,
        "NUMEXPR_NUM_THREADS": single, "VECLIB_MAXIMUM_THREADS": single, "TORCH_NUM_THREADS": single,
        "PLAYGROUND_SANDBOX_ID": marker,
    }


def new_sandbox_uid() -> int:
    low, high = SANDBOX_UID_RANGE
    return low + secrets.randbelow(high - low)


def _probe(level: IsolationLevel) -> bool:
    if level == "subprocess":
        return True
    if shutil.which(level) is None:
        return False
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as tmp:
        spec = SandboxSpec(level, Path(tmp), Path(tmp))
        cmd = command_prefix(spec) + [python_executable(), "-I", "-S", "-c", "pass"]
        try:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
                                  env=sandbox_env(spec, "probe"))
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0


@functools.cache
def level_available(level: IsolationLevel) -> bool:
    return _probe(level)


_warned = False


def warn_weak(level: IsolationLevel) -> None:
    global _warned
    if level == "subprocess" and not _warned:
        _warned = True
        sys.stderr.write(
            "\n*** WARNING: the Python sandbox runs WITHOUT isolation (no bubblewrap or unshare here). ***\n"
            "*** Model-written code can read and change your files and reach the network.        ***\n"
            "*** Install bubblewrap (apt-get install bubblewrap) for the strong sandbox.           ***\n\n")


@functools.cache
def isolation_level() -> IsolationLevel:
    """The strongest level available here (cached); PLAYGROUND_SANDBOX forces one."""
    forced = os.environ.get("PLAYGROUND_SANDBOX", "").strip()
    if forced:
        return resolve_level(forced)  # type: ignore[arg-type]
    for level in LEVELS:
        if level_available(level):
            return level
    return "subprocess"


def resolve_level(level: IsolationLevel | None) -> IsolationLevel:
    """The level to use: the one asked for (checked), else the best available."""
    if level is None:
        return isolation_level()
    if level not in LEVELS:
        raise SandboxUnavailableError(f"unknown isolation level {level!r} (choose from {', '.join(LEVELS)})")
    if not level_available(level):
        raise SandboxUnavailableError(f"isolation level {level!r} is not available on this machine")
    return level
