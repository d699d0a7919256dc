"""The Python interpreter the sandbox runs, and the paths it needs to start.

It is the interpreter of the environment the playground itself runs in (a venv,
virtualenv, uv venv, conda env, pyenv version or the system's python), so the
model's code sees that environment's packages.

A venv's bin/python is a symlink to the base interpreter, and Python finds the
venv by the path it was started with (pyvenv.cfg beside it or one folder up;
site.py then makes sys.prefix the venv, `-I` included). Starting the resolved
target would start the bare base interpreter: the venv's packages vanish. So the
path is kept as it is; only its folder is resolved (a venv reached through a
symlinked folder), the file name stays.

bwrap shows the sandbox only what is bound, so every step of that path must
exist inside it: the installation's folders are bound read-only
(`python_roots`) and each symlink met on the way is recreated
(`python_symlinks`), e.g. the venv's bin/python -> /opt/py/3.12/bin/python3.12
where /opt/py/3.12 is itself a link (as uv's minor-version folders are).
"""

from __future__ import annotations

import functools
import os
import sys

from tools.types import SandboxUnavailableError

MAX_LINK_HOPS = 40


@functools.cache
def python_executable() -> str:
    """The environment's own interpreter: sys.executable with its folder resolved,
    its file name (a venv's bin/python symlink) kept."""
    exe = sys.executable
    if not exe:
        raise SandboxUnavailableError("the sandbox needs a Python interpreter, and sys.executable is empty here")
    exe = os.path.abspath(exe)
    return os.path.join(os.path.realpath(os.path.dirname(exe)), os.path.basename(exe))


def venv_home() -> str | None:
    """The `home` folder of the venv's pyvenv.cfg (the base interpreter's bin), if any."""
    for folder in (os.path.dirname(python_executable()), os.path.dirname(os.path.dirname(python_executable()))):
        try:
            with open(os.path.join(folder, "pyvenv.cfg"), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for line in lines:
            key, sep, value = line.partition("=")
            if sep and key.strip().lower() == "home":
                return value.strip() or None
        return None
    return None


def path_is_under(path: str, roots: list[str]) -> bool:
    """path is one of roots or lies inside one."""
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


@functools.cache
def python_roots() -> tuple[str, ...]:
    """Folders of the installation the sandboxed interpreter needs (read-only), resolved,
    none inside another: the environment (venv), the base installation, the folder
    that holds the interpreter's real file."""
    exe = python_executable()
    candidates = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
                  os.path.dirname(os.path.dirname(os.path.realpath(exe)))]
    home = venv_home()
    if home:
        candidates.append(home)
    roots: list[str] = []
    for path in candidates:
        real = os.path.realpath(path)
        if real == os.sep or not os.path.isdir(real) or path_is_under(real, roots):
            continue
        roots = [r for r in roots if not path_is_under(r, [real])] + [real]
    return tuple(roots)


def symlinks_on(path: str) -> list[tuple[str, str]]:
    """(link, target) for every symlink met while resolving `path` the way the kernel
    does; each link's folder is itself resolved, so a link is where it really lies."""
    found: list[tuple[str, str]] = []
    pending = list(os.path.abspath(path).split(os.sep)[1:])
    current = os.sep
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, part)
        if not os.path.islink(candidate):
            current = candidate
            continue
        if len(found) >= MAX_LINK_HOPS:
            break
        target = os.readlink(candidate)
        found.append((candidate, target))
        if os.path.isabs(target):
            current = os.sep
        pending = target.split(os.sep) + pending
    return found


@functools.cache
def python_symlinks() -> tuple[tuple[str, str], ...]:
    """Every symlink on the way to the interpreter and its base installation, once each."""
    paths = [python_executable(), getattr(sys, "_base_executable", "") or "", venv_home() or "",
             sys.prefix, sys.base_prefix]
    seen: dict[str, str] = {}
    for path in paths:
        if path:
            for link, target in symlinks_on(path):
                seen.setdefault(link, target)
    return tuple(seen.items())
