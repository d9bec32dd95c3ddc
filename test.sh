#!/usr/bin/env bash
# The repository's test command: installs what the tests need when it is missing, then runs every test project.
#   ./test.sh                      all tests
#   ./test.sh --filter <expr>      any further arguments go to `dotnet test Mpms.Hosting.sln`
# Needs the .NET 10 SDK. The RabbitMQ tests start broker nodes of their own from Debian's rabbitmq-server, and the
# dashboard's browser tests drive chromium; when either is missing it is installed with apt-get, which needs root or
# sudo. Nothing is installed when both are present.
set -euo pipefail
cd "$(dirname "$0")"

have_rabbitmq() { [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1; }
have_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
system_broker_pids() { pgrep -u rabbitmq -x beam.smp 2>/dev/null || true; }

install_missing() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "test.sh: rabbitmq-server or chromium is missing and installing them needs root or sudo." >&2
      return 1
    fi
    sudo="sudo"
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: rabbitmq-server or chromium is missing and this is not a Debian-like system (no apt-get); install them, then run this again." >&2
    return 1
  fi

  # The tests start their own nodes; the package must not leave a system broker running beside them. Debian's
  # maintainer scripts ask policy-rc.d before starting a service, and 101 means "not allowed". An existing policy is
  # left alone (it already says what may start), and a broker the install started anyway is stopped afterwards.
  local policy=/usr/sbin/policy-rc.d placed_policy=""
  local before
  before="$(system_broker_pids)"
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    placed_policy=yes
  fi

  local status=0
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q || status=$?
  if [ "$status" -eq 0 ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rabbitmq-server chromium || status=$?
  fi

  if [ -n "$placed_policy" ]; then
    $sudo rm -f "$policy"
  fi
  if [ -z "$before" ] && [ -n "$(system_broker_pids)" ]; then
    echo "test.sh: stopping the system RabbitMQ service that the install started."
    $sudo service rabbitmq-server stop || $sudo systemctl stop rabbitmq-server || true
  fi
  return "$status"
}

if ! have_rabbitmq || ! have_chromium; then
  echo "test.sh: installing what the tests need (rabbitmq-server, chromium)."
  install_missing
fi

exec dotnet test Mpms.Hosting.sln "$@"
