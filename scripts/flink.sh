#!/usr/bin/env bash
# Download, lay out, start and stop real Apache Flink clusters for tests and demos.
#
#   scripts/flink.sh install VERSION
#       Fetch Flink VERSION (1.12.x, 1.14+) from PyPI into the cache and lay out a pristine
#       FLINK_HOME at $CACHE/flink-VERSION. Prints that path as the last line of stdout.
#   scripts/flink.sh start VERSION INSTANCE_DIR [--rest-port N] [--rpc-port N]
#                          [--slots N] [--extra-lib DIR]... [--conf KEY=VALUE]...
#       Make INSTANCE_DIR a self-contained standalone cluster (1 JobManager, 1 TaskManager) that
#       listens on loopback only, start it, wait until a TaskManager has registered, and print
#       http://127.0.0.1:REST_PORT on stdout. Defaults: rest 8081, rpc 6123, 4 slots.
#       --conf appends "KEY: VALUE" to the instance's config (VALUE as written, so YAML-quote it
#       if needed; a later --conf of the same key wins, and so does --conf over a flat key of
#       our own; the endpoint keys rest.port/address/bind-address, jobmanager.rpc.*,
#       jobmanager.bind-host and jobmanager.memory.process.size cannot be overridden). With
#       security.ssl.rest.enabled (or security.ssl.enabled) true, REST is HTTPS: the URL printed
#       is https://127.0.0.1:REST_PORT and the readiness probe does not verify the server; with
#       security.ssl.rest.authentication-enabled true as well, it presents the key of
#       security.ssl.rest.keystore (converted with keytool and openssl), as bin/flink does.
#   scripts/flink.sh stop INSTANCE_DIR      Stop that cluster (idempotent).
#   scripts/flink.sh kill-jobmanager INSTANCE_DIR
#       SIGKILL the cluster's JobManager only (a crash, for fault tests); the TaskManager stays
#       until `stop`.
#   scripts/flink.sh logs INSTANCE_DIR      Print the cluster's log files.
#
# Environment: SUBMITJOB_CACHE (default ~/.cache/submitjob; pip files in $CACHE/pip),
# JAVA_HOME (default /usr/lib/jvm/java-17-openjdk-amd64), FLINK_START_TIMEOUT (default 120 s).
# Only the URL / path goes to stdout; all progress goes to stderr.
set -euo pipefail

CACHE=$(realpath -m -- "${SUBMITJOB_CACHE:-$HOME/.cache/submitjob}")
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
START_TIMEOUT=${FLINK_START_TIMEOUT:-120}  # seconds until a TaskManager must have registered
STOP_GRACE=15      # seconds between SIGTERM and SIGKILL
MARKER=.submitjob-flink  # marks a directory this script laid out (safe to clear and reuse)

# JVM flags Flink needs on Java 17: 1.12 predates Java 17 and dies without the --add-opens;
# 1.18+ ship this very list in their default config.yaml, which we replace with our own file.
JAVA17_OPTS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

log() { printf 'flink.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,28s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

# Temp dirs removed on any exit (a SIGKILLed run leaves one behind; the next install under the
# lock removes it). INT/TERM are turned into exits so the EXIT trap runs for them too.
# STARTING names an instance whose start has not succeeded yet: an error or Ctrl-C tears it down.
CLEANUP=()
STARTING=
cleanup() {
  local d
  for d in "${CLEANUP[@]+"${CLEANUP[@]}"}"; do rm -rf -- "$d"; done
  if [[ -n $STARTING ]]; then
    d=$STARTING
    STARTING=
    stop_cluster "$d"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

check_version() {
  [[ $1 =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "bad version '$1' (want e.g. 1.20.3 or 1.12.5)"
  local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  ((major > 1 || minor >= 12)) || die "Flink $1 is not supported (1.12 or newer)"
}

# ---------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------

# Copy the regular files under SRC_PREFIX of a wheel (zip) or sdist (tar.gz) to DEST/DST_DIR,
# keeping the exec bit. Python rather than unzip: python3 is there wherever pip is.
# Usage: python3 -c "$PY_EXTRACT" ARCHIVE DEST STRIP SRC=DST...
#   STRIP: leading path components to drop first (1 for an sdist's top directory).
PY_EXTRACT=$(cat <<'EOF'
import os, shutil, sys, tarfile, zipfile
archive, dest, strip, *maps = sys.argv[1:]
maps = [m.split("=", 1) for m in maps]
def members():
    if archive.endswith(".whl") or archive.endswith(".zip"):
        z = zipfile.ZipFile(archive)
        for i in z.infolist():
            if not i.is_dir():
                yield i.filename, (i.external_attr >> 16) & 0o111, lambda i=i: z.open(i)
    else:
        t = tarfile.open(archive)
        for m in t:
            if m.isfile():
                yield m.name, m.mode & 0o111, lambda m=m: t.extractfile(m)
count = {src: 0 for src, _ in maps}
for name, exe, open_ in members():
    parts = name.split("/")[int(strip):]
    if any(p in ("", ".", "..") for p in parts):
        continue
    rel = "/".join(parts)
    for src, dst in maps:
        if rel.startswith(src + "/"):
            out = os.path.join(dest, dst, rel[len(src) + 1:])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open_() as f, open(out, "wb") as g:
                shutil.copyfileobj(f, g, 1 << 20)
            os.chmod(out, 0o755 if exe else 0o644)
            count[src] += 1
            break
for src, dst in maps:
    print(f"  {count[src]:4d} files  {src} -> {dst}", file=sys.stderr)
EOF
)

# Set FOUND to the first existing file among the arguments (globs), or fail.
find_cached() {
  local f
  for f in "$@"; do
    [[ -f $f ]] && { FOUND=$f; return 0; }
  done
  return 1
}

# pip download into a private temp dir, then rename into $CACHE/pip, so a killed download
# never leaves a truncated file that later runs would take for a good one.
pip_download() {  # pip_download PIP_ARGS...
  local dl
  dl=$(mktemp -d "$CACHE/pip/.download.XXXXXX")
  CLEANUP+=("$dl")
  python3 -m pip download --disable-pip-version-check --no-deps -d "$dl" "$@" >&2 || return 1
  mv -f -- "$dl"/* "$CACHE/pip/"
}

# The apache-flink wheel (scripts and conf; for 1.12/1.13 also every jar) -> FOUND. Its Python
# tag does not matter to us, but pip needs one the release has a wheel for.
fetch_wheel() {  # fetch_wheel VERSION
  local version=$1 py pythons
  find_cached "$CACHE/pip/apache_flink-$version-"*.whl && return 0
  case $version in
    1.1[2-6].*) pythons="3.8 3.7 3.9" ;;
    *) pythons="3.11 3.10 3.9 3.12 3.8" ;;
  esac
  for py in $pythons; do
    log "downloading apache-flink==$version wheel (python $py) from PyPI"
    if pip_download --only-binary :all: --python-version "$py" \
         --platform manylinux2014_x86_64 --platform manylinux1_x86_64 "apache-flink==$version"; then
      find_cached "$CACHE/pip/apache_flink-$version-"*.whl && return 0
    fi
  done
  die "could not download apache-flink==$version from PyPI"
}

# From 1.14 on the jars live in apache-flink-libraries: an sdist (deps/lib, deps/opt, ...) up to
# 2.1, a wheel (pyflink/lib, pyflink/opt, ...) from 2.2 on.
fetch_libraries() {  # fetch_libraries VERSION -> FOUND
  local version=$1
  libraries_cached "$version" && return 0
  log "downloading apache-flink-libraries==$version from PyPI (230-330 MB)"
  pip_download "apache-flink-libraries==$version" || die "could not download apache-flink-libraries==$version"
  libraries_cached "$version" || die "pip gave no apache-flink-libraries $version sdist or wheel"
}

# A function, not a list made once: the wheel's glob must expand after the download too.
libraries_cached() {  # libraries_cached VERSION -> FOUND
  find_cached "$CACHE/pip/apache-flink-libraries-$1.tar.gz" "$CACHE/pip/apache_flink_libraries-$1.tar.gz" \
    "$CACHE/pip/apache_flink_libraries-$1-"*.whl
}

install_flink() {  # install_flink VERSION -> sets HOME_DIR
  local version=$1
  check_version "$version"
  HOME_DIR="$CACHE/flink-$version"
  if [[ ! -d $HOME_DIR ]]; then
    mkdir -p "$CACHE/pip"
    # One installer per version at a time. The lock fd is closed when the block ends, so the
    # Flink daemons that `start` launches afterwards do not inherit (and hold) the lock.
    {
      flock 9
      [[ -d $HOME_DIR ]] || build_home "$version" "$HOME_DIR"
    } 9>"$CACHE/.flink-$version.lock"
  fi
  log "Flink $version at $HOME_DIR"
}

# Lay the home out in a temp dir next to the final one and rename it into place: a killed run
# never leaves a half-made home, and a complete home is exactly "the directory exists".
build_home() {  # build_home VERSION HOME (called with the lock held)
  local version=$1 home=$2 tmp wheel libs
  rm -rf -- "$CACHE/.flink-$version.tmp."*  # leftovers of killed runs; safe under the lock
  tmp=$(mktemp -d "$CACHE/.flink-$version.tmp.XXXXXX")
  CLEANUP+=("$tmp")
  fetch_wheel "$version"
  wheel=$FOUND
  log "unpacking $(basename "$wheel")"
  if python3 -c 'import sys, zipfile; n = zipfile.ZipFile(sys.argv[1]).namelist(); sys.exit(not any(x.startswith("pyflink/lib/flink-dist") for x in n))' "$wheel"; then
    # 1.12/1.13: one wheel holds the whole distribution under pyflink/.
    python3 -c "$PY_EXTRACT" "$wheel" "$tmp" 0 \
      pyflink/bin=bin pyflink/conf=conf pyflink/lib=lib pyflink/opt=opt pyflink/plugins=plugins
  else
    # 1.14+: scripts and conf from the wheel, jars from apache-flink-libraries
    # (deps/bin holds bash-java-utils.jar, which bin/config.sh expects next to itself).
    python3 -c "$PY_EXTRACT" "$wheel" "$tmp" 0 pyflink/bin=bin pyflink/conf=conf
    fetch_libraries "$version"
    libs=$FOUND
    log "unpacking $(basename "$libs")"
    if [[ $libs == *.whl ]]; then
      python3 -c "$PY_EXTRACT" "$libs" "$tmp" 0 \
        pyflink/lib=lib pyflink/opt=opt pyflink/plugins=plugins pyflink/bin=bin
    else
      python3 -c "$PY_EXTRACT" "$libs" "$tmp" 1 \
        deps/lib=lib deps/opt=opt deps/plugins=plugins deps/bin=bin
    fi
  fi
  mkdir -p "$tmp/log" "$tmp/opt" "$tmp/plugins"
  chmod +x "$tmp"/bin/*
  [[ -f $tmp/bin/start-cluster.sh ]] || die "layout: no bin/start-cluster.sh in $wheel"
  compgen -G "$tmp/lib/flink-dist*.jar" >/dev/null || die "layout: no lib/flink-dist*.jar"
  printf '%s\n' "$version" >"$tmp/$MARKER"
  chmod 755 "$tmp"  # mktemp made it 700
  mv -T -- "$tmp" "$home"
}

# ---------------------------------------------------------------------------------------------
# cluster instances
# ---------------------------------------------------------------------------------------------

# Run a Flink bin/ script of INSTANCE with every location pinned to the instance, so neither a
# caller's FLINK_* variables nor the pristine home (shared by all instances) is used or written.
flink_env() {  # flink_env INSTANCE CMD...
  local inst=$1; shift
  env -u _FLINK_HOME_DETERMINED -u FLINK_ENV_JAVA_OPTS -u FLINK_ENV_JAVA_OPTS_JM \
      -u FLINK_ENV_JAVA_OPTS_TM -u FLINK_IDENT_STRING \
      JAVA_HOME="$JAVA_HOME" FLINK_HOME="$inst" FLINK_CONF_DIR="$inst/conf" \
      FLINK_LOG_DIR="$inst/log" FLINK_PID_DIR="$inst/pids" FLINK_LIB_DIR="$inst/lib" \
      FLINK_OPT_DIR="$inst/opt" FLINK_PLUGINS_DIR="$inst/plugins" "$@"
}

# True if PID is a live process started from INSTANCE (its command line names the instance's
# lib/ and log/). Guards against PID reuse: we never signal a process that is not ours.
# Zombies have an empty cmdline and count as gone.
owned_by() {  # owned_by PID INSTANCE
  local cmd
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
  [[ $cmd == *"$2/"* ]]
}

# Live PIDs recorded in INSTANCE/pids/*.pid (flink-daemon.sh writes one file per daemon type).
instance_pids() {  # instance_pids INSTANCE
  local f pid
  for f in "$1"/pids/*.pid; do
    [[ -f $f ]] || continue
    while read -r pid; do
      [[ $pid =~ ^[0-9]+$ ]] && owned_by "$pid" "$1" && printf '%s\n' "$pid"
    done <"$f"
  done
  return 0
}

# Flink's own config parsers cannot cope with these in paths, and we write paths into the conf.
check_instance_path() {
  [[ $1 =~ ^[A-Za-z0-9._/+@,=-]+$ ]] || die "instance dir '$1': use only letters, digits and ._/+@,=-"
}

port_free() {  # port_free PORT: nothing listens on it (bind to loopback succeeds)
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore TIME_WAIT leftovers
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

# Exit 0 once GET URL/overview answers with at least one TaskManager. python3, not curl:
# curl may be missing on a fresh machine, python3 is needed for pip anyway.
# For https the server is not verified (it is our own port, checked free before the start), any
# OpenSSL cipher is allowed (once mutual TLS is on, Flink's REST server offers only
# security.ssl.algorithms, default TLS_RSA_WITH_AES_128_CBC_SHA, which Python's default list
# leaves out), and CLIENT_PEM (key + certificate chain) is presented if given.
probe_ready() {  # probe_ready URL [CLIENT_PEM]
  python3 - "$@" <<'EOF' 2>/dev/null
import json, ssl, sys, urllib.request
context = None
if sys.argv[1].startswith("https:"):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    if len(sys.argv) > 2:
        context.load_cert_chain(sys.argv[2])
with urllib.request.urlopen(sys.argv[1] + "/overview", timeout=2, context=context) as r:
    sys.exit(0 if json.load(r).get("taskmanagers", 0) >= 1 else 1)
EOF
}

# --conf KEY=VALUE settings of this start: keys in first-given order, the last value of each.
CONF_KEYS=()
declare -A CONF_VALS=()
# write_conf writes these itself, nested on 1.19+ (config.yaml), where a flat duplicate would
# clash; refused for every version alike.
MANAGED_KEYS=" rest.port rest.address rest.bind-address jobmanager.rpc.address jobmanager.rpc.port jobmanager.bind-host jobmanager.memory.process.size "

add_conf() {  # add_conf KEY=VALUE
  local key=${1%%=*} value=${1#*=}
  [[ $1 == *=* && $key =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "--conf '$1': want KEY=VALUE"
  [[ $value != *$'\n'* ]] || die "--conf $key: the value must be one line"
  [[ $MANAGED_KEYS != *" $key "* ]] || die "--conf $key: set by flink.sh itself (see --rest-port, --rpc-port)"
  [[ -v CONF_VALS[$key] ]] || CONF_KEYS+=("$key")
  CONF_VALS[$key]=$value
}

# The effective --conf value of the first KEY that is set, YAML quotes removed ('' if none is).
conf_get() {  # conf_get KEY [FALLBACK_KEY]...
  local k v
  for k in "$@"; do
    [[ -v CONF_VALS[$k] ]] || continue
    v=${CONF_VALS[$k]}
    [[ $v =~ ^\'(.*)\'$ || $v =~ ^\"(.*)\"$ ]] && v=${BASH_REMATCH[1]}
    printf '%s' "$v"
    return 0
  done
}

conf_true() {  # conf_true KEY [FALLBACK_KEY]...: the effective value is true (any case, as YAML)
  local v
  v=$(conf_get "$@")
  [[ ${v,,} == true ]]
}

# REST over TLS, as Flink decides it: security.ssl.rest.enabled, else the deprecated
# security.ssl.enabled.
rest_ssl() { conf_true security.ssl.rest.enabled security.ssl.enabled; }

# Apply the --conf settings to the instance's config file: drop a top-level line of ours with a
# key given, then append them all.
append_conf() {  # append_conf INSTANCE
  local file=$1/conf/config.yaml k
  [[ -f $file ]] || file=$1/conf/flink-conf.yaml
  python3 - "$file" "${CONF_KEYS[@]}" <<'EOF'
import sys
path, keys = sys.argv[1], set(sys.argv[2:])
with open(path) as f:
    lines = f.readlines()
with open(path, "w") as f:
    f.writelines(l for l in lines if l[:1].isspace() or l.split(":", 1)[0].strip() not in keys)
EOF
  {
    printf '# flink.sh start --conf:\n'
    for k in "${CONF_KEYS[@]}"; do printf '%s: %s\n' "$k" "${CONF_VALS[$k]}"; done
  } >>"$file"
}

# The key and certificate chain of the REST keystore as one PEM file, for the readiness probe
# under mutual TLS (bin/flink presents that keystore too). keytool reads whatever Java reads (JKS,
# PKCS12, a key password of its own); openssl turns its PKCS12 copy into PEM.
probe_identity() {  # probe_identity INSTANCE -> prints the PEM's path
  local ks type alias dir=$1/tmp/probe-identity src
  ks=$(conf_get security.ssl.rest.keystore security.ssl.keystore)
  type=$(conf_get security.ssl.rest.keystore-type)
  [[ -n $ks ]] || die "mutual TLS: no security.ssl.rest.keystore given"
  command -v openssl >/dev/null || die "mutual TLS: the readiness probe needs openssl (apt-get install openssl)"
  mkdir -p "$dir"
  chmod 700 "$dir"
  # Passwords through the environment, not the command line.
  PROBE_STOREPASS=$(conf_get security.ssl.rest.keystore-password security.ssl.keystore-password)
  PROBE_KEYPASS=$(conf_get security.ssl.rest.key-password security.ssl.key-password)
  PROBE_PASS=probe-$RANDOM$RANDOM
  export PROBE_STOREPASS PROBE_KEYPASS PROBE_PASS
  src=(-srckeystore "$ks" -srcstorepass:env PROBE_STOREPASS)
  [[ -z $type ]] || src+=(-srcstoretype "$type")
  if [[ -n $PROBE_KEYPASS && $PROBE_KEYPASS != "$PROBE_STOREPASS" ]]; then
    # keytool takes a separate key password only per alias: the first key entry.
    local list=(-keystore "$ks" -storepass:env PROBE_STOREPASS)
    [[ -z $type ]] || list+=(-storetype "$type")
    alias=$("$JAVA_HOME/bin/keytool" -J-XX:TieredStopAtLevel=1 -list "${list[@]}" 2>/dev/null | sed -n 's/^\([^,]*\),.*PrivateKeyEntry.*/\1/p' | head -n 1)
    [[ -n $alias ]] || die "mutual TLS: no key entry in $ks"
    src+=(-srcalias "$alias" -srckeypass:env PROBE_KEYPASS -destkeypass:env PROBE_PASS)
  fi
  rm -f -- "$dir/identity.p12" "$dir/identity.pem"
  "$JAVA_HOME/bin/keytool" -J-XX:TieredStopAtLevel=1 -importkeystore -noprompt "${src[@]}" \
    -destkeystore "$dir/identity.p12" -deststoretype PKCS12 -deststorepass:env PROBE_PASS \
    </dev/null >"$dir/keytool.log" 2>&1 || { cat "$dir/keytool.log" >&2; die "mutual TLS: keytool cannot read $ks"; }
  openssl pkcs12 -in "$dir/identity.p12" -passin env:PROBE_PASS -nodes -out "$dir/identity.pem" 2>"$dir/openssl.log" \
    || { cat "$dir/openssl.log" >&2; die "mutual TLS: openssl cannot read keytool's copy of $ks"; }
  rm -f -- "$dir/identity.p12"
  printf '%s\n' "$dir/identity.pem"
}

tail_logs() {  # tail_logs INSTANCE: last lines of every log, to stderr
  local f
  for f in "$1"/log/*; do
    [[ -f $f ]] || continue
    printf '\n==> %s (last 40 lines) <==\n' "$f" >&2
    tail -n 40 -- "$f" >&2
  done
}

# Write the instance's Flink configuration. One dialect for every version: flat "key: value"
# lines, which both the legacy flink-conf.yaml parser (<= 1.20) and the standard-YAML config.yaml
# parser (1.19+; the only one in 2.x) accept. The file name follows the distribution: 1.19/1.20
# ship config.yaml (and would read a flink-conf.yaml instead, deprecated), 2.x reads only
# config.yaml, older versions only flink-conf.yaml. The shipped file is replaced, not merged.
write_conf() {  # write_conf INSTANCE REST_PORT RPC_PORT SLOTS
  local inst=$1 rest=$2 rpc=$3 slots=$4 file=flink-conf.yaml opts_key=env.java.opts
  [[ -f $inst/conf/config.yaml ]] && file=config.yaml
  # env.java.opts became env.java.opts.all (old name deprecated); use what this config.sh reads.
  grep -q 'env\.java\.opts\.all' "$inst/bin/config.sh" && opts_key=env.java.opts.all
  rm -f -- "$inst/conf/config.yaml" "$inst/conf/flink-conf.yaml"
  cat >"$inst/conf/$file" <<EOF
# Written by scripts/flink.sh for a local test cluster; rewritten at every start.
# Loopback only: RPC and REST are bound to localhost / 127.0.0.1. (1.12 exception: its
# "flink-metrics" actor system has no bind-host option and listens on all interfaces.)
EOF
  if [[ $file == config.yaml ]]; then
    # Flink 1.19+'s standard YAML: the endpoint keys nested, the rest as flat dotted keys (both
    # are allowed), so the tests read a config.yaml the way people write them.
    cat >>"$inst/conf/$file" <<EOF
jobmanager:
  rpc:
    address: localhost
    port: $rpc
  bind-host: localhost
  memory:
    process:
      size: 1024m
rest:
  address: localhost
  bind-address: 127.0.0.1
  port: $rest
EOF
  else
    cat >>"$inst/conf/$file" <<EOF
jobmanager.rpc.address: localhost
jobmanager.bind-host: localhost
jobmanager.rpc.port: $rpc
jobmanager.memory.process.size: 1024m
rest.address: localhost
rest.bind-address: 127.0.0.1
rest.port: $rest
EOF
  fi
  cat >>"$inst/conf/$file" <<EOF
taskmanager.host: localhost
taskmanager.bind-host: localhost
# Ephemeral ports for everything else, so several clusters can run side by side.
taskmanager.rpc.port: 0
taskmanager.data.port: 0
blob.server.port: 0
metrics.internal.query-service.port: 0
# Small enough for a 2-core CI machine running two clusters.
taskmanager.memory.process.size: 1536m
taskmanager.numberOfTaskSlots: $slots
parallelism.default: 1
# Everything this cluster writes stays inside the instance directory. The start scripts keep
# pid files in /tmp by default and refuse a second TaskManager of the same user there.
env.pid.dir: $inst/pids
env.log.dir: $inst/log
io.tmp.dirs: $inst/tmp
web.tmpdir: $inst/tmp
# Uploaded jars survive a JobManager restart (default: a new random dir at every start).
web.upload.dir: $inst/web-upload
# Also used by bin/flink etc. run by hand from this instance.
env.java.home: $JAVA_HOME
$opts_key: $JAVA17_OPTS
EOF
  printf 'localhost:%s\n' "$rest" >"$inst/conf/masters"
  printf 'localhost\n' >"$inst/conf/workers"
}

start_cluster() {
  [[ $# -ge 2 ]] || usage
  local version=$1 inst rest=8081 rpc=6123 slots=4 extra=() home d started url
  check_version "$version"
  inst=$(realpath -m -- "$2")
  shift 2
  while [[ $# -gt 0 ]]; do
    case $1 in
      --rest-port) rest=${2:?--rest-port needs a value}; shift 2 ;;
      --rpc-port) rpc=${2:?--rpc-port needs a value}; shift 2 ;;
      --slots) slots=${2:?--slots needs a value}; shift 2 ;;
      --extra-lib) extra+=("$(realpath -e -- "${2:?--extra-lib needs a value}")") || die "no such dir: $2"; shift 2 ;;
      --conf) add_conf "${2:?--conf needs KEY=VALUE}"; shift 2 ;;
      *) usage ;;
    esac
  done
  for n in "$rest" "$rpc" "$slots"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive number: $n"; done
  for d in "${extra[@]+"${extra[@]}"}"; do [[ -d $d ]] || die "--extra-lib $d: not a directory"; done
  check_instance_path "$inst"
  [[ -x $JAVA_HOME/bin/java ]] || die "no java at $JAVA_HOME/bin/java (set JAVA_HOME to a Java 17)"

  [[ -z $(instance_pids "$inst") ]] || die "$inst is already running; run: $0 stop $inst"
  # Something else on our ports would answer the readiness probe in our place: refuse early.
  port_free "$rest" || die "rest port $rest is in use"
  port_free "$rpc" || die "rpc port $rpc is in use"

  # Only ever clear a directory we laid out ourselves; keep web-upload/ (uploaded jars).
  if [[ ! -f $inst/$MARKER && -e $inst && -n $(ls -A -- "$inst") ]]; then
    die "$inst exists, is not empty and was not made by flink.sh"
  fi

  install_flink "$version"
  home=$HOME_DIR

  rm -rf -- "${inst:?}"/{bin,conf,lib,opt,plugins,log,pids,tmp}
  mkdir -p "$inst"
  log "laying out $inst from $home"
  # bin/ and conf/ are private copies (bin/config.sh derives FLINK_HOME from its own location).
  # Jars are hard links to save ~240 MB per instance (new files may be added to lib/, but
  # never overwrite a jar in place: that would change the pristine home too).
  cp -a -- "$home/bin" "$home/conf" "$inst/"
  for d in lib opt plugins; do
    cp -al -- "$home/$d" "$inst/$d" 2>/dev/null || { rm -rf -- "${inst:?}/$d"; cp -a -- "$home/$d" "$inst/$d"; }
  done
  mkdir -p "$inst"/{log,pids,tmp,web-upload}
  # Extra jars are copied, not symlinked: config.sh builds the classpath with a recursive
  # `find lib -name '*.jar'`, which does not descend into symlinked directories. -L copies the
  # targets of symlinks inside DIR too.
  for d in "${extra[@]+"${extra[@]}"}"; do
    [[ ! -e $inst/lib/$(basename "$d") ]] || die "--extra-lib: lib/$(basename "$d") already exists"
    log "adding $d to lib/"
    cp -RL -- "$d" "$inst/lib/$(basename "$d")"
  done
  write_conf "$inst" "$rest" "$rpc" "$slots"
  ((${#CONF_KEYS[@]} == 0)) || append_conf "$inst"
  printf '%s\n' "$version" >"$inst/$MARKER"
  url="http://127.0.0.1:$rest"
  local probe=("$url")
  if rest_ssl; then
    url="https://127.0.0.1:$rest"
    probe=("$url")
    if conf_true security.ssl.rest.authentication-enabled; then
      probe+=("$(probe_identity "$inst")") || exit 1
    fi
  fi

  log "starting Flink $version (rest $rest, rpc $rpc, $slots slots, java $JAVA_HOME)"
  started=$(date +%s%N)
  STARTING=$inst
  # The daemons redirect their own output to log/*.out, so they do not hold our stdout open.
  # (1.19+ start scripts run several short JVMs just to parse the config: seconds, not ms.)
  local rc=0
  flink_env "$inst" timeout "$START_TIMEOUT" "$inst/bin/start-cluster.sh" >&2 || rc=$?
  if ((rc == 124)); then
    fail_start "$inst" "bin/start-cluster.sh timed out after ${START_TIMEOUT}s"
  elif ((rc != 0)); then
    fail_start "$inst" "bin/start-cluster.sh failed (exit $rc)"
  fi
  while ! probe_ready "${probe[@]}"; do
    # Fail fast once a daemon has died (bad conf, port clash, JVM flags) instead of waiting.
    local want have
    want=$(cat "$inst"/pids/*.pid 2>/dev/null | grep -c '^[0-9]' || true)
    have=$(instance_pids "$inst" | wc -l)
    if ((want == 0 || have < want)); then
      fail_start "$inst" "a Flink process exited during startup"
    fi
    if (($(date +%s%N) - started > START_TIMEOUT * 1000000000)); then
      fail_start "$inst" "no TaskManager registered at $url within ${START_TIMEOUT}s"
    fi
    sleep 0.5
  done
  STARTING=
  log "ready after $((($(date +%s%N) - started) / 1000000)) ms: $url"
  printf '%s\n' "$url"
}

fail_start() {  # fail_start INSTANCE MESSAGE: show logs, exit 1 (the EXIT trap tears down)
  tail_logs "$1"
  log "error: $2"
  exit 1
}

stop_cluster() {
  [[ $# -eq 1 ]] || usage
  local inst pids=() pid waited=0
  inst=$(realpath -m -- "$1")
  [[ -d $inst ]] || { log "$inst: nothing to stop"; return 0; }
  # Read the PIDs first: stop-cluster.sh removes them from the pid files as it goes.
  mapfile -t pids < <(instance_pids "$inst")
  if ((${#pids[@]} == 0)); then
    log "$inst: not running"
  elif [[ -x $inst/bin/stop-cluster.sh && -d $inst/conf ]]; then
    log "stopping $inst"
    flink_env "$inst" timeout 60 "$inst/bin/stop-cluster.sh" >&2 || log "stop-cluster.sh failed; killing by PID"
  fi
  # stop-cluster.sh stops one daemon per type and does not wait; finish the job by PID. Only
  # these PIDs: other clusters may run on this machine, so never kill by name.
  mapfile -t pids < <({ printf '%s\n' "${pids[@]+"${pids[@]}"}"; instance_pids "$inst"; } | grep . | sort -un)
  for pid in "${pids[@]+"${pids[@]}"}"; do
    owned_by "$pid" "$inst" && kill -TERM "$pid" 2>/dev/null || true
  done
  while :; do
    local alive=()
    for pid in "${pids[@]+"${pids[@]}"}"; do
      owned_by "$pid" "$inst" && alive+=("$pid")
    done
    ((${#alive[@]} == 0)) && break
    if ((waited == STOP_GRACE * 2)); then
      log "still running after ${STOP_GRACE}s, sending SIGKILL to ${alive[*]}"
      kill -KILL "${alive[@]}" 2>/dev/null || true
    elif ((waited > STOP_GRACE * 2 + 20)); then
      log "warning: PIDs ${alive[*]} did not exit"
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  rm -f -- "$inst"/pids/*.pid
  log "stopped $inst"
}

kill_jobmanager() {
  [[ $# -eq 1 ]] || usage
  local inst pid f killed=0
  inst=$(realpath -m -- "$1")
  for f in "$inst"/pids/*standalonesession*.pid; do
    [[ -f $f ]] || continue
    while read -r pid; do
      if [[ $pid =~ ^[0-9]+$ ]] && owned_by "$pid" "$inst"; then
        kill -KILL "$pid" && killed=$((killed + 1))
        log "killed JobManager $pid of $inst"
      fi
    done <"$f"
  done
  ((killed > 0)) || die "$inst: no running JobManager"
}

show_logs() {
  [[ $# -eq 1 ]] || usage
  local inst f
  inst=$(realpath -m -- "$1")
  for f in "$inst"/log/*; do
    [[ -f $f ]] || continue
    printf '==> %s <==\n' "$f"
    cat -- "$f"
    printf '\n'
  done
}

case ${1:-} in
  install) [[ $# -eq 2 ]] || usage; install_flink "$2"; printf '%s\n' "$HOME_DIR" ;;
  start) shift; start_cluster "$@" ;;
  stop) shift; stop_cluster "$@" ;;
  logs) shift; show_logs "$@" ;;
  kill-jobmanager) shift; kill_jobmanager "$@" ;;
  *) usage ;;
esac
