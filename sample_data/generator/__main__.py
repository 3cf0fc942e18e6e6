"""``python -m sample_data.generator --write-demo`` rewrites ``sample_data/demo/``."""

from sample_data.generator import main

main()
