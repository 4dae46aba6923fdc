/* hash.c: hashing through xxHash's XXH3 (Debian's libxxhash). */
#include "core_int.h"

#include <xxhash.h>

uint64_t dc_hash_bytes(const void *data, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(data, n, seed);
}

uint64_t dc_hash_u64(uint64_t v, uint64_t seed) { return XXH3_64bits_withSeed(&v, sizeof v, seed); }
