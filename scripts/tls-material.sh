#!/usr/bin/env bash
# Make the certificates, keys and Java key/trust stores the TLS integration tests need.
#
#   scripts/tls-material.sh OUT_DIR
#       (Re)creates OUT_DIR (refuses a non-empty directory it did not make) and prints its absolute
#       path on stdout; progress goes to stderr. Needs openssl (apt-get installs it if missing) and
#       keytool from $JAVA_HOME (default /usr/lib/jvm/java-17-openjdk-amd64).
#
# Passwords: every keystore, every key in a keystore and every truststore uses STORE_PASSWORD
# below (Store-Secret-7). PEM keys are PKCS#8 and unencrypted. All keys are RSA 2048: Flink's REST
# endpoint, once a truststore is in play (mutual TLS, and always in Flink's own client), allows only
# security.ssl.algorithms (default TLS_RSA_WITH_AES_128_CBC_SHA), which needs an RSA key.
#
#   ca.pem, ca.key              the test CA (trusted by everything below)
#   other-ca.pem, other-ca.key  an unrelated CA ("wrong CA" tests)
#   server.{pem,key}            signed by ca; SAN DNS:localhost, IP:127.0.0.1; EKU serverAuth AND
#                               clientAuth, so one Flink config (security.ssl.rest.keystore) serves
#                               the JobManager's REST server and bin/flink's client under mutual TLS
#   server-chain.pem            server.pem + ca.pem
#   server.p12, server.jks      key + chain (server, ca), alias "server"
#   server-wronghost.*          as server but SAN DNS:wrong.example only (.pem .key .p12 .jks)
#   server-expired.*            as server but valid 2020-01-01 .. 2020-01-02 only (.pem .key .p12 .jks)
#   client.{pem,key}            signed by ca; CN=submitjob-test-client; EKU clientAuth
#   client-chain.pem            client.pem + ca.pem
#   client.p12, client.jks      key + chain, alias "client"
#   client-otherca.{pem,key}    a client certificate signed by other-ca (the server must refuse it)
#   truststore.p12, .jks        made by keytool: only a trustedCertEntry "ca" (ca.pem). Java's
#                               trust store for clients AND the REST server's truststore for mutual
#                               TLS (the client certificate is signed by the same CA)
#   other-truststore.p12        only a trustedCertEntry for other-ca (a server that trusts no client)
#   passwords.env               STORE_PASSWORD=..., for scripts
set -euo pipefail

STORE_PASSWORD=Store-Secret-7
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
MARKER=.submitjob-tls-material
DAYS=3650

log() { printf 'tls-material.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 1 && -n $1 ]] || { sed -n '2,8s/^# \{0,1\}//p' "$0" >&2; exit 2; }
out=$(realpath -m -- "$1")

missing=()
command -v openssl >/dev/null || missing+=(openssl)
[[ -x $JAVA_HOME/bin/keytool ]] || missing+=(openjdk-17-jre-headless)
if ((${#missing[@]} > 0)); then
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
KEYTOOL=$JAVA_HOME/bin/keytool
# keytool is a short JVM run: a quick start matters more than peak speed (7 runs).
KT_OPTS=(-J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -J-Xshare:auto)
[[ -x $KEYTOOL ]] || die "no keytool at $KEYTOOL (set JAVA_HOME)"

if [[ -e $out && ! -f $out/$MARKER && -n $(ls -A -- "$out" 2>/dev/null) ]]; then
  die "$out exists, is not empty and was not made by tls-material.sh"
fi
mkdir -p -- "$(dirname -- "$out")"
work=$(mktemp -d "$(dirname -- "$out")/.tls-material.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
d=$work/out
mkdir -p "$d" "$work/ca/new" "$work/other-ca/new"

# A minimal `openssl ca` setup per CA: `openssl ca` (not `x509 -req`) because only it can set an
# arbitrary validity window (-startdate/-enddate), which the expired certificate needs.
for ca in ca other-ca; do
  : >"$work/$ca/index.txt"
  openssl rand -hex 16 >"$work/$ca/serial"
  cat >"$work/$ca/ca.cnf" <<EOF
[ca]
default_ca = this
[this]
dir = $work/$ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir/new
default_md = sha256
policy = policy
unique_subject = no
copy_extensions = none
email_in_dn = no
[policy]
organizationName = optional
commonName = supplied
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
done

genkey() {  # genkey FILE: RSA 2048, PKCS#8 unencrypted PEM
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

make_ca() {  # make_ca NAME CN
  log "CA $1"
  genkey "$d/$1.key"
  openssl req -new -config "$work/$1/ca.cnf" -key "$d/$1.key" -subj "/O=submitjob tests/CN=$2" \
    -out "$work/$1.csr"
  # Self-signed through `openssl ca` too, for the same backdated validity as the certificates.
  openssl ca -batch -notext -selfsign -config "$work/$1/ca.cnf" -keyfile "$d/$1.key" \
    -startdate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d "+$DAYS days" +%Y%m%d%H%M%SZ)" \
    -extensions v3_ca -in "$work/$1.csr" -out "$d/$1.pem" 2>"$work/$1.ca.log" \
    || { cat "$work/$1.ca.log" >&2; die "openssl ca failed for $1"; }
}

# issue CA NAME CN EKU SAN [STARTDATE ENDDATE]: NAME.key, NAME.pem signed by CA.
issue() {
  local ca=$1 name=$2 cn=$3 eku=$4 san=$5 validity
  log "certificate $name (by $ca)"
  genkey "$d/$name.key"
  openssl req -new -config "$work/$ca/ca.cnf" -key "$d/$name.key" -subj "/O=submitjob tests/CN=$cn" \
    -out "$work/$name.csr"
  {
    printf '[ext]\nbasicConstraints = critical, CA:FALSE\n'
    printf 'keyUsage = critical, digitalSignature, keyEncipherment\n'
    printf 'extendedKeyUsage = %s\n' "$eku"
    printf 'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n'
    [[ -z $san ]] || printf 'subjectAltName = %s\n' "$san"
  } >"$work/$name.ext"
  # Valid from yesterday, so a clock a little behind (another container) still accepts it.
  validity=(-startdate "${6:-$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)}"
            -enddate "${7:-$(date -u -d "+$DAYS days" +%Y%m%d%H%M%SZ)}")
  openssl ca -batch -notext -config "$work/$ca/ca.cnf" -cert "$d/$ca.pem" \
    -keyfile "$d/$ca.key" "${validity[@]}" -extfile "$work/$name.ext" -extensions ext \
    -in "$work/$name.csr" -out "$d/$name.pem" 2>"$work/$name.ca.log" \
    || { cat "$work/$name.ca.log" >&2; die "openssl ca failed for $name"; }
}

# stores NAME ALIAS: NAME.p12 (openssl; key + NAME.pem + ca.pem) and NAME.jks (keytool from it).
# OpenSSL 3's PKCS#12 defaults (AES-256-CBC, PBKDF2, HMAC-SHA256) load in Java 8u301+/11.0.12+/17.
stores() {
  local name=$1 alias=$2
  openssl pkcs12 -export -name "$alias" -inkey "$d/$name.key" -in "$d/$name.pem" \
    -certfile "$d/ca.pem" -passout "pass:$STORE_PASSWORD" -out "$d/$name.p12"
  "$KEYTOOL" "${KT_OPTS[@]}" -importkeystore -noprompt -srckeystore "$d/$name.p12" -srcstoretype PKCS12 \
    -srcstorepass "$STORE_PASSWORD" -destkeystore "$d/$name.jks" -deststoretype JKS \
    -deststorepass "$STORE_PASSWORD" -destkeypass "$STORE_PASSWORD" >&2 2>"$work/keytool.log" \
    || { cat "$work/keytool.log" >&2; die "keytool could not make $name.jks"; }
}

truststore() {  # truststore FILE TYPE CA_PEM: only a trustedCertEntry "ca", made by keytool
  "$KEYTOOL" "${KT_OPTS[@]}" -importcert -noprompt -alias ca -file "$3" -keystore "$1" -storetype "$2" \
    -storepass "$STORE_PASSWORD" >"$work/keytool.log" 2>&1 \
    || { cat "$work/keytool.log" >&2; die "keytool could not make $1"; }
}

make_ca ca "submitjob test CA"
make_ca other-ca "submitjob unrelated CA"
host_san="DNS:localhost, IP:127.0.0.1"
both="serverAuth, clientAuth"
issue ca server localhost "$both" "$host_san"
issue ca server-wronghost wrong.example "$both" "DNS:wrong.example"
issue ca server-expired localhost "$both" "$host_san" 20200101000000Z 20200102000000Z
issue ca client submitjob-test-client clientAuth ""
issue other-ca client-otherca submitjob-test-client clientAuth ""
log "keystores"
stores server server
stores server-wronghost server
stores server-expired server
stores client client
cat "$d/server.pem" "$d/ca.pem" >"$d/server-chain.pem"
cat "$d/client.pem" "$d/ca.pem" >"$d/client-chain.pem"
log "truststores"
truststore "$d/truststore.p12" PKCS12 "$d/ca.pem"
truststore "$d/truststore.jks" JKS "$d/ca.pem"
truststore "$d/other-truststore.p12" PKCS12 "$d/other-ca.pem"
printf 'STORE_PASSWORD=%s\n' "$STORE_PASSWORD" >"$d/passwords.env"
: >"$d/$MARKER"

# Sanity: the chains verify (and the expired one is expired).
openssl verify -CAfile "$d/ca.pem" "$d/server.pem" "$d/client.pem" "$d/server-wronghost.pem" >&2
if openssl verify -CAfile "$d/ca.pem" "$d/server-expired.pem" >/dev/null 2>&1; then
  die "server-expired.pem verifies"
fi
chmod 755 "$d"
rm -rf -- "$out"
mv -T -- "$d" "$out"
log "done: $out (passwords: $STORE_PASSWORD)"
printf '%s\n' "$out"
