# ipt2nft build, test and benchmark entry points.
GO ?= go
BIN ?= bin/ipt2nft
PREFIX ?= /usr/local

.PHONY: build test install bench bench-go lint fuzz pgo

# A static binary (no cgo): the shim is started once per iptables call
# (Docker and fail2ban make hundreds), and a dynamically linked one
# spends 0.8 ms of its 4 ms loading libc and setting up cgo. What cgo
# would add: user names resolved through NSS (LDAP) in the shim's -L of
# owner matches; /etc/passwd is read instead.
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/ipt2nft

# All tests. Kernel tests need root and create (and delete) their own
# network namespaces; they skip with a message otherwise.
# The parser's arenas and parallel parse run again under the race
# detector, whose checkptr also refuses unsafe pointers outside their
# object (it found populate's page-rounded pointer). -race needs cgo,
# which Go turns off where there is no C compiler (.ci/run installs gcc).
test:
	$(GO) test -count=1 ./...
	@if [ "$$($(GO) env CGO_ENABLED)" = 1 ]; then \
		echo "$(GO) test -count=1 -race -run 'Reuse|Arena|Slab' ./iptparse"; \
		$(GO) test -count=1 -race -run 'Reuse|Arena|Slab' ./iptparse; \
	else echo "make test: no C compiler, so no -race run of the arena tests (install gcc)"; fi

lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	# 32-bit routers (arm) and the pure-Go paths of amd64's assembly (arm64)
	GOARCH=arm $(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...
	bash -n scripts/bench.sh scripts/identity-gate.sh scripts/pgo.sh
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/ipt2nft
	for n in iptables-translate ip6tables-translate iptables-restore-translate ip6tables-restore-translate; do \
		ln -sf ipt2nft $(DESTDIR)$(PREFIX)/bin/$$n; done

# Benchmarks against the reference tools, measured in the same run (root:
# namespaces; see docs/benchmarks.md). Not part of CI.
bench:
	bash scripts/bench.sh

# Refresh cmd/ipt2nft/default.pgo, the profile go build optimizes the
# binary with (profile-guided optimization; see scripts/pgo.sh).
pgo:
	bash scripts/pgo.sh

# The Go benchmarks of each stage (bench/), with allocations.
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./bench

# Each fuzz target for FUZZTIME (development; CI runs the seed corpus).
# Minimizing a new input is capped: some targets' inputs are whole dumps,
# and each try runs the translator several times.
FUZZTIME ?= 5m
FUZZ = -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 10s -fuzz
fuzz:
	$(GO) test ./iptparse $(FUZZ) FuzzParseCommand
	$(GO) test ./iptparse $(FUZZ) FuzzParseFile
	$(GO) test ./iptparse $(FUZZ) FuzzStreamedFile
	$(GO) test ./iptparse $(FUZZ) FuzzSplitFast
	$(GO) test ./iptparse $(FUZZ) FuzzHintCount
	$(GO) test ./iptparse $(FUZZ) FuzzShellWords
	$(GO) test ./script $(FUZZ) FuzzDetectPrefilters
	$(GO) test ./translate $(FUZZ) FuzzOptimizerDifferential
	$(GO) test ./translate $(FUZZ) FuzzRunsSameResult
	$(GO) test ./emit $(FUZZ) FuzzJSONString
	$(GO) test ./emit $(FUZZ) FuzzReadPlan
