"""``python -m mem0g``: the same command line as the ``mem0g`` console script."""

from mem0g.tools.cli import main

if __name__ == "__main__":
    main()
