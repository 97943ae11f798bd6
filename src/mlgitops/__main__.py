"""Run the command line as ``python -m mlgitops``."""

from mlgitops.cli.main import main

raise SystemExit(main())
