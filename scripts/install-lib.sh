# Shared by scripts/serve.sh and scripts/test.sh (sourced): create .venv and install the
# project into it only when needed. A stamp (.venv/.smpc-kb-installed) holds a hash of
# pyproject.toml, the interpreter and the extras; a start with the same stamp skips pip.
# Usage: ensure_installed SPEC   (SPEC: "." or ".[test]")

ensure_installed() {
    local spec="$1" stamp=.venv/.smpc-kb-installed want have=""
    if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "smpc-kb needs Python 3.11 or newer; $PY is $("$PY" --version 2>&1 || echo missing) (set PYTHON=...)" >&2
        exit 2
    fi
    if [ ! -x .venv/bin/python ]; then
        echo "creating .venv" >&2
        "$PY" -m venv .venv
    fi
    want="$(cat pyproject.toml | sha256sum | cut -c1-16) $(.venv/bin/python -c 'import sys; print(sys.version.split()[0])') $spec"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    # a stamp for ".[test]" also covers "."
    if [ "$have" = "$want" ] || { [ "$spec" = "." ] && [ "$have" = "${want% .} .[test]" ]; }; then
        if [ -x .venv/bin/kb ]; then
            return 0
        fi
    fi
    echo "installing smpc-kb into .venv (first start, or pyproject.toml changed)" >&2
    .venv/bin/python -m pip install --quiet -e "$spec"
    echo "$want" > "$stamp"
}
