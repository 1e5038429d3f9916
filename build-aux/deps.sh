# deps.sh — sourced by the other scripts: installs the Debian 12 packages that are missing.
# Usage: install_deps [extra packages…]

MYML_PACKAGES=(
  # build
  gcc meson ninja-build pkg-config
  libglib2.0-dev zlib1g-dev libopenblas-dev
  libgtk-4-dev libjson-glib-dev libgraphviz-dev
  gettext desktop-file-utils appstream-util libglib2.0-bin
  # what GTK only recommends, but a window needs to look right
  fonts-dejavu-core adwaita-icon-theme
  # real data (IDX files under /usr/share/datasets/fashion-mnist)
  dataset-fashion-mnist
)

MYML_TEST_PACKAGES=(
  xvfb xauth dbus valgrind python3-numpy
)

install_deps () {
  local wanted=("${MYML_PACKAGES[@]}" "$@") missing=() p
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo ">> Installing missing packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Configure (once) and build the tree in $1 with the meson options that follow.
build_tree () {
  local dir="$1"; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" || return 1
  fi
  ninja -C "$dir"
}
