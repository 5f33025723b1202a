#!/bin/sh
# The OpenSSL-style setup of NUT's security guide, made with nut-certutil's plain subcommands:
# upsd gets a CERTFILE (certificate chain, then private key, one PEM), the clients get a
# CERTPATH directory of CA certificates named by OpenSSL subject hash (<hash>.0), as C NUT
# clients built with OpenSSL expect. A client certificate is made too, for CERTREQUEST.
#
#   usage: openssl-style.sh NUT_CERTUTIL OUTDIR
set -eu
CERTUTIL=${1:?usage: $0 NUT_CERTUTIL OUTDIR}
OUT=${2:?usage: $0 NUT_CERTUTIL OUTDIR}
# Checks the arguments, enters OUTDIR (new or empty) and sets the umask.
. "$(dirname "$0")/setup-outdir.sh"
(
    umask 077
    printf '%s\n' "pki password" > pki.pw
)

echo "== 1. a CA database and a CA"
"$CERTUTIL" init pki -f pki.pw
"$CERTUTIL" -d pki -f pki.pw ca create -n "NUT CA" -s "CN=NUT Example CA,O=Example,C=US"

echo "== 2. upsd's certificate and its CERTFILE (chain then key, mode 0640)"
"$CERTUTIL" -d pki -f pki.pw issue --ca "NUT CA" -n upsd -s "CN=localhost,O=Example" --role server --san ip:127.0.0.1 --san ip:::1
"$CERTUTIL" -d pki -f pki.pw export -n upsd --format certfile -o upsd.pem

echo "== 3. the clients' CA directory (<hash>.0)"
"$CERTUTIL" -d pki export --ca-dir certs
if command -v openssl >/dev/null 2>&1; then
    for f in certs/*.0; do
        h=$(openssl x509 -hash -noout -in "$f")
        [ "certs/$h.0" = "$f" ] || { echo "hash mismatch: $f vs $h" >&2; exit 1; }
    done
    echo "hash names agree with openssl x509 -hash"
fi

echo "== 4. a client certificate for upsmon (for CERTREQUEST)"
"$CERTUTIL" -d pki -f pki.pw issue --ca "NUT CA" -n upsmon -s "CN=upsmon,O=Example" --role client
"$CERTUTIL" -d pki -f pki.pw export -n upsmon --format certfile -o upsmon.pem
"$CERTUTIL" -d pki list

echo "== 5. configuration"
cat > upsd.conf <<CONF
LISTEN 127.0.0.1 3493
CERTFILE "$OUT/upsd.pem"
CERTPATH "$OUT/certs"
CERTREQUEST REQUIRE
CONF
cat > upsmon.conf <<CONF
MONITOR myups@localhost 1 upsmon secret primary
SHUTDOWNCMD "/sbin/shutdown -h +0"
CERTPATH "$OUT/certs"
CERTFILE "$OUT/upsmon.pem"
CERTVERIFY 1
FORCESSL 1
CONF
chmod 0640 upsd.conf upsmon.conf
let_nut_read pki
"$CERTUTIL" doctor -d pki -f pki.pw
