#!/bin/sh
# The NSS walkthrough of NUT's security guide (docs/security.txt), with nut-certutil in place
# of NSS certutil: the command lines are the guide's, verbatim (plus -f PWFILE so that it runs
# unattended, and -z NOISE which NSS needs and nut-certutil accepts).
#
#   usage: nss-walkthrough.sh NUT_CERTUTIL OUTDIR
#
# Result in OUTDIR: CA_db (the CA), cert_db (upsd's database: CA trusted "TC,,", the server
# certificate "My nut server" with its key), cert_db_client (upsmon's: the CA, and its own
# certificate "My nut client" with its key), rootca.crt, server.req, server.crt, client.req,
# client.crt, and upsd.conf (CERTREQUEST REQUIRE) / upsmon.conf (CERTIDENT) using them.
set -eu
CERTUTIL=${1:?usage: $0 NUT_CERTUTIL OUTDIR}
OUT=${2:?usage: $0 NUT_CERTUTIL OUTDIR}
# Checks the arguments, enters OUTDIR (new or empty) and sets the umask.
. "$(dirname "$0")/setup-outdir.sh"

# Passwords (demo values; the files are 0600: ca.pw unlocks the CA's key).
(
    umask 077
    printf '%s\n' "ca database password" > ca.pw
    printf '%s\n' "database password" > server.pw
    printf '%s\n' "client db password" > client.pw
)
head -c 2048 /dev/urandom > noise

echo "== 1. the CA database and a self-signed root CA"
mkdir -p CA_db
"$CERTUTIL" -N -d CA_db -f ca.pw
# -2 asks "Is this a CA certificate [y/N]?" (y), the path length (none), critical? (y).
printf 'y\n\ny\n' | "$CERTUTIL" -S -d CA_db -n "My Root CA" -s "CN=My CA,O=MyCompany,ST=MyState,C=US" -t "CT,," -x -2 -f ca.pw -z noise -v 120
"$CERTUTIL" -L -d CA_db -n "My Root CA" -a -o rootca.crt

echo "== 2. upsd's database: the CA, then a key and a certificate request"
mkdir -p cert_db
"$CERTUTIL" -N -d cert_db -f server.pw
"$CERTUTIL" -A -d cert_db -n "My Root CA" -t "TC,," -a -i rootca.crt -f server.pw
"$CERTUTIL" -R -d cert_db -s "CN=My nut server,O=MyCompany,ST=MyState,C=US" -a -o server.req -f server.pw -z noise

echo "== 3. the CA signs the request"
# -6 questions come first: 0 (Server Auth), 9 (finish), critical? n; then -2: not a CA.
printf '0\n9\nn\nn\n\nn\n' | "$CERTUTIL" -C -d CA_db -c "My Root CA" -a -i server.req -o server.crt -2 -6 -f ca.pw -v 12

echo "== 4. the signed certificate goes back into upsd's database"
"$CERTUTIL" -A -d cert_db -n "My nut server" -a -i server.crt -t ",," -f server.pw
"$CERTUTIL" -L -d cert_db

echo "== 5. upsmon's database: the CA only"
mkdir -p cert_db_client
"$CERTUTIL" -N -d cert_db_client -f client.pw
"$CERTUTIL" -A -d cert_db_client -n "My Root CA" -t "TC,," -a -i rootca.crt -f client.pw
"$CERTUTIL" -L -d cert_db_client

echo "== 5b. upsmon's own certificate (for CERTREQUEST): request, signed by the CA, imported"
"$CERTUTIL" -R -d cert_db_client -s "CN=My nut client,O=MyCompany,ST=MyState,C=US" -a -o client.req -f client.pw -z noise
# -6: 1 (Client Auth), 9 (finish), critical? n; then -2: not a CA.
printf '1\n9\nn\nn\n\nn\n' | "$CERTUTIL" -C -d CA_db -c "My Root CA" -a -i client.req -o client.crt -2 -6 -f ca.pw -v 12
"$CERTUTIL" -A -d cert_db_client -n "My nut client" -a -i client.crt -t ",," -f client.pw
"$CERTUTIL" -L -d cert_db_client

echo "== 6. configuration"
cat > upsd.conf <<CONF
LISTEN 127.0.0.1 3493
CERTPATH "$OUT/cert_db"
CERTIDENT "My nut server" "database password"
# Clients must show a certificate from a CA trusted with T (the CA is "TC,," in cert_db).
CERTREQUEST REQUIRE
CONF
cat > upsmon.conf <<CONF
MONITOR myups@localhost 1 upsmon secret primary
SHUTDOWNCMD "/sbin/shutdown -h +0"
CERTPATH "$OUT/cert_db_client"
CERTIDENT "My nut client" "client db password"
CERTHOST "localhost:3493" "My nut server" 1 1
CERTVERIFY 1
FORCESSL 1
CONF
chmod 0640 upsd.conf upsmon.conf

echo "== 7. check"
"$CERTUTIL" -V -d cert_db -n "My nut server" -u V
let_nut_read cert_db cert_db_client
"$CERTUTIL" doctor -d cert_db -f server.pw --upsd-conf upsd.conf
