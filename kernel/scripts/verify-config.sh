#!/bin/bash
# Check that every line of the fragments is honoured by a .config.
#   verify-config.sh .config FRAGMENT...
# Prints each symbol that did not survive and exits 1 if there was any.
set -euo pipefail
cfg=$1
shift
bad=0
for frag in "$@"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$cfg" && continue
			have=$(grep -E "^(# )?${line%%=*}[= ]" "$cfg" || echo "absent")
			echo "config: $(basename "$frag"): wanted $line, got: $have" >&2
			bad=1 ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			grep -q "^$sym=" "$cfg" || continue
			echo "config: $(basename "$frag"): wanted $sym off, got: $(grep "^$sym=" "$cfg")" >&2
			bad=1 ;;
		esac
	done < "$frag"
done
exit $bad
