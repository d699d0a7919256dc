"""The sandbox's work dir on the host: input files, what changed, ownership.

Only regular files count (symlinks the code made are never followed), and a
listing stops at MAX_FILES so a program that creates millions of files cannot
stall the parent."""

from __future__ import annotations

import os
from pathlib import Path

MAX_FILES = 2000
Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path) -> Snapshot:
    """relative path -> (mtime_ns, size) of every regular file under root."""
    found: Snapshot = {}
    stack = [root]
    while stack and len(found) < MAX_FILES:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    found[os.path.relpath(entry.path, root)] = (st.st_mtime_ns, st.st_size)
            except OSError:
                continue
    return found


def changed_files(before: Snapshot, after: Snapshot) -> list[str]:
    """Files new or modified between two snapshots, sorted."""
    return sorted(name for name, stamp in after.items() if before.get(name) != stamp)


def write_input_files(root: Path, files: dict[str, str | bytes] | None) -> None:
    """Write the caller's files into the work dir; a name that leaves it is the caller's
    mistake (ValueError), not the sandbox failing."""
    for name, content in (files or {}).items():
        target = (root / name).resolve()
        if root.resolve() not in target.parents:
            raise ValueError(f"input file name escapes the work dir: {name!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """Give the tree to uid:gid (never following symlinks)."""
    count = 0
    for folder, dirs, names in os.walk(root):
        for name in [*dirs, *names, None]:
            path = folder if name is None else os.path.join(folder, name)
            if name is not None and name in dirs:
                continue  # chowned as `folder` of its own walk step
            try:
                os.chown(path, uid, gid, follow_symlinks=False)
            except OSError:
                pass
            count += 1
            if count > 10 * MAX_FILES:
                return
