"""Load measurement of the API (see bench/api_bench.py): bench settings, URLs and the bare endpoint."""
