# Sourced by ./millrace and .ci/run: sets MILLRACE_JAVA_HOME to a JDK >= 21 (and
# MILLRACE_JAVA_MAJOR to its feature version) or returns 1.
# Order: $JAVA_HOME, the java on PATH, then every JDK under /usr/lib/jvm (newest first).

millrace_java_major() {
  # Prints the feature version of the java binary $1 (17, 21, 25, ...), or nothing. Reads the
  # JDK's release file when it has one (starting a JVM only to ask costs ~100 ms at every launch).
  local release major
  release="$(dirname "$(dirname "$1")")/release"
  if [ -r "$release" ]; then
    major=$(sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9][0-9]*\).*/\2/p' "$release" | head -n 1)
    if [ -n "$major" ]; then
      echo "$major"
      return
    fi
  fi
  "$1" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

millrace_is_jdk() {
  # A JDK, not a JRE: the launcher may need to build, so javac must be there.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ]
}

millrace_find_jdk() {
  local min=21 candidate major path_java
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if path_java=$(command -v java 2>/dev/null); then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$path_java")")")")
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidates+=("${candidate%/}")
  done
  for candidate in "${candidates[@]}"; do
    millrace_is_jdk "$candidate" || continue
    major=$(millrace_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$min" ]; then
      MILLRACE_JAVA_HOME="$candidate"
      MILLRACE_JAVA_MAJOR="$major"
      return 0
    fi
  done
  return 1
}
