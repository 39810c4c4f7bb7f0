#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium for the browser tests (tests/test_web_browser.py).
#
# Installs it with apt-get when missing (as root, or through passwordless sudo). Playwright's own
# browser download (`playwright install`) is never used. If chromium cannot be installed: with
# CI=true exits 1, otherwise warns loudly and exits 0, and the browser tests are skipped.
set -uo pipefail

CHROMIUM=/usr/bin/chromium
log() { printf '%s\n' "$*" >&2; }

[[ -x "$CHROMIUM" ]] && exit 0

install() {
    local sudo=""
    if [[ "$(id -u)" != 0 ]]; then
        sudo -n true 2>/dev/null || return 1
        sudo="sudo -n"
    fi
    command -v apt-get >/dev/null || return 1
    log "chromium is missing: installing it with apt-get (for the browser tests)..."
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
}

install
[[ -x "$CHROMIUM" ]] && exit 0

if [[ "${CI:-}" == "true" ]]; then
    log ""
    log "##################################################################"
    log "## ERROR: chromium is required on CI and could not be installed. ##"
    log "##################################################################"
    log "## apt-get install chromium failed or is not available (need root or sudo)."
    log "## The web pages must be tested in a real browser."
    exit 1
fi
log ""
log "##################################################################"
log "## WARNING: $CHROMIUM is missing: the browser tests will be SKIPPED."
log "## Install it with: sudo apt-get install chromium"
log "##################################################################"
exit 0
