# The benchmark (bench/README in the main README, "Benchmark"). Not part of CI: it takes long.
.PHONY: bench bench-quick

bench:        ## 10,000 patients, 1,000,000 walks; adds a run to bench/RESULTS.md
	bench/run

bench-quick:  ## a small clinic and 5-second loads, to try the benchmark itself
	bench/run --quick
