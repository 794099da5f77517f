#!/usr/bin/env bash
# Security scanners against a throw-away local instance (NOT part of CI). The scanners are not app requirements:
# install them into a venv of their own (PyPI: wapiti3, sqlmap) and name it, or use Debian's packages:
#   python3 -m venv /tmp/scanners && /tmp/scanners/bin/pip install wapiti3 sqlmap
#   SCANNER_VENV=/tmp/scanners bench/security.sh     # prints the findings of bandit, wapiti and sqlmap
#   (or: apt-get install -y -qq wapiti sqlmap; bench/security.sh)
# Only 127.0.0.1 is ever scanned. Time-bounded: SCAN_SECONDS (default 300) per scanner.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SCAN_SECONDS=${SCAN_SECONDS:-300}
SCANNERS=${SCANNERS:-"bandit wapiti sqlmap"}  # e.g. SCANNERS=sqlmap bench/security.sh
if [[ -n "${SCANNER_VENV:-}" ]]; then export PATH="$SCANNER_VENV/bin:$PATH"; fi
WORK=$(mktemp -d /tmp/consult-security-XXXXXX)
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
export CONSULT_DATABASE_URL="sqlite:///$WORK/consult.sqlite3" CONSULT_INSTANCE="$WORK" \
       CONSULT_SEARCH_INDEX="$WORK/search_index" CONSULT_ATTACHMENTS="$WORK/attachments" \
       CONSULT_SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(32))') CONSULT_MAIL_SERVER="" \
       CONSULT_TOTP_REQUIRED_ROLES=""  # the scanners sign in with a password only
# the scanners send thousands of requests: the login limits would only slow them down
export CONSULT_RATELIMIT_ENABLED=0  # (memory:// with 2 workers is refused at start otherwise)

echo "== instance in $WORK, app on $BASE"
.venv/bin/flask --app app db upgrade >"$WORK/setup.log" 2>&1 || { echo "db upgrade failed"; cat "$WORK/setup.log"; exit 1; }
.venv/bin/flask --app app seed-demo >>"$WORK/setup.log" 2>&1 || { echo "seed-demo failed"; tail "$WORK/setup.log"; exit 1; }
.venv/bin/gunicorn --bind "127.0.0.1:$PORT" --workers 2 --threads 4 --access-logfile "$WORK/access.log" \
    --error-logfile "$WORK/error.log" app:app >"$WORK/app.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done

login_cookie() {  # login_cookie LOGIN PASSWORD -> prints the session cookie value
  $PY - "$BASE" "$1" "$2" <<'PYEOF'
import re, sys, urllib.parse, urllib.request, http.cookiejar
base, login, password = sys.argv[1:4]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(base + "/login").read().decode()
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
data = urllib.parse.urlencode({"login": login, "password": password, "csrf_token": token}).encode()
opener.open(base + "/login", data)
check = opener.open(base + "/password")  # any login-only page: a redirect to /login means the login failed
if "/login" in check.geturl():
    sys.exit(f"login as {login} failed")
print(next(c.value for c in jar if c.name == "session"))
PYEOF
}
# both sessions first: the scanners' own attacks on /login soon hit the per-IP login rate limit
DX_COOKIE=$(login_cookie dx1 demo-pass-2026) || exit 1
ADMIN_COOKIE=$(login_cookie admin demo-admin-2026) || exit 1

if [[ " $SCANNERS " == *" bandit "* ]]; then
echo; echo "== bandit (all severities; make test fails on high)"
.venv/bin/bandit -q -r consult models -f txt 2>/dev/null | grep -E "^>> Issue|Severity:|Location:" | paste - - - | \
    awk -F'\t' '{print $2 " | " $1 " | " $3}' | sed 's/  */ /g' | sort | uniq -c | sort -rn | head -40
.venv/bin/bandit -q -r consult models -lll >/dev/null 2>&1 && echo "bandit: no high-severity issue" || echo "bandit: HIGH SEVERITY ISSUES"
fi

if [[ " $SCANNERS " != *" wapiti "* ]]; then :
elif command -v wapiti >/dev/null; then
  echo; echo "== wapiti (logged in as DX staff dx1; logout and password forms excluded)"
  COOKIE=$DX_COOKIE
  cat >"$WORK/cookies.json" <<JSON
{"127.0.0.1": {"/": {"session": {"value": "$COOKIE", "version": 0, "expires": null, "secure": false, "port": null}}}}
JSON
  MODULES="xss,permanentxss,sql,exec,file,redirect,crlf,csrf,htaccess,methods,ssrf"
  if wapiti --version 2>/dev/null | grep -qE "Wapiti 3\.(1|2|3|4)"; then  # PyPI's wapiti3 (SCANNER_VENV)
    wapiti -u "$BASE/" --scope folder -C "session=$COOKIE" -x "$BASE/logout" -x "$BASE/password" \
        -m "$MODULES,timesql,http_headers,cookieflags,csp,upload" \
        --max-scan-time "$SCAN_SECONDS" --max-attack-time 60 --flush-session -f json -o "$WORK/wapiti.json" \
        --no-bugreport -v 0 >"$WORK/wapiti.log" 2>&1
  else
  # Debian's wapiti 3.0.4 builds its -x regex with a mid-pattern (?ms) that Python 3.11 rejects: patch it on the fly
  /usr/bin/python3 - -u "$BASE/" --scope folder -c "$WORK/cookies.json" -x "$BASE/logout" -x "$BASE/password" \
      -m "$MODULES,blindsql" \
      --max-scan-time "$SCAN_SECONDS" --max-attack-time 60 --flush-session -f json -o "$WORK/wapiti.json" \
      --no-bugreport -v 0 >"$WORK/wapiti.log" 2>&1 <<'PYEOF'
import re, sys
import wapitiCore.net.crawler as crawler
from wapitiCore.main.wapiti import wapiti_main
crawler.wildcard_translate = lambda p: re.compile("(?ms)" + "".join(".*" if c == "*" else re.escape(c) for c in p) + r"\Z")
sys.argv = ["wapiti"] + sys.argv[1:]
sys.exit(wapiti_main())
PYEOF
  fi
  $PY - "$WORK/wapiti.json" <<'PYEOF'
import json, sys
report = json.load(open(sys.argv[1]))
total = 0
for kind, found in sorted(report.get("vulnerabilities", {}).items()) + sorted(report.get("anomalies", {}).items()):
    for item in found:
        total += 1
        print(f"  [{kind}] level={item.get('level')} {item.get('method')} {item.get('path')} {item.get('parameter', '')}: "
              f"{item.get('info', '')[:160]}")
infos = report.get("infos", {})
crawled = infos.get("crawled_pages_nbr") or len(infos.get("crawled_pages", []) or [])  # 3.2 / 3.0 report formats
print(f"wapiti: {total} finding(s); crawled {crawled} page(s)")
PYEOF
else
  echo "wapiti not installed (apt-get install -y wapiti)"
fi

if [[ " $SCANNERS " != *" sqlmap "* ]]; then :
elif command -v sqlmap >/dev/null; then
  echo; echo "== sqlmap (level 1, risk 1; GET parameters of the search/list pages, POST forms with their CSRF token)"
  COOKIE=$ADMIN_COOKIE
  SQLMAP=(sqlmap --cookie="session=$COOKIE" --batch --level 1 --risk 1 --skip-waf --disable-coloring
          --output-dir "$WORK/sqlmap" --flush-session)
  report() { grep -E "is vulnerable|appears to be .*injectable|do not appear to be injectable|not injectable|no parameter" | \
             while IFS= read -r line; do printf '  %s\n    %s\n' "$1" "${line:0:200}"; done; }
  for url in "$BASE/cases/?q=test&sort=newest" "$BASE/tickets/mine?q=test&status=open&scope=dept" \
             "$BASE/desk/?q=test&sort=due" "$BASE/admin/users?q=test&role=requester" "$BASE/reports/?period=fy" \
             "$BASE/cases/suggest?q=test"; do
    timeout "$SCAN_SECONDS" "${SQLMAP[@]}" -u "$url" 2>&1 | report "GET $url"
  done
  # POSTs one by one (not --forms: that would also submit the logout form and end the session)
  TICKET=$(curl -s -b "session=$COOKIE" "$BASE/desk/?f=1" | grep -oE '/tickets/DX-[0-9]+-[0-9]+' | head -1)
  while IFS='|' read -r path data page; do
    timeout "$SCAN_SECONDS" "${SQLMAP[@]}" -u "$BASE$path" --data "$data&csrf_token=x" --csrf-token=csrf_token \
        --csrf-url="$BASE$page" 2>&1 | report "POST $path"
  done <<POSTS
/admin/categories|name=test|/admin/categories
/admin/departments|code=SQ1&name=test&parent=|/admin/departments
$TICKET/reply|body=test|$TICKET
POSTS
  curl -s -o /dev/null -w "  admin session still valid after sqlmap: HTTP %{http_code} (200 expected)\n" -b "session=$COOKIE" "$BASE/admin/"
  echo "sqlmap: done (any 'is vulnerable' line above is a finding)"
else
  echo "sqlmap not installed (apt-get install -y sqlmap)"
fi

echo; echo "== server errors during the scans"
grep -c '" 500 ' "$WORK/access.log" | sed 's/^/HTTP 500 answers: /'
grep -E '" 500 ' "$WORK/access.log" | awk '{print $6, $7}' | sort | uniq -c | sort -rn | head -20
echo "(logs and reports kept in $WORK)"
