# Shared by the corpus tests: locates ../shared/corpus or skips (exit 77) with a message.
ww_corpus_dir() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  local c="${WW_CORPUS:-$here/../shared/corpus}"
  if [ ! -d "$c" ]; then
    echo "SKIP: corpus not found at $c (set WW_CORPUS, or run where ../shared/corpus exists)"
    exit 77
  fi
  (cd "$c" && pwd)
}
ww_source_dir() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }
