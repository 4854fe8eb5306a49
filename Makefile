# modq - Makefile. `make` builds build/modq; `make run` and `make test` first
# install what is missing (tools/bootstrap.sh).
.DELETE_ON_ERROR:
.PHONY: all run test unit cases integration bootstrap clean eval bench fuzz format

CC      ?= cc
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wwrite-strings -Wvla -fno-common -Werror
CFLAGS  += -std=c11 -D_GNU_SOURCE -Iinclude $(OPT) $(WARN) -MMD -MP -pthread
LDLIBS  := -lmicrohttpd -ljansson -lhiredis -lutf8proc -lstemmer -lcrypto -lcurl -lpthread -lm

# Sanitizer build used by the tests lives in its own tree.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRC      := $(wildcard service/*.c)
LIB_SRC  := $(filter-out service/main.c,$(SRC))
OBJ      := $(SRC:service/%.c=build/obj/%.o)
SAN_OBJ  := $(SRC:service/%.c=build/san/%.o)
SAN_LIB  := $(LIB_SRC:service/%.c=build/san/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/san/tests/%)

all: build/modq

build/modq: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/obj/%.o: service/%.c | build/obj
	$(CC) $(CFLAGS) -c -o $@ $<

build/san/%.o: service/%.c | build/san
	$(CC) $(CFLAGS) $(SAN_FLAGS) -c -o $@ $<

build/san/modq: $(SAN_OBJ)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

build/san/tests/%: tests/unit/%.c $(SAN_LIB) | build/san/tests
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests/unit -o $@ $< $(SAN_LIB) $(LDLIBS)

build/san/case_runner: tests/case_runner.c $(SAN_LIB) | build/san
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(SAN_LIB) $(LDLIBS)

build/obj build/san build/san/tests:
	mkdir -p $@

bootstrap:
	@sh tools/bootstrap.sh

run: bootstrap
	@$(MAKE) --no-print-directory build/modq
	@sh tools/run.sh

# Everything: sanitizer build, unit tests, analysis cases, integration tests.
# The last line printed is "N passed, N failed".
test: bootstrap
	@$(MAKE) --no-print-directory build/modq build/san/modq $(UNIT_BIN) build/san/case_runner
	@sh tests/run_all.sh

eval: bootstrap
	@$(MAKE) --no-print-directory build/modq
	@python3 tools/eval.py --data $(or $(DATA),../shared/data) --modq build/modq

bench: bootstrap
	@sh bench/run.sh

format:
	clang-format -i service/*.c include/*.h tests/unit/*.c

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(SAN_OBJ:.o=.d)
