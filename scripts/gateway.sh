#!/usr/bin/env bash
# A real nginx as an authenticating gateway in front of a Flink REST endpoint, for tests.
#
#   scripts/gateway.sh start DIR --port N --upstream URL (--basic USER:PASS | --bearer TOKEN | --open)
#                            [--tls-cert PEM --tls-key KEY]
#       Make DIR a private nginx instance (its own config, pid file, logs and temp dirs; nothing
#       under /etc/nginx or /var is used) listening on 127.0.0.1:N only, that proxies every
#       request to URL (http[s]://host:port of a Flink REST endpoint; https is not verified)
#       once it carries the right credentials: HTTP Basic (an htpasswd with an apr1 hash made by
#       openssl) or exactly "Authorization: Bearer TOKEN". Anything else gets 401 with
#       WWW-Authenticate (Basic or Bearer realm="flink-gateway") and the JSON body
#       {"error":"authentication required"}. Bodies of any size are streamed through
#       (client_max_body_size 0, no request buffering); the Authorization header is not passed
#       on. --open: no credentials asked (a TLS front only). --tls-cert/--tls-key: serve HTTPS
#       with that certificate (e.g. an expired one, or one for another host name, for TLS fault
#       tests). Waits until it answers, then prints http[s]://127.0.0.1:N on stdout.
#   scripts/gateway.sh stop DIR
#       Stop the nginx whose pid file is in DIR (only that one) and wait until it is gone.
#   scripts/gateway.sh install
#       Only install nginx (as start would), e.g. before tests that must not wait for apt-get.
#
# Installs Debian's nginx-light (else nginx) with apt-get if there is no nginx, without letting
# the package start the distribution's own nginx service. The access log (DIR/logs/access.log)
# has no user name and no headers; the error log may name the user of a failed Basic login (as
# any nginx does), never a password or token. Progress goes to stderr.
set -euo pipefail

NGINX=${NGINX:-nginx}
REALM=flink-gateway
MARKER=.submitjob-gateway

log() { printf 'gateway.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,21s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------

# The pid of the distribution's own nginx master, if one runs (its default pid file).
distro_nginx_pid() {
  local pid
  pid=$(cat /run/nginx.pid 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '^nginx: master'
  printf '%s\n' "$pid"
}

install_nginx() {
  command -v "$NGINX" >/dev/null && return 0
  [[ $NGINX == nginx ]] || die "no $NGINX"
  local pkg=nginx policy=/usr/sbin/policy-rc.d made_policy='' pid
  command -v apt-get >/dev/null || die "no nginx and no apt-get to install it"
  log "installing nginx with apt-get"
  apt-get update -qq >&2
  apt-cache show nginx-light >/dev/null 2>&1 && pkg=nginx-light
  # The package's postinst starts the default nginx service (port 80) through invoke-rc.d or
  # deb-systemd-invoke; both ask policy-rc.d, and exit 101 means "do not start".
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2 || rc=$?
  [[ -z $made_policy ]] || rm -f -- "$policy"
  ((rc == 0)) || die "apt-get install $pkg failed"
  # Should it have started anyway: stop just that service and keep it from starting at boot.
  if pid=$(distro_nginx_pid); then
    log "stopping the distribution's nginx service (pid $pid) that the package started"
    if [[ -d /run/systemd/system ]]; then
      systemctl stop nginx.service >&2 || kill -QUIT "$pid"
    else
      kill -QUIT "$pid"
    fi
    for _ in $(seq 50); do distro_nginx_pid >/dev/null || break; sleep 0.2; done
  fi
  if [[ -d /run/systemd/system ]]; then systemctl disable nginx.service >/dev/null 2>&1 || true; fi
  if python3 -c 'import socket; socket.create_connection(("127.0.0.1", 80), 1)' 2>/dev/null; then
    log "warning: something listens on port 80 after installing nginx"
  fi
  command -v "$NGINX" >/dev/null || die "$pkg installed, but no nginx on PATH"
}

# ---------------------------------------------------------------------------------------------
# instances
# ---------------------------------------------------------------------------------------------

# True if PID is alive and is an nginx started for DIR (its command line names DIR's config).
owned_by() {  # owned_by PID DIR
  local cmd
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
  [[ $cmd == nginx:* && $cmd == *"$2/nginx.conf"* ]]
}

is_worker() {  # is_worker PID: alive and an nginx worker (their titles do not name DIR)
  local cmd
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
  [[ $cmd == "nginx: worker process"* || $cmd == "nginx: cache "* ]]
}

master_pid() {  # master_pid DIR: the live master of DIR, if any
  local pid
  pid=$(cat "$1/nginx.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && owned_by "$pid" "$1" && printf '%s\n' "$pid"
}

port_free() {  # port_free PORT: nothing listens on it (bind to loopback succeeds)
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

probe() {  # probe URL: exit 0 once anything answers HTTP there (a 401 is an answer)
  python3 - "$1" <<'EOF' 2>/dev/null
import ssl, sys, urllib.error, urllib.request
try:
    # Any certificate: this only asks whether nginx answers yet.
    urllib.request.urlopen(sys.argv[1] + "/", timeout=2, context=ssl._create_unverified_context())
except urllib.error.HTTPError:
    pass
EOF
}

# Temp paths for every module this nginx has (their compiled-in defaults are under /var/lib).
temp_paths() {  # temp_paths DIR
  local v m
  v=$("$NGINX" -V 2>&1)
  printf '    client_body_temp_path %s/temp/client_body;\n' "$1"
  for m in proxy fastcgi uwsgi scgi; do
    [[ $v == *"--without-http_${m}_module"* ]] || printf '    %s_temp_path %s/temp/%s;\n' "$m" "$1" "$m"
  done
}

start_gateway() {
  [[ $# -ge 1 ]] || usage
  local dir port='' upstream='' basic='' bearer='' open='' tls_cert='' tls_key='' user pass url
  dir=$(realpath -m -- "$1")
  shift
  while [[ $# -gt 0 ]]; do
    case $1 in
      --port) port=${2:?--port needs a value}; shift 2 ;;
      --upstream) upstream=${2:?--upstream needs a URL}; shift 2 ;;
      --basic) basic=${2:?--basic needs USER:PASS}; shift 2 ;;
      --bearer) bearer=${2:?--bearer needs a token}; shift 2 ;;
      --open) open=1; shift ;;
      --tls-cert) tls_cert=$(realpath -e -- "${2:?--tls-cert needs a file}") || die "no such file: $2"; shift 2 ;;
      --tls-key) tls_key=$(realpath -e -- "${2:?--tls-key needs a file}") || die "no such file: $2"; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ $port =~ ^[1-9][0-9]*$ ]] || die "--port: want a port number"
  upstream=${upstream%/}
  local url_re='^https?://[][A-Za-z0-9.:-]+$'  # host:port, IPv6 in brackets
  [[ $upstream =~ $url_re ]] || die "--upstream: want http[s]://host:port, got '$upstream'"
  (( (${#basic} > 0) + (${#bearer} > 0) + (${#open} > 0) == 1 )) || die "give one of --basic USER:PASS, --bearer TOKEN and --open"
  [[ -z $tls_cert && -z $tls_key || -n $tls_cert && -n $tls_key ]] || die "--tls-cert and --tls-key go together"
  if [[ -n $open ]]; then
    :
  elif [[ -n $basic ]]; then
    user=${basic%%:*} pass=${basic#*:}
    [[ $basic == *:* && $user =~ ^[A-Za-z0-9._@-]+$ && -n $pass && $pass != *$'\n'* ]] \
      || die "--basic: want USER:PASS (user of letters, digits, ._@-; a non-empty password)"
  else
    # RFC 6750's token characters; they need no quoting in nginx.conf.
    [[ $bearer =~ ^[A-Za-z0-9._~+/-]+=*$ ]] || die "--bearer: want a token of letters, digits and ._~+/- (then =)"
  fi
  [[ $dir =~ ^[A-Za-z0-9._/+@,=-]+$ ]] || die "DIR '$dir': use only letters, digits and ._/+@,=-"
  if [[ -e $dir && ! -f $dir/$MARKER && -n $(ls -A -- "$dir") ]]; then
    die "$dir exists, is not empty and was not made by gateway.sh"
  fi
  [[ -z $(master_pid "$dir") ]] || die "a gateway already runs in $dir; run: $0 stop $dir"
  port_free "$port" || die "port $port is in use"
  install_nginx

  rm -rf -- "${dir:?}"/{logs,temp} "$dir/nginx.conf" "$dir/htpasswd" "$dir/nginx.pid"
  mkdir -p "$dir/logs" "$dir/temp"
  : >"$dir/$MARKER"
  local auth www
  if [[ -n $open ]]; then
    auth='' www=''
  elif [[ -n $basic ]]; then
    (umask 077; printf '%s:%s\n' "$user" "$(printf '%s\n' "$pass" | openssl passwd -apr1 -stdin)" >"$dir/htpasswd")
    auth="            auth_basic \"$REALM\";
            auth_basic_user_file $dir/htpasswd;"
    # auth_basic's own WWW-Authenticate survives the error_page redirect: add none.
    www=
  else
    # if's != is an exact, case-sensitive string comparison.
    auth="            if (\$http_authorization != \"Bearer $bearer\") {
                return 401;
            }"
    www="            add_header WWW-Authenticate \"Bearer realm=\\\"$REALM\\\"\" always;"
  fi
  local scheme=http ssl_listen='' ssl_files=''
  if [[ -n $tls_cert ]]; then
    scheme=https ssl_listen=' ssl'
    ssl_files="        ssl_certificate $tls_cert;
        ssl_certificate_key $tls_key;"
  fi
  local as_root=''
  # Workers run as the invoking user, so they can read DIR (root's default would be nobody).
  ((EUID != 0)) || as_root="user $(id -un) $(id -gn);"
  (umask 077; cat >"$dir/nginx.conf" <<EOF
# Written by scripts/gateway.sh: a private nginx in front of $upstream.
$as_root
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events {
    worker_connections 256;
}
http {
    # No \$remote_user and no headers: nothing that carries credentials.
    log_format gateway '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent \$request_time';
    access_log $dir/logs/access.log gateway;
$(temp_paths "$dir")
    server_tokens off;
    client_max_body_size 0;
    server {
        listen 127.0.0.1:$port$ssl_listen;
$ssl_files
        error_page 401 @unauthorized;
        location / {
$auth
            proxy_pass $upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "";
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_ssl_server_name on;
            proxy_connect_timeout 10s;
            proxy_send_timeout 600s;
            proxy_read_timeout 600s;
        }
        location @unauthorized {
            default_type application/json;
$www
            return 401 '{"error":"authentication required"}\n';
        }
    }
}
EOF
  )
  local errlog=()
  # -e (1.19.5+) keeps nginx from opening the compiled-in /var/log/nginx/error.log at startup.
  "$NGINX" -h 2>&1 | grep -q -- '^ *-e ' && errlog=(-e "$dir/logs/error.log")
  "$NGINX" -p "$dir/" -c "$dir/nginx.conf" "${errlog[@]}" -t -q >&2 2>"$dir/logs/config-test.log" \
    || { cat "$dir/logs/config-test.log" >&2; die "nginx rejects $dir/nginx.conf"; }
  log "starting nginx on 127.0.0.1:$port -> $upstream (${basic:+basic}${bearer:+bearer}${open:+open}, $scheme)"
  "$NGINX" -p "$dir/" -c "$dir/nginx.conf" "${errlog[@]}" >&2 || die "nginx did not start (see $dir/logs/error.log)"
  url="$scheme://127.0.0.1:$port"
  local i
  for i in $(seq 100); do
    probe "$url" && break
    ((i < 100)) || { tail -n 20 "$dir/logs/error.log" >&2 || true; stop_gateway "$dir"; die "no answer at $url"; }
    sleep 0.1
  done
  [[ -n $(master_pid "$dir") ]] || die "nginx answered but its pid file $dir/nginx.pid names no live master"
  log "ready: $url"
  printf '%s\n' "$url"
}

stop_gateway() {
  [[ $# -eq 1 ]] || usage
  local dir pid workers i
  dir=$(realpath -m -- "$1")
  if ! pid=$(master_pid "$dir"); then
    log "$dir: not running"
    rm -f -- "$dir/nginx.pid"
    return 0
  fi
  # Its workers, to make sure none outlives a master that had to be killed.
  mapfile -t workers < <(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ')
  log "stopping nginx $pid of $dir"
  kill -QUIT "$pid" 2>/dev/null || true  # graceful: finish the requests in flight
  for i in $(seq 150); do
    owned_by "$pid" "$dir" || break
    if ((i == 50)); then kill -TERM "$pid" 2>/dev/null || true; fi
    if ((i == 100)); then kill -KILL "$pid" 2>/dev/null || true; fi
    sleep 0.1
  done
  owned_by "$pid" "$dir" && die "nginx $pid did not exit"
  for pid in "${workers[@]+"${workers[@]}"}"; do
    [[ $pid =~ ^[0-9]+$ ]] && is_worker "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f -- "$dir/nginx.pid"
  log "stopped $dir"
}

case ${1:-} in
  install) install_nginx ;;
  start) shift; start_gateway "$@" ;;
  stop) shift; stop_gateway "$@" ;;
  *) usage ;;
esac
