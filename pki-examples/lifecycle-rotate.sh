#!/bin/sh
# Rotation: re-issue upsd's certificate before it expires (same key, then a new key), reload
# upsd (`upsd -c reload`: new connections get the new certificate, open sessions keep theirs),
# then revoke the old certificates. upsd.conf does not change: CERTIDENT names the nickname.
#
#   usage: lifecycle-rotate.sh NUT_CERTUTIL OUTDIR
set -eu
CERTUTIL=${1:?usage: $0 NUT_CERTUTIL OUTDIR}
OUT=${2:?usage: $0 NUT_CERTUTIL OUTDIR}
. "$(dirname "$0")/setup-outdir.sh"
(
    umask 077
    printf '%s\n' "ca password" > ca.pw
)

echo "== 1. the CA host: CA and upsd's identity; the clients trust the CA (PEM bundle)"
"$CERTUTIL" init ca -f ca.pw
"$CERTUTIL" -d ca -f ca.pw ca create -n "NUT CA" -s "CN=NUT Example CA,O=Example"
"$CERTUTIL" -d ca -f ca.pw issue -c "NUT CA" -n upsd -s "CN=localhost,O=Example" --san 127.0.0.1
"$CERTUTIL" -d ca export -n "NUT CA" -o ca.pem
cat > upsd.conf <<CONF
LISTEN 127.0.0.1 3493
CERTPATH "$OUT/ca"
CERTIDENT upsd "ca password"
CONF
cat > upsmon.conf <<CONF
MONITOR myups@localhost 1 upsmon secret secondary
SHUTDOWNCMD "/sbin/shutdown -h +0"
CERTPATH "$OUT/ca.pem"
CERTVERIFY 1
FORCESSL 1
CONF
chmod 0640 upsd.conf upsmon.conf

echo "== 2. re-issue, same key; then upsd -c reload"
"$CERTUTIL" -d ca -f ca.pw renew upsd
echo "== 3. re-issue, new key; then upsd -c reload"
"$CERTUTIL" -d ca -f ca.pw renew upsd --new-key
"$CERTUTIL" -d ca list

echo "== 4. revoke the certificates upsd no longer serves"
"$CERTUTIL" -d ca list | sed -n 's/^\(upsd (serial [0-9a-f]*)\).*/\1/p' > old-certificates
while read -r old; do
    "$CERTUTIL" -d ca -f ca.pw revoke "$old" --reason superseded
done < old-certificates
"$CERTUTIL" -d ca crl list
"$CERTUTIL" -d ca -f ca.pw verify upsd --usage server
