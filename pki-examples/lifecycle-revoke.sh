#!/bin/sh
# Revocation: the CA host revokes the certificate of an upsmon host (its key was compromised),
# publishes the CA's new CRL, and hands it to the other hosts; upsd picks it up at
# `upsd -c reload` and refuses that certificate from then on (sessions already open go on).
#
#   usage: lifecycle-revoke.sh NUT_CERTUTIL OUTDIR
set -eu
CERTUTIL=${1:?usage: $0 NUT_CERTUTIL OUTDIR}
OUT=${2:?usage: $0 NUT_CERTUTIL OUTDIR}
. "$(dirname "$0")/setup-outdir.sh"
(
    umask 077
    printf '%s\n' "ca password" > ca.pw
)

echo "== 1. the CA host: CA, upsd's identity (upsd serves from this database)"
"$CERTUTIL" init ca -f ca.pw
"$CERTUTIL" -d ca -f ca.pw ca create -n "NUT CA" -s "CN=NUT Example CA,O=Example"
"$CERTUTIL" -d ca -f ca.pw issue -c "NUT CA" -n upsd -s "CN=localhost,O=Example" --san 127.0.0.1
"$CERTUTIL" -d ca -f ca.pw enroll upsmon -c "NUT CA" --name upsmon.example --out upsmon-host

echo "== 2. revoke the upsmon host's certificate"
"$CERTUTIL" -d ca -f ca.pw revoke upsmon.example --reason keyCompromise
"$CERTUTIL" -d ca crl list
if "$CERTUTIL" -d ca -f ca.pw verify upsmon.example --usage client; then
    echo "a revoked certificate verified" >&2
    exit 1
fi

echo "== 3. the CRL for the other hosts (PEM; openssl crl -text reads it too)"
"$CERTUTIL" -d ca crl export -n "NUT CA" -o nut-ca.crl
"$CERTUTIL" -d upsmon-host/certdb -f upsmon-host/password crl import -i nut-ca.crl
# Before its next update (30 days by default), re-sign it: `crl update -n "NUT CA"`.
# Past it, the CRL is used with a warning; `policy set crl-stale refuse` refuses instead.

echo "== 4. configuration (upsd reads the CRL at start and at upsd -c reload)"
cat > upsd.conf <<CONF
LISTEN 127.0.0.1 3493
CERTPATH "$OUT/ca"
CERTIDENT upsd "ca password"
CERTREQUEST REQUIRE
CONF
{
    echo "MONITOR myups@localhost 1 upsmon secret secondary"
    echo 'SHUTDOWNCMD "/sbin/shutdown -h +0"'
    cat upsmon-host/upsmon.conf.tls
} > upsmon.conf
chmod 0640 upsd.conf upsmon.conf
