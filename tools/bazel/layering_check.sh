#!/usr/bin/env bash
# Usage: layering_check.sh DEPS_FILE PACKAGE ALLOWED FORBIDDEN
# DEPS_FILE lists labels, one a line (genquery output). ALLOWED is a comma
# list of package prefixes of this repository that PACKAGE may depend on;
# FORBIDDEN a comma list of external repository prefixes it must not reach.
# Exits 1 and names every offending label.
set -u
deps_file=$1 package=$2 allowed=${3:-} forbidden=${4:-}
IFS=, read -r -a allowed_list <<<"$allowed"
IFS=, read -r -a forbidden_list <<<"$forbidden"
bad=0
while read -r label; do
  [[ -z "$label" ]] && continue
  if [[ "$label" == //* ]]; then
    pkg=${label%%:*}
    ok=0
    for a in "${allowed_list[@]}" "//$package"; do
      if [[ "$pkg" == "$a" || "$pkg" == "$a"/* ]]; then ok=1; fi
    done
    if [[ $ok == 0 ]]; then
      echo "layering violation: //$package depends on $label (allowed: $allowed)"
      bad=1
    fi
  elif [[ "$label" == @* ]]; then
    for f in "${forbidden_list[@]}"; do
      if [[ -n "$f" && ( "$label" == "$f"//* || "$label" == "$f" ) ]]; then
        echo "layering violation: //$package depends on $label (forbidden: $f)"
        bad=1
      fi
    done
  fi
done <"$deps_file"
if [[ $bad == 0 ]]; then
  echo "//$package: $(wc -l <"$deps_file") dependencies, all within its layer"
fi
exit $bad
