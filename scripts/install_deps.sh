#!/usr/bin/env bash
# Installs every Debian 12 package calf needs to build, test, benchmark and run its demo.
# Idempotent: prints nothing and exits 0 when everything is already present.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  g++ cmake make pkg-config git
  libeigen3-dev
  libhdf5-dev hdf5-tools
  libtorch-dev python3-torch python3-h5py python3-numpy
  # LibTorch (and numpy) link libblas.so.3: without an optimised BLAS they get the reference
  # one, 10-16x slower for PPO's matrix products (docs/performance.md)
  libopenblas0-pthread
  libcli11-dev nlohmann-json3-dev catch2
  libegl-dev libgl-dev libegl-mesa0 libgl1-mesa-dri libgles-dev
  libpng-dev
  libfreetype-dev fonts-dejavu-core
  gnuplot-nox
  libbenchmark-dev python3-numba
  librandom123-dev
  # --system quadruped: MuJoCo 2.2.2 (libqhull-dev: the imported target's include dir, see
  # ../shared/PLATFORM_NOTES.md); mujoco-testspeed, the benchmark's peer figure
  libmujoco-dev libqhull-dev libmujoco-samples
  libxml2-utils
  clang-format
  clang libclang-rt-14-dev
  libopenmpi-dev openmpi-bin
  ffmpeg
  chromium chromium-driver python3-selenium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install_deps: missing packages (${missing[*]}) and not root; run as root or install them" >&2
    exit 2
  fi
fi
echo "install_deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: done" >&2
