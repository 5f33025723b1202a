#!/bin/sh
# Enrollment: the CA host issues an identity for a new upsd host and for a new upsmon host and
# writes, per host, one directory holding its own certificate database (key, certificate, CA),
# the config lines to paste and the database password (0600). Copy each directory as is to the
# path it names (--install-dir; here it stays where it is made).
#
#   usage: lifecycle-enroll.sh NUT_CERTUTIL OUTDIR
set -eu
CERTUTIL=${1:?usage: $0 NUT_CERTUTIL OUTDIR}
OUT=${2:?usage: $0 NUT_CERTUTIL OUTDIR}
. "$(dirname "$0")/setup-outdir.sh"
(
    umask 077
    printf '%s\n' "ca password" > ca.pw
)

echo "== 1. the CA host's database and its CA"
"$CERTUTIL" init ca -f ca.pw
"$CERTUTIL" -d ca -f ca.pw ca create -n "NUT CA" -s "CN=NUT Example CA,O=Example"

echo "== 2. a new upsd host (server certificate for localhost and 127.0.0.1)"
"$CERTUTIL" -d ca -f ca.pw enroll upsd -c "NUT CA" --name localhost --san 127.0.0.1 --out upsd-host

echo "== 3. a new upsmon host (client certificate), pinned to that server"
"$CERTUTIL" -d ca -f ca.pw enroll upsmon -c "NUT CA" --name upsmon.example --out upsmon-host \
    --server localhost:3493 --server-name localhost
ls -l upsd-host upsmon-host
"$CERTUTIL" -d ca list

echo "== 4. configuration: the lines each host got, pasted"
{
    echo "LISTEN 127.0.0.1 3493"
    cat upsd-host/upsd.conf.tls
} > upsd.conf
{
    echo "MONITOR myups@localhost 1 upsmon secret secondary"
    echo 'SHUTDOWNCMD "/sbin/shutdown -h +0"'
    cat upsmon-host/upsmon.conf.tls
} > upsmon.conf
# They hold the databases' passwords (CERTIDENT).
chmod 0640 upsd.conf upsmon.conf
cat upsmon.conf
