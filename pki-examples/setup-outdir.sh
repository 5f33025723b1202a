# Sourced by the walkthroughs (POSIX sh), with CERTUTIL and OUT set from their arguments:
# makes CERTUTIL callable from OUTDIR, enters OUTDIR (refusing one that is not empty) and sets
# OUT to its absolute path and the umask to 027.
# A relative path is made absolute (the script changes directory); a bare name is looked
# up in PATH, as an installed tool would be.
case "$CERTUTIL" in
    /*) ;;
    */*) CERTUTIL="$(pwd)/$CERTUTIL" ;;
    *) command -v "$CERTUTIL" >/dev/null 2>&1 || { echo "$0: $CERTUTIL not found in PATH" >&2; exit 1; } ;;
esac
# The configs name OUTDIR in double quotes: a directory name with a quote or a backslash
# could not be written there.
case "$OUT" in *'"'* | *'\'*) echo "$0: OUTDIR must not contain a double quote or a backslash" >&2; exit 1 ;; esac
# A second run over the same directory would meet the first run's databases: start clean.
if [ -d "$OUT" ] && [ -n "$(ls -A "$OUT")" ]; then
    echo "$0: $OUT is not empty: give a new or an empty directory" >&2
    exit 1
fi
mkdir -p "$OUT"
cd "$OUT"
OUT=$(pwd)
umask 027

# upsd and upsmon read their store and key files as user nut after dropping root, and
# `nut-certutil doctor` run as root checks that they can: give group nut read access to OUTDIR
# and the paths named (nothing to do when not root or without a user nut).
let_nut_read() {
    if [ "$(id -u)" = 0 ] && id nut >/dev/null 2>&1; then
        chgrp -R nut "$OUT" "$@"
        chmod g+x "$OUT"
        chmod -R g+rX "$@"
    fi
}
