#!/bin/sh
# Entry point of the OneMcp image: secrets given as files (docker/compose secrets under /run/secrets) become the
# environment variables the gateway reads. For each NAME below, NAME_FILE names a file whose content is NAME's value;
# a value set directly wins. Nothing is printed, so no secret reaches a log.
set -eu
for name in ONEMCP_DATA_PROTECTION_KEY ONEMCP_ADMIN_PASSWORD ONEMCP_METRICS_TOKEN ONEMCP_DATABASE; do
  eval "file=\${${name}_FILE:-}"
  eval "value=\${${name}:-}"
  if [ -n "$file" ] && [ -z "$value" ]; then
    if [ ! -r "$file" ]; then
      echo "onemcp: ${name}_FILE names $file, which cannot be read" >&2
      exit 2
    fi
    value="$(cat "$file")"
    export "$name=$value"
  fi
  unset "${name}_FILE"
done
exec dotnet /app/onemcp.dll "$@"
