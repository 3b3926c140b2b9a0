import sys

from convener.cli import main

sys.exit(main())
