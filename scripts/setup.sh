#!/usr/bin/env bash
# Installs the system packages Fangyu needs (GDAL, PROJ, SQLite and the
# tools the tests drive) when they are missing. Safe to run repeatedly.
set -euo pipefail
packages=(libgdal-dev gdal-bin libproj-dev proj-bin libsqlite3-dev sqlite3 pkg-config wrk bc curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
