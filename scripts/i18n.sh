#!/usr/bin/env bash
# Translation catalogues: one per domain, in fablab/<domain>/translations (and
# fablab/translations for the shared pages). Flask-Babel merges them at run time.
#   scripts/i18n.sh update DOMAIN   extract DOMAIN's strings and update its French catalogue
#                                   (fablab/DOMAIN/i18n-sources may list extra paths)
#   scripts/i18n.sh compile         compile every catalogue (.po -> .mo)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
case "${1:-}" in
  update)
    domain=${2:?domain name, e.g. bookings, or "core" for the shared pages}
    if [ "$domain" = core ]; then
      src=(fablab/*.py fablab/templates/*.html fablab/api fablab/machines/labels.py)
      out=fablab/translations
    else
      src=(fablab/"$domain")
      [ -d fablab/templates/"$domain" ] && src+=(fablab/templates/"$domain")
      # A domain may list extra source paths, one per line, in fablab/<domain>/i18n-sources.
      if [ -f fablab/"$domain"/i18n-sources ]; then
        while read -r extra; do [ -n "$extra" ] && src+=("$extra"); done < fablab/"$domain"/i18n-sources
      fi
      out=fablab/"$domain"/translations
    fi
    pot=$(mktemp --suffix=.pot)
    "$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext -o "$pot" "${src[@]}"
    if [ -f "$out/fr/LC_MESSAGES/messages.po" ]; then
      "$PYBABEL" -q update -i "$pot" -d "$out" -l fr --no-fuzzy-matching
    else
      "$PYBABEL" -q init -i "$pot" -d "$out" -l fr
    fi
    rm -f "$pot"
    echo "now translate the empty msgstr in $out/fr/LC_MESSAGES/messages.po"
    ;;
  compile)
    for dir in $(find fablab -type d -name translations); do
      "$PYBABEL" -q compile -d "$dir" --statistics 2>&1 | grep -v '^$' || true
    done
    ;;
  *) echo "usage: $0 update DOMAIN | compile" >&2; exit 2 ;;
esac
