# Shortcuts; the scripts are the source of truth.
.PHONY: serve test bench demo-national

serve:
	scripts/serve-demo.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh

demo-national:
	cargo build --release --bin fangyu
	target/release/fangyu demo --national --store target/national.gpkg
