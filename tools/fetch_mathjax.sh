#!/usr/bin/env bash
# Put MathJax 3 (npm package mathjax@3.2.2, checked against its registry integrity hash) where
# the book build serves it from, so that pages typeset math with no internet connection.
# Layout: _mathjax/_static/mathjax/{es5/,package.json,LICENSE}; _config.yml copies _mathjax/ into
# the HTML output (html_extra_path), giving _build/html/_static/mathjax/es5/tex-chtml.js, and
# points Sphinx's mathjax_path at it. The whole es5/ folder is kept: MathJax autoloads its TeX
# extensions (input/tex/extensions/*.js) and CHTML fonts (output/chtml/fonts/woff-v2/) from there.
# The folder is ignored by git; a second run with the right version in place does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=3.2.2
INTEGRITY='sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=='
DEST=_mathjax/_static/mathjax

installed_version() {
    [ -f "$DEST/package.json" ] && [ -f "$DEST/es5/tex-chtml.js" ] &&
        sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$DEST/package.json" | head -n 1
}
if [ "$(installed_version || true)" = "$VERSION" ]; then
    exit 0
fi

command -v npm >/dev/null || { echo "fetch_mathjax: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# npm pack downloads the registry tarball (through npm's cache) and verifies it; we also compare the
# integrity it reports with the pinned one, so a different tarball can never slip in.
npm pack "mathjax@$VERSION" --pack-destination "$tmp" --json --loglevel=error >"$tmp/pack.json"
got=$(sed -n 's/^ *"integrity": *"\([^"]*\)".*/\1/p' "$tmp/pack.json" | head -n 1)
if [ "$got" != "$INTEGRITY" ]; then
    echo "fetch_mathjax: integrity mismatch for mathjax@$VERSION: got '$got'" >&2
    exit 1
fi
tar -xzf "$tmp"/mathjax-"$VERSION".tgz -C "$tmp" package/es5 package/package.json package/LICENSE
rm -rf _mathjax.new
mkdir -p _mathjax.new/_static
mv "$tmp/package" _mathjax.new/_static/mathjax
rm -rf _mathjax
mv _mathjax.new _mathjax
echo "fetch_mathjax: MathJax $VERSION in $DEST ($(du -sh "$DEST" | cut -f1))"
