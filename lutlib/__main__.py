"""``python -m lutlib``: the same command line as ``lutlib`` (see lutlib.cli)."""
import sys

if __name__ == "__main__":
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while still importing
        print("lutlib: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(main())
