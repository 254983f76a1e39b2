#!/usr/bin/env bash
# Installs the system packages Fangyu needs (GDAL, PROJ, SQLite and the
# tools the tests drive) when they are missing. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
# nodejs/npm: the map page's MapLibre GL and the independent tile readers
# of the tests; chromium and a CJK font: the map page's browser test.
# libclang-dev: the proj crate generates its PROJ bindings with bindgen.
# fonts-wqy-microhei: the map page's glyphs and the inspection reports' PDF font;
# poppler-utils: the tests read the PDF reports back (pdftotext, pdffonts, pdftoppm);
# zbar-tools: the tests decode the QR codes of signs and certificates (zbarimg).
packages=(libgdal-dev gdal-bin libproj-dev proj-bin libclang-dev libsqlite3-dev sqlite3 pkg-config wrk bc curl
  chromium fonts-wqy-microhei poppler-utils zbar-tools)
# Node.js may come from elsewhere than Debian (its npm then conflicts with
# Debian's): only ask for Debian's when there is no npm at all.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
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

# The map page's npm packages (MapLibre GL; the test readers), pinned by
# web/package-lock.json, installed when missing or out of date.
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi
