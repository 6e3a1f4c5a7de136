# The commands a new user needs. Each installs whatever is missing first.
.PHONY: run test bench load load-ha watch build tools dist audit fuzz

run:            ## Build the release site and serve it at http://127.0.0.1:3000
	@scripts/run.sh $(ARGS)

test:           ## Every test: cargo test, the official clients, cargo audit, Playwright against the packaged site
	@scripts/test.sh

bench:          ## Print the benchmark table
	@bench/run.sh

load:           ## 100 signed-in users for 60 s on a page/change mix; checks nothing was lost
	@bench/load.sh

load-ha:        ## The same load on two instances sharing one PostgreSQL behind nginx
	@LOAD_INSTANCES=2 bench/load.sh

watch:          ## Development: rebuild and reload on change
	@bash -c 'source scripts/lib.sh && ensure_build_tools && leptos_build watch --split -p voxdesk'

fuzz:           ## Fuzz the sandbox's request reading, the response decoding and audit verify (nightly; FUZZ_SECONDS each)
	@scripts/fuzz.sh

audit:          ## Check Cargo.lock against the RustSec advisory database (offline)
	@scripts/audit.sh

dist:           ## Pack the release for a server: target/dist/voxdesk-VERSION-linux-ARCH.tar.gz
	@scripts/dist.sh

build:          ## Build the release site only (nothing when it is up to date)
	@bash -c 'source scripts/lib.sh && ensure_build_tools && build_release_site'

tools:          ## Install the build and test tools only
	@bash -c 'source scripts/lib.sh && ensure_build_tools && ensure_chromium'
