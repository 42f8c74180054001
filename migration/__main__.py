"""`python -m migration` is the same entry point as `dcc`."""

from migration.cli import main

if __name__ == "__main__":
    main()
