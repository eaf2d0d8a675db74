#!/usr/bin/env bash
# Re-vendor front-end static assets (maintainers only; never run by the app or tests).
#
# Installs pinned npm packages into a throw-away temp dir and copies the built
# files into the repository. Node/npm are needed only while running this script.
#
# Usage (from anywhere):
#   scripts/vendor/revendor.sh
# Override versions (any npm version/range spec), e.g. to pick up the latest 2.x / 4.x:
#   HTMX_VERSION=2 AXE_VERSION=4 DESIGN_TOKENS_VERSION=latest scripts/vendor/revendor.sh
set -euo pipefail

DESIGN_TOKENS_VERSION="${DESIGN_TOKENS_VERSION:-1.1.9}"
HTMX_VERSION="${HTMX_VERSION:-2.0.11}"
AXE_VERSION="${AXE_VERSION:-4.14.1}"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATIC_VENDOR="$REPO_ROOT/src/tsunagu/static/vendor"
E2E_VENDOR="$REPO_ROOT/tests/e2e/vendor"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsunagu-vendor.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "==> Installing packages in $WORK"
cd "$WORK"
npm init -y >/dev/null
npm install --no-save --ignore-scripts --no-audit --no-fund \
  "@digital-go-jp/design-tokens@${DESIGN_TOKENS_VERSION}" \
  "htmx.org@${HTMX_VERSION}" \
  "axe-core@${AXE_VERSION}"

NM="$WORK/node_modules"
pkg_version() { node -p "require('$NM/$1/package.json').version"; }

# --- 1. Digital Agency design tokens ------------------------------------------
DT_PKG="$NM/@digital-go-jp/design-tokens"
DT_VER="$(pkg_version @digital-go-jp/design-tokens)"
DT_OUT="$STATIC_VENDOR/design-tokens"
mkdir -p "$DT_OUT"
if [[ -f "$DT_PKG/dist/tokens.css" ]]; then
  # The package ships a ready-made CSS file with all tokens as :root custom properties.
  cp "$DT_PKG/dist/tokens.css" "$DT_OUT/tokens.css"
else
  echo "ERROR: @digital-go-jp/design-tokens@$DT_VER no longer ships dist/tokens.css." >&2
  echo "       Write scripts/vendor/build_design_tokens.mjs to generate it from dist/tokens.js." >&2
  exit 1
fi
cp "$DT_PKG/LICENSE" "$DT_OUT/LICENSE"
echo "@digital-go-jp/design-tokens $DT_VER" > "$DT_OUT/VERSION"

# --- 2. htmx -------------------------------------------------------------------
HX_VER="$(pkg_version htmx.org)"
HX_OUT="$STATIC_VENDOR/htmx"
mkdir -p "$HX_OUT"
cp "$NM/htmx.org/dist/htmx.min.js" "$HX_OUT/htmx.min.js"
cp "$NM/htmx.org/LICENSE" "$HX_OUT/LICENSE"
echo "htmx.org $HX_VER" > "$HX_OUT/VERSION"

# --- 3. axe-core (browser accessibility tests only) ----------------------------
AXE_VER="$(pkg_version axe-core)"
mkdir -p "$E2E_VENDOR"
cp "$NM/axe-core/axe.min.js" "$E2E_VENDOR/axe.min.js"
cp "$NM/axe-core/LICENSE" "$E2E_VENDOR/LICENSE"
cp "$NM/axe-core/LICENSE-3RD-PARTY.txt" "$E2E_VENDOR/LICENSE-3RD-PARTY.txt"
echo "axe-core $AXE_VER" > "$E2E_VENDOR/VERSION"

# --- Sanity checks -------------------------------------------------------------
props="$(grep -c -- '^ *--[a-z0-9-]*:' "$DT_OUT/tokens.css")"
if grep -qE 'undefined|\[object Object\]|NaN' "$DT_OUT/tokens.css"; then
  echo "ERROR: tokens.css contains undefined/[object Object]/NaN values" >&2
  exit 1
fi
for f in "$DT_OUT/tokens.css" "$HX_OUT/htmx.min.js" "$E2E_VENDOR/axe.min.js"; do
  [[ -s "$f" ]] || { echo "ERROR: $f is empty" >&2; exit 1; }
done

echo "==> Done"
echo "    design-tokens $DT_VER  ($props custom properties) -> ${DT_OUT#"$REPO_ROOT"/}"
echo "    htmx.org      $HX_VER -> ${HX_OUT#"$REPO_ROOT"/}"
echo "    axe-core      $AXE_VER -> ${E2E_VENDOR#"$REPO_ROOT"/}"
echo "Remember to update versions in scripts/vendor/README.md and src/tsunagu/static/vendor/design-tokens/README.md."
