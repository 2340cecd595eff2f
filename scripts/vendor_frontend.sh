#!/usr/bin/env bash
# Vendor the portal's front-end libraries into static/vendor/, so running the portal needs no
# Node and nothing is loaded from a CDN (the site's CSP is default-src 'self').
#
#   scripts/vendor_frontend.sh            # fetch from the npm registry and copy the built files
#
# Needs npm (only to run this script). The vendored files are committed; re-run this script
# only to upgrade, then check the pages still look right.
#
# govuk-frontend: we copy the built CSS and JS (with their source maps, which collectstatic's
# manifest storage follows), the images and the web manifest, but NOT assets/fonts: the GDS
# Transport typeface is only for services on GOV.UK, and this portal is not one. static/css/
# portal.css replaces the typeface with a system font stack. We also never show the crown or
# the GOV.UK logotype.
set -euo pipefail

GOVUK_FRONTEND_VERSION="6.6.0"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
DEST="$VENDOR/govuk-frontend-$GOVUK_FRONTEND_VERSION"

command -v npm >/dev/null || { echo "npm is needed to vendor front-end libraries" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "Fetching govuk-frontend@$GOVUK_FRONTEND_VERSION from the npm registry…"
(cd "$WORK" && npm pack --silent "govuk-frontend@$GOVUK_FRONTEND_VERSION" >/dev/null)
tar -xzf "$WORK/govuk-frontend-$GOVUK_FRONTEND_VERSION.tgz" -C "$WORK"
PKG="$WORK/package"
DIST="$PKG/dist/govuk"

# Refuse anything that is not the version and licence we expect.
node -e '
  const p = require(process.argv[1]);
  if (p.version !== process.argv[2]) { console.error(`got version ${p.version}`); process.exit(1); }
  if (p.license !== "MIT") { console.error(`unexpected licence ${p.license}`); process.exit(1); }
' "$PKG/package.json" "$GOVUK_FRONTEND_VERSION"

rm -rf "$DEST"
mkdir -p "$DEST/assets"
cp "$DIST/govuk-frontend.min.css" "$DIST/govuk-frontend.min.css.map" "$DEST/"
cp "$DIST/govuk-frontend.min.js" "$DIST/govuk-frontend.min.js.map" "$DEST/"
cp -R "$DIST/assets/images" "$DEST/assets/images"
cp "$DIST/assets/manifest.json" "$DEST/assets/manifest.json"
cp "$PKG/package.json" "$DEST/package.json"

# The npm package declares "license": "MIT" but ships no licence file; this is the text of
# LICENSE.txt in github.com/alphagov/govuk-frontend.
if ls "$PKG"/LICEN[CS]E* >/dev/null 2>&1; then
  cp "$PKG"/LICEN[CS]E* "$DEST/LICENSE.txt"
else
  cat >"$DEST/LICENSE.txt" <<'EOF'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF
fi

# Make sure no GDS Transport font slipped in.
if find "$DEST" -name '*.woff*' | grep -q .; then
  echo "GDS Transport font files were copied; they must not be" >&2
  exit 1
fi

# Every selector the GOV.UK CSS gives the GDS Transport typeface must be overridden in
# static/css/portal.css (between its portal:font-override markers), or a page would ask for
# the missing font files.
node -e '
  const fs = require("fs");
  const css = fs.readFileSync(process.argv[1], "utf8");
  const portal = fs.readFileSync(process.argv[2], "utf8");
  const block = (portal.split("portal:font-override:start")[1] || "").split("portal:font-override:end")[0];
  const covered = new Set(block.split("{")[0].split(",").map((s) => s.replace(/\/\*.*?\*\//g, "").trim()));
  const missing = new Set();
  for (const m of css.matchAll(/([^{}]+)\{([^{}]*GDS Transport[^{}]*)\}/g)) {
    const selector = m[1].trim();
    if (selector.startsWith("@") || selector.startsWith("/*")) continue;
    for (const part of selector.split(",")) if (!covered.has(part.trim())) missing.add(part.trim());
  }
  if (missing.size) {
    console.error("static/css/portal.css does not override the typeface for:\n  " + [...missing].join(",\n  "));
    process.exit(1);
  }
' "$DEST/govuk-frontend.min.css" "$ROOT/static/css/portal.css"

cat >"$VENDOR/README.md" <<EOF
# Vendored front-end libraries

Built files of third-party front-end libraries, committed so that the portal runs without Node
and loads nothing from another origin (the Content Security Policy is \`default-src 'self'\`).
They are written by \`scripts/vendor_frontend.sh\`; do not edit them by hand.

| library | version | licence | folder | from |
|---|---|---|---|---|
| [GOV.UK Frontend](https://github.com/alphagov/govuk-frontend) | $GOVUK_FRONTEND_VERSION | MIT, © Crown Copyright (Government Digital Service) — see \`LICENSE.txt\` | \`govuk-frontend-$GOVUK_FRONTEND_VERSION/\` | npm \`govuk-frontend@$GOVUK_FRONTEND_VERSION\`, \`dist/govuk/\` |

htmx is not vendored here: it ships inside the django-htmx Python package
(\`{% load django_htmx %}{% htmx_script %}\`).

## What is deliberately left out

- **GDS Transport** (\`dist/govuk/assets/fonts\`): the typeface is only for services on GOV.UK,
  and this portal is not one. \`static/css/portal.css\` sets a system font stack instead.
- The pages never use the crown, the GOV.UK logotype or the GOV.UK favicons and icons. The
  images under \`assets/images/\` are kept only so the package stays complete; nothing links
  to them.
EOF

echo "Vendored govuk-frontend $GOVUK_FRONTEND_VERSION into ${DEST#"$ROOT"/}"
