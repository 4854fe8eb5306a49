/* bgidf.c - general-English background document frequencies of stems.
 *
 * Owns the look-up into the generated, strcmp-sorted table of
 * service/bgidf_table.c (binary search, no allocation, no state) and the
 * scaling of a document frequency into an IDF in [0,1]. The table is data
 * only; see tools/gen_bgidf.sh for its source corpus and licence.
 */
#include "bgidf.h"

#include <math.h>
#include <string.h>

uint32_t bgidf_df(const char *stem) {
    size_t lo = 0, hi = bgidf_table_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(stem, bgidf_table[mid].stem);
        if (c == 0)
            return bgidf_table[mid].df;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

double bgidf_idf(const char *stem) {
    double n = (double)bgidf_table_ndocs + 1.0;
    double df = (double)bgidf_df(stem);
    return log(n / (df + 1.0)) / log(n);
}
