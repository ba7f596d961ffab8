"""``python -m bench.engine_v2``: see :mod:`bench.engine_v2`."""

from bench.engine_v2.main import main

if __name__ == "__main__":
    raise SystemExit(main())
