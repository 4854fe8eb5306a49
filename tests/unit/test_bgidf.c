/* test_bgidf.c - unit tests for bgidf.c and the generated table. */
#include "bgidf.h"
#include "unit.h"

static void test_table_sorted(void) {
    CHECK(bgidf_table_len > 1000 && bgidf_table_len <= 20000);
    for (size_t i = 1; i < bgidf_table_len; i++)
        if (strcmp(bgidf_table[i - 1].stem, bgidf_table[i].stem) >= 0) {
            CHECK(!"table not strictly sorted");
            break;
        }
}

static void test_idf_order(void) {
    /* a common stem is less informative than a rarer one */
    CHECK(bgidf_df("time") > bgidf_df("reservoir"));
    CHECK(bgidf_idf("time") < bgidf_idf("reservoir"));
    CHECK(bgidf_df("zzqxv") == 0);
    CHECK_NEAR(bgidf_idf("zzqxv"), 1.0, 1e-9);
    double x = bgidf_idf("water");
    CHECK(x > 0 && x < 1);
}

int main(void) {
    UNIT_RUN(test_table_sorted);
    UNIT_RUN(test_idf_order);
    return unit_report("unit");
}
