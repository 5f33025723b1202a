# upsd.conf, NSS style: the certificate database made by nss-walkthrough.sh.
# CERTIDENT takes the nickname and the database password (single or double quotes).
LISTEN 0.0.0.0 3493
CERTPATH /etc/nut/cert_db
CERTIDENT "My nut server" "database password"
# 0/NO, 1/REQUEST, 2/REQUIRE: client certificates must chain to a CA trusted with T.
CERTREQUEST NO
DISABLE_WEAK_SSL true
# Observability (docs/METRICS.md): /metrics, /api/v1 and a status page over HTTPS with the
# identity above, scrapers authenticated by a client certificate from a CA trusted with T.
# HTTP_LISTEN 127.0.0.1 9493
# HTTP_TLS yes
# HTTP_CERTREQUEST REQUIRE
# HTTP_MAXCONN 16
