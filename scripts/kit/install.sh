#!/usr/bin/env bash
# Install the lutbook classroom kit with no internet (made by `make offline-kit`, @BUILT@).
#
#   bash install.sh [--venv FOLDER] [--python PYTHON]
#
# Creates a virtual environment (default: venv/ in this folder) with Python @PYTHON_VERSION@, installs
# lutlib and JupyterLab from wheelhouse/ with the package index switched off, checks the data in
# data/ and points lutlib at it, and says how to start JupyterLab. Running it again is safe: it
# reuses the environment. Windows: see README.md.
set -euo pipefail

KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON_VERSION="@PYTHON_VERSION@"   # the wheels are for this CPython ...
PLATFORM="@PLATFORM@"               # ... on this platform
VENV="$KIT/venv"
PYTHON=""
MARK="# lutbook-offline-kit"

die() { echo "install.sh: error: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --venv) [ $# -ge 2 ] || die "--venv needs a folder"; VENV="$2"; shift 2 ;;
        --python) [ $# -ge 2 ] || die "--python needs a Python command or path"; PYTHON="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case "$VENV" in /*) ;; *) VENV="$(pwd)/$VENV" ;; esac

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }

# A Python of the version the wheels were built for.
if [ -n "$PYTHON" ]; then
    command -v "$PYTHON" > /dev/null || die "$PYTHON not found."
    found="$(version_of "$PYTHON")"
    [ "$found" = "$PYTHON_VERSION" ] || die "$PYTHON is Python ${found:-?}; this kit's wheels are for Python $PYTHON_VERSION ($PLATFORM)."
else
    for candidate in "python$PYTHON_VERSION" python3 python; do
        if command -v "$candidate" > /dev/null && [ "$(version_of "$candidate")" = "$PYTHON_VERSION" ]; then
            PYTHON="$candidate"
            break
        fi
    done
    [ -n "$PYTHON" ] || die "no Python $PYTHON_VERSION found (tried python$PYTHON_VERSION, python3, python).
This kit's wheels are for CPython $PYTHON_VERSION on $PLATFORM: install that Python and pass
--python /path/to/python$PYTHON_VERSION, or ask for a kit built for your Python (README.md)."
fi
here="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_platform())')"
[ "$here" = "$PLATFORM" ] || echo "install.sh: warning: this machine is $here, the kit was built for $PLATFORM; pip will say if a wheel does not fit." >&2

# The environment: never written into a folder that is not one.
if [ -e "$VENV" ] && [ ! -f "$VENV/pyvenv.cfg" ]; then
    die "$VENV exists and is not a virtual environment: nothing was changed. Move it away or pass --venv NEW_FOLDER."
fi
if [ ! -f "$VENV/pyvenv.cfg" ]; then
    echo "creating the virtual environment $VENV (Python $PYTHON_VERSION)"
    "$PYTHON" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
found="$(version_of "$VPY")"
[ "$found" = "$PYTHON_VERSION" ] || die "$VENV is a Python ${found:-?} environment; this kit needs $PYTHON_VERSION. Pass --venv NEW_FOLDER."

# From the kit only: no package index, and no pip configuration files (their find-links,
# indexes or constraints could send pip elsewhere).
echo "installing lutlib[@EXTRA@] from $KIT/wheelhouse (@N_WHEELS@ wheels; no internet needed)"
env -u PIP_FIND_LINKS -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$VPY" -m pip install --quiet --no-index --find-links "$KIT/wheelhouse" \
    -c "$KIT/constraints.txt" "lutlib[@EXTRA@]==@LUTLIB_VERSION@"

# The data: every file checked against the official SHA-256, then lutlib pointed at it.
echo "checking the data in $KIT/data"
LUTLIB_DATA="$KIT/data" "$VENV/bin/lutlib" data info || die "the data in $KIT/data failed its check: copy the kit again."
activate="$VENV/bin/activate"
grep -vF "$MARK" "$activate" > "$activate.new" || true
printf 'export LUTLIB_DATA=%q  %s\n' "$KIT/data" "$MARK" >> "$activate.new"
cat "$activate.new" > "$activate" && rm -f "$activate.new"
launcher="$VENV/bin/lutbook-lab"
{
    echo "#!/usr/bin/env bash"
    echo "$MARK: JupyterLab on the kit's notebooks, lutlib reading the kit's data (install.sh wrote this)"
    printf 'export LUTLIB_DATA=%q\n' "$KIT/data"
    printf 'exec %q lab --notebook-dir=%q "$@"\n' "$VENV/bin/jupyter" "$KIT/notebooks"
} > "$launcher"
chmod +x "$launcher"

cat <<DONE

Installed. Start JupyterLab on the chapters with
    $launcher
or, in a shell:
    source $activate      # sets LUTLIB_DATA to the kit's data
    jupyter lab --notebook-dir $KIT/notebooks
The book (no Python needed): open $KIT/book/index.html in a browser.
DONE
