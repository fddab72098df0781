#!/usr/bin/env bash
# A CI job's test step with sms-mock as its own process: start it on a free port with a seed file, wait until it is
# healthy, run the tests against it, stop it whatever happened. Needs bash, curl and Node.js.
# In a project that installed sms-mock: bash examples/ci/run.sh. In the sms-mock repository: npm run example:ci.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# The installed command itself, not `npx sms-mock`: npx runs the server under a shell, and a signal sent to npx does
# not reach it. SMS_MOCK overrides the command (the repository runs its own build).
read -r -a sms_mock <<<"${SMS_MOCK:-./node_modules/.bin/sms-mock}"

work=$(mktemp -d)
port_file="$work/port"
"${sms_mock[@]}" --port 0 --port-file "$port_file" --db :memory: --seed "$here/seed.json" --log-level warn \
  >"$work/sms-mock.log" 2>&1 &
pid=$!
stop() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

# Ready once the port file is there and /_mock/health answers; give up after 30 s or when the server exits.
deadline=$((SECONDS + 30))
until [ -s "$port_file" ] && curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$(cat "$port_file")/_mock/health"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "sms-mock exited before it was ready:" >&2
    cat "$work/sms-mock.log" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "sms-mock was not ready within 30 s:" >&2
    cat "$work/sms-mock.log" >&2
    exit 1
  fi
  sleep 0.2
done

export SMS_MOCK_URL="http://127.0.0.1:$(cat "$port_file")"
echo "sms-mock is up at $SMS_MOCK_URL"
node --test "$here/agent.test.mjs"
