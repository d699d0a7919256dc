#!/usr/bin/env bash
# The sandbox tests (tests/tools, hostile programs included) as an UNPRIVILEGED user.
# Started as root, bwrap runs privileged; a normal user's bwrap takes the other path
# (--unshare-user, uid/gid mapping, folders it makes owned by the user), which only
# this run covers. Also checks that a numpy + matplotlib program run through the
# sandbox from that user's own venv leaves its figure PNG.
#
#   bash .ci/sandbox_as_user.sh CHECKOUT        (as root; user: $SANDBOX_TEST_USER, default pguser)
#
# Creates the user if missing, copies the checkout's tracked files (as committed)
# into a fresh folder the user owns, and as that user makes a venv
# with the python3 on the user's PATH, installs what tests/tools needs, runs pytest.
# Fails on any failure and when pytest collected nothing (exit code 5).
set -euo pipefail

src="$(cd "${1:?usage: bash .ci/sandbox_as_user.sh CHECKOUT}" && pwd)"
user="${SANDBOX_TEST_USER:-pguser}"
if [ "$(id -u)" != 0 ]; then
  echo "sandbox_as_user: run as root (it creates the user and switches to it)" >&2
  exit 2
fi

apt_install() {
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  else
    echo "sandbox_as_user: please install $*" >&2
    exit 1
  fi
}
command -v bwrap >/dev/null 2>&1 || apt_install bubblewrap
id -u "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
home="$(getent passwd "$user" | cut -d: -f6)"
if [ ! -d "$home" ]; then
  mkdir -p "$home" && chown "$user:" "$home"
fi

work="$(mktemp -d /tmp/sandbox-as-user.XXXXXX)"
trap 'rm -rf "$work"' EXIT
chown "$user:" "$work"
chmod 0700 "$work"
mkdir "$work/checkout"
# the committed tracked files (HEAD): what CI's fresh clone holds; SANDBOX_TEST_WORKTREE=1 takes
# the tracked files as they are in the work tree instead (uncommitted changes included)
if [ "${SANDBOX_TEST_WORKTREE:-0}" = 1 ]; then
  (cd "$src" && git ls-files -z | while IFS= read -r -d '' f; do
     if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
   done | tar --null -T - -cf -) | tar -C "$work/checkout" -xf -
else
  git -C "$src" archive --format=tar HEAD | tar -C "$work/checkout" -xf -
fi
chown -R "$user:" "$work/checkout"

# the user's own environment: a clean one, plus the pip/proxy settings of this machine
as_user=(runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user" LANG=C.UTF-8
         PATH=/usr/local/bin:/usr/bin:/bin)
while IFS='=' read -r name _; do
  case "$name" in
    PIP_*|http_proxy|https_proxy|no_proxy|HTTP_PROXY|HTTPS_PROXY|NO_PROXY) as_user+=("$name=${!name}") ;;
  esac
done < <(env)

venv="$work/venv"
if ! "${as_user[@]}" python3 -m venv "$venv"; then
  apt_install python3-venv  # Debian/Ubuntu ship venv's pip bootstrap separately
  rm -rf "$venv"
  "${as_user[@]}" python3 -m venv "$venv"
fi
py="$venv/bin/python"
"${as_user[@]}" "$py" -m pip install -q --upgrade pip
# The package with its core dependencies (light: no torch, no model, no llama.cpp build) and pytest:
# what `playground exec` and tests/tools need. The dev extra would add torch and transformers.
"${as_user[@]}" "$py" -m pip install -q -e "$work/checkout" "pytest>=8" "pytest-timeout>=2.3"

echo "sandbox_as_user: $("${as_user[@]}" "$py" -c 'import os, sys; print(f"uid {os.getuid()}, {sys.executable}, prefix {sys.prefix}")')"

# a numpy + matplotlib program through the sandbox (the strongest level) leaves its figure
cat > "$work/plot.py" <<'EOF'
import matplotlib.pyplot as plt
import numpy as np

x = np.linspace(0, 6.3, 200)
plt.plot(x, np.sin(x))
plt.savefig("sine.png")
EOF
chown "$user:" "$work/plot.py"
"${as_user[@]}" bash -c 'cd "$1" && "$2" -m playground exec "$3/plot.py" --workdir "$3/plot-out" --json > "$3/plot.json"' \
  _ "$work/checkout" "$py" "$work"
"${as_user[@]}" "$py" - "$work" <<'EOF'
import json
import sys
from pathlib import Path

work = Path(sys.argv[1])
result = json.loads((work / "plot.json").read_text())
png = work / "plot-out" / "sine.png"
ok = result["ok"] and "sine.png" in result["figures"] and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
print(f"sandbox_as_user: figure {'kept' if ok else 'MISSING'} at isolation {result['isolation']}")
if not ok or result["isolation"] != "bwrap":
    sys.exit(f"sandbox_as_user: the plot run failed: {result['stderr']}")
EOF

set +e
"${as_user[@]}" bash -c 'cd "$1" && "$2" -m pytest -q -p no:cacheprovider tests/tools' _ "$work/checkout" "$py"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "sandbox_as_user: pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
