"""Isolation levels of the sandbox, strongest first, and the command line of each.

- bwrap: bubblewrap. New PID, IPC, UTS, network (and, unprivileged, user)
  namespaces; system folders and the Python installation read-only (the
  interpreter is the playground's own, tools/interpreter.py); a fresh writable
  work dir; tmpfs /tmp; the rest of the root read-only; --die-with-parent.
  Started as root, bwrap runs privileged (no user namespace) and the bootstrap
  drops to a fresh uid per sandbox, so RLIMIT_NPROC applies (it never applies to
  uid 0). Started by a normal user it maps that user to uid 1000 inside.
- unshare: util-linux unshare, user + network + PID namespace. Processes and
  network are isolated; the file system is the host's.
- subprocess: a plain child process; limits and a best-effort network guard
  only. A loud warning is printed once.

The strongest level that works here is used; when a stronger one does not
(bwrap not installed, or not allowed to create user namespaces as on Ubuntu
24.04 with AppArmor's restriction), one line on stderr says so, once per
process. PLAYGROUND_SANDBOX=bwrap|unshare|subprocess forces a level.
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

from tools.interpreter import path_is_under, python_executable, python_roots, python_symlinks
from tools.types import IsolationLevel, LevelCheck, SandboxUnavailableError

__all__ = ["SandboxUnavailableError", "python_executable", "isolation_level", "resolve_level", "level_available"]

LEVELS: tuple[IsolationLevel, ...] = ("bwrap", "unshare", "subprocess")
RUNTIME_DIR = Path(__file__).resolve().parent / "sandbox_runtime"
BOOT_SCRIPT = RUNTIME_DIR / "boot.py"
SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf",
               "hosts", "resolv.conf", "ssl", "ca-certificates", "ca-certificates.conf", "fonts", "mime.types",
               "alternatives", "os-release")
SANDBOX_UID_RANGE = (200_000, 260_000)
TMPFS_BYTES = 256 * 1024 * 1024


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


def tool_path(name: str) -> str | None:
    """The sandbox tool as found on the caller's PATH (the sandbox's own PATH is fixed)."""
    return shutil.which(name)


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_DIRS:
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


def _python_binds(made: set[str]) -> list[str]:
    """The interpreter's installation read-only, and the symlinks on the way to it
    that lie outside what is bound (a venv's bin/python -> a linked base folder)."""
    bound = ["/usr", *(f"/{n}" for n in SYSTEM_DIRS), *(f"/etc/{n}" for n in ETC_ENTRIES)]
    args: list[str] = []
    for root in [*python_roots(), str(RUNTIME_DIR)]:
        if not path_is_under(root, bound):
            args += _parents_0755(root, made) + ["--ro-bind", root, root]
            bound.append(root)
    for link, target in python_symlinks():
        if not path_is_under(link, bound):
            args += _parents_0755(link, made) + ["--symlink", target, link]
            bound.append(link)
    return args


def bwrap_args(spec: SandboxSpec) -> list[str]:
    privileged = os.geteuid() == 0
    args = [tool_path("bwrap") or "bwrap", "--die-with-parent", "--new-session", "--unshare-pid",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
    if not spec.network:
        args.append("--unshare-net")
    if privileged:
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:  # the caller is uid 1000 inside; its files stay its own
        args += ["--unshare-user", "--uid", "1000", "--gid", "1000"]
    args += _system_binds()
    # the tmpfs first: binds made after it may lie under /tmp (a checkout or venv in /tmp)
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/dev/shm"]
    made: set[str] = set()
    args += _python_binds(made)
    if spec.font_cache is not None:
        args += ["--perms", "1777", "--dir", "/tmp/.mpl",
                 "--ro-bind", str(spec.font_cache), f"/tmp/.mpl/{spec.font_cache.name}"]
    workdir = str(spec.workdir)  # the bootstrap enters it after dropping to the sandbox uid
    args += _parents_0755(workdir, made) + ["--bind", workdir, workdir]
    # the folders bwrap made above belong to the caller when unprivileged: the root goes read-only
    # (the work dir, /tmp, /dev/shm are mounts of their own and stay writable)
    return args + ["--remount-ro", "/", "--chdir", "/"]


def unshare_args(spec: SandboxSpec) -> list[str]:
    args = [tool_path("unshare") or "unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child",
            "--mount-proc"]
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


PREFIX_CODE = "import sys; print(sys.prefix)"


def _short(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    for tool in ("bwrap: ", "unshare: "):
        line = line.removeprefix(tool)
    return line[:120]


@functools.cache
def plain_prefix() -> str:
    """sys.prefix of the interpreter started directly: what every sandbox must reproduce."""
    try:
        done = subprocess.run([python_executable(), "-I", "-c", PREFIX_CODE], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=20, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _probe(level: IsolationLevel) -> LevelCheck:
    """Start the interpreter at this level; it must see the same environment as outside."""
    if level == "subprocess":
        return LevelCheck(level, True)
    if tool_path(level) is None:
        return LevelCheck(level, False, "not installed")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as tmp:
        spec = SandboxSpec(level, Path(tmp), Path(tmp))
        cmd = command_prefix(spec) + [python_executable(), "-I", "-c", PREFIX_CODE]
        try:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20,
                                  env=sandbox_env(spec, "probe"))
        except subprocess.TimeoutExpired:
            return LevelCheck(level, False, "timed out starting")
        except OSError as e:
            return LevelCheck(level, False, _short(str(e)))
    if done.returncode != 0:
        return LevelCheck(level, False, _short(done.stderr) or f"exit code {done.returncode}")
    inside, outside = done.stdout.strip(), plain_prefix()
    if outside and inside != outside:
        return LevelCheck(level, False, f"its Python sees {inside}, not {outside}")
    return LevelCheck(level, True)


@functools.cache
def check_level(level: IsolationLevel) -> LevelCheck:
    return _probe(level)


def level_available(level: IsolationLevel) -> bool:
    return check_level(level).ok


_warned = False


def warn_weak(level: IsolationLevel) -> None:
    """The loud warning for the level without isolation, once per process."""
    global _warned
    if level != "subprocess" or _warned:
        return
    _warned = True
    hint = ("install bubblewrap (apt-get install bubblewrap)" if tool_path("bwrap") is None else
            "bubblewrap is installed but not used: asked for this level, or see the [sandbox] line above")
    sys.stderr.write(
        "[sandbox] *** WARNING: model-written code runs WITHOUT isolation (level subprocess): it can read\n"
        "[sandbox] *** and change your files and reach the network.\n"
        f"[sandbox] *** For the strong sandbox: {hint}.\n")


@functools.cache
def isolation_level() -> IsolationLevel:
    """The strongest level that works here (cached; a fallback says why on one stderr
    line); PLAYGROUND_SANDBOX forces one."""
    forced = os.environ.get("PLAYGROUND_SANDBOX", "").strip()
    if forced:
        return resolve_level(forced)  # type: ignore[arg-type]
    failed: list[LevelCheck] = []
    for level in LEVELS:
        check = check_level(level)
        if check.ok:
            if failed:
                reasons = "; ".join(f"{c.level} unavailable here ({c.reason})" for c in failed)
                sys.stderr.write(f"[sandbox] {reasons}; using {level}\n")
            return level
        failed.append(check)
    return "subprocess"


def resolve_level(level: IsolationLevel | None) -> IsolationLevel:
    """The level to use: the one asked for (checked), else the best available."""
    if level is None:
        return isolation_level()
    if level not in LEVELS:
        raise SandboxUnavailableError(f"unknown isolation level {level!r} (choose from {', '.join(LEVELS)})")
    check = check_level(level)
    if not check.ok:
        raise SandboxUnavailableError(f"isolation level {level!r} is not available on this machine ({check.reason})")
    return level
