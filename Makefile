# modq - Makefile. `make` builds build/modq; `make run` and `make test` first
# install what is missing (tools/bootstrap.sh).
.DELETE_ON_ERROR:
.PHONY: all run test unit cases integration bootstrap clean eval bench decode-bench fuzz fuzz-build format model

CC      ?= cc
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wwrite-strings -Wvla -fno-common -Werror
CFLAGS  += -std=c11 -D_GNU_SOURCE -Iinclude $(OPT) $(WARN) -MMD -MP -pthread
LDLIBS  := -lmicrohttpd -ljansson -lhiredis -lutf8proc -lstemmer -lcrypto -lcurl -lpthread -lm
# The service binary allocates with jemalloc (as Redis does): glibc malloc
# was ~15 % of modq's CPU under load (docs/performance.md). Sanitizer builds
# and tests keep the libc allocator, which ASan replaces with its own.
MALLOC_LIBS := -ljemalloc

# Sanitizer build used by the tests lives in its own tree.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Sources live in one folder per layer (service/<layer>/); include/ holds
# the interfaces between layers, private headers sit beside their sources.
# Tests, fuzzers, benchmarks and tools reach the private headers of the
# layers they exercise through PRIV_INC.
SRC      := $(wildcard service/*.c service/*/*.c)
LIB_SRC  := $(filter-out service/main.c,$(SRC))
OBJ      := $(SRC:service/%.c=build/obj/%.o)
SAN_OBJ  := $(SRC:service/%.c=build/san/%.o)
SAN_LIB  := $(LIB_SRC:service/%.c=build/san/%.o)
PRIV_INC := -Iservice/engine -Iservice/codec -Iservice/store -Iservice/comment -Iservice/api
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/san/tests/%)

# The review page (web/review/) is embedded in the binary: tools/embed.sh
# writes build/gen/page_assets.c at build time (nothing generated is kept in
# git, so it cannot drift from the sources); service/api/api_page.c serves it.
PAGE_FILES := $(sort $(wildcard $(addprefix web/review/*.,html css js svg png)))
PAGE_GEN   := build/gen/page_assets.c
OBJ        += build/obj/page_assets.o
SAN_OBJ    += build/san/page_assets.o
SAN_LIB    += build/san/page_assets.o

# The OpenAPI document (docs/openapi.json) is embedded the same way, as
# build/gen/openapi_doc.c: GET /openapi.json serves exactly the file in
# docs/ (service/api/api_openapi.c).
OPENAPI_FILE := docs/openapi.json
OPENAPI_GEN  := build/gen/openapi_doc.c
OBJ          += build/obj/openapi_doc.o
SAN_OBJ      += build/san/openapi_doc.o
SAN_LIB      += build/san/openapi_doc.o

# The learned models (service/engine/models/*.txt, written by `make model`)
# are embedded the same way: tools/embed_models.sh writes
# build/gen/ngram_models.c, which the engine parses at start (ngram.h).
MODEL_FILES := $(sort $(wildcard service/engine/models/*.txt))
MODEL_GEN   := build/gen/ngram_models.c
OBJ         += build/obj/ngram_models.o
SAN_OBJ     += build/san/ngram_models.o
SAN_LIB     += build/san/ngram_models.o

all: build/modq

build/modq: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(MALLOC_LIBS)

build/obj/%.o: service/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

build/san/%.o: service/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

build/san/modq: $(SAN_OBJ)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

build/san/tests/%: tests/unit/%.c $(SAN_LIB) | build/san/tests
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(PRIV_INC) -Itests/unit -o $@ $< $(SAN_LIB) $(LDLIBS)

build/san/case_runner: tests/case_runner.c $(SAN_LIB) | build/san
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(PRIV_INC) -o $@ $< $(SAN_LIB) $(LDLIBS)

$(PAGE_GEN): $(PAGE_FILES) tools/embed.sh
	@mkdir -p $(@D)
	sh tools/embed.sh $@ $(PAGE_FILES)

build/obj/page_assets.o: $(PAGE_GEN) | build/obj
	$(CC) $(CFLAGS) -c -o $@ $<

build/san/page_assets.o: $(PAGE_GEN) | build/san
	$(CC) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(OPENAPI_GEN): $(OPENAPI_FILE) tools/embed.sh
	@mkdir -p $(@D)
	sh tools/embed.sh -t openapi_assets $@ $(OPENAPI_FILE)

build/obj/openapi_doc.o: $(OPENAPI_GEN) | build/obj
	$(CC) $(CFLAGS) -c -o $@ $<

build/san/openapi_doc.o: $(OPENAPI_GEN) | build/san
	$(CC) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(MODEL_GEN): $(MODEL_FILES) tools/embed_models.sh
	@mkdir -p $(@D)
	sh tools/embed_models.sh $@ $(MODEL_FILES)

build/obj/ngram_models.o: $(MODEL_GEN) | build/obj
	$(CC) $(CFLAGS) -Iservice/engine -c -o $@ $<

build/san/ngram_models.o: $(MODEL_GEN) | build/san
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Iservice/engine -c -o $@ $<

# tools/train_model.c: trains the learned models with liblinear (Debian's
# liblinear-dev) on the data sets tools/model_data.py reads from DATA, and
# writes service/engine/models/<name>.txt. Deterministic: the same data give
# the same files, byte for byte (MODEL_DATE is the date written in them).
MODEL_DATE ?= 2026-12-03
TRAIN_SRC := tools/train_model.c service/engine/ngram.c service/engine/normalize.c
build/train_model: $(TRAIN_SRC) service/engine/ngram.h tools/rows_tsv.h | build/obj
	$(CC) $(CFLAGS) -Iservice/engine -o $@ $(TRAIN_SRC) -llinear -lutf8proc -lm

model: build/train_model
	@sh tools/bootstrap.sh run
	@python3 tools/model_data.py --data $(or $(DATA),../shared/data) --model ngram_spam > build/ngram_spam.tsv
	@python3 tools/model_data.py --data $(or $(DATA),../shared/data) --model toxicity > build/toxicity.tsv
	build/train_model --name ngram_spam --date $(MODEL_DATE) --out service/engine/models/ngram_spam.txt < build/ngram_spam.tsv
	build/train_model --name toxicity --date $(MODEL_DATE) --out service/engine/models/toxicity.txt < build/toxicity.tsv

build/obj build/san build/san/tests build/bench:
	mkdir -p $@

# tools/eval_engine.c: the engine alone over rows (tools/eval_oof.py, make
# eval), linked with a copy of det_toxicity.c built with MODQ_EVAL_HOOKS so
# a row may carry the probability the toxicity model's is replaced by. The
# service's objects and binary never carry the hook.
EVAL_OBJ := $(filter-out build/obj/main.o build/obj/engine/det_toxicity.o,$(OBJ))
build/eval/det_toxicity.o: service/engine/det_toxicity.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iservice/engine -DMODQ_EVAL_HOOKS -c -o $@ $<

build/eval_engine: tools/eval_engine.c build/eval/det_toxicity.o $(EVAL_OBJ)
	$(CC) $(CFLAGS) -o $@ $< build/eval/det_toxicity.o $(EVAL_OBJ) $(LDLIBS) $(MALLOC_LIBS)

bootstrap:
	@sh tools/bootstrap.sh test

run:
	@sh tools/bootstrap.sh run
	@$(MAKE) --no-print-directory build/modq
	@sh tools/run.sh

# Everything: sanitizer build, unit tests, analysis cases, integration tests.
# The last line printed is "N passed, N failed".
test: bootstrap
	@$(MAKE) --no-print-directory build/modq build/san/modq $(UNIT_BIN) build/san/case_runner
	@sh tests/run_all.sh

eval:
	@sh tools/bootstrap.sh run
	@$(MAKE) --no-print-directory build/modq build/train_model build/eval_engine
	@python3 tools/eval.py --data $(or $(DATA),../shared/data) --modq build/modq
	@python3 tools/eval_learned.py --data $(or $(DATA),../shared/data)
	@python3 tools/eval_combination.py --data $(or $(DATA),../shared/data) --modq build/modq

bench: bootstrap
	@sh bench/run.sh

# bench/decode_bench.c: the comment request decoder against the jansson-only
# one it replaced, in us per decode (`make decode-bench` builds and runs it;
# `make test` does neither). Optimised objects and the service's allocator.
build/bench/decode_bench: bench/decode_bench.c $(filter-out build/obj/main.o,$(OBJ)) | build/bench
	$(CC) $(CFLAGS) $(PRIV_INC) -o $@ $< $(filter-out build/obj/main.o,$(OBJ)) $(LDLIBS) $(MALLOC_LIBS)

decode-bench: build/bench/decode_bench
	@build/bench/decode_bench

# libFuzzer targets fuzz/fuzz_*.c (clang): `make fuzz` runs each one for
# FUZZ_SECONDS over its committed corpus fuzz/corpus/<target>/ (fuzz/run.sh).
# Objects get their own tree: clang, fuzzer coverage, no -Werror (clang's
# warnings differ from gcc's; the gcc build is the -Werror gate).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -Iinclude -O1 -g -pthread -MMD -MP \
                -fsanitize=fuzzer-no-link,address,undefined \
                -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_BIN     := $(patsubst fuzz/%.c,build/fuzz/%,$(wildcard fuzz/fuzz_*.c))
FUZZ_LIB     := $(LIB_SRC:service/%.c=build/fuzz/obj/%.o) build/fuzz/obj/page_assets.o \
                build/fuzz/obj/ngram_models.o build/fuzz/obj/openapi_doc.o

build/fuzz/obj/%.o: service/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

build/fuzz/obj/page_assets.o: $(PAGE_GEN) | build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

build/fuzz/obj/openapi_doc.o: $(OPENAPI_GEN) | build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

build/fuzz/obj/ngram_models.o: $(MODEL_GEN) | build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iservice/engine -c -o $@ $<

build/fuzz/%: fuzz/%.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(PRIV_INC) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(LDLIBS)

build/fuzz/obj:
	mkdir -p $@

.SECONDARY: $(FUZZ_LIB)
fuzz-build: $(FUZZ_BIN)

fuzz: bootstrap
	@$(MAKE) --no-print-directory fuzz-build
	@sh fuzz/run.sh $(FUZZ_SECONDS)

format:
	clang-format -i service/*.c service/*/*.[ch] include/*.h tests/unit/*.c

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(SAN_OBJ:.o=.d) $(FUZZ_LIB:.o=.d) $(FUZZ_BIN:=.d) build/bench/decode_bench.d build/train_model.d build/eval/det_toxicity.d build/eval_engine.d
