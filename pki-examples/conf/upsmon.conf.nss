# upsmon.conf, NSS style: the client database holds the CA trusted with "TC,,".
MONITOR myups@ups.example.com 1 upsmon secret primary
SHUTDOWNCMD "/sbin/shutdown -h +0"
CERTPATH /etc/nut/cert_db_client
# host:port, the name the server certificate must carry (SAN, CN, or subject), certverify, forcessl
CERTHOST "ups.example.com:3493" "My nut server" 1 1
CERTVERIFY 1
FORCESSL 1
