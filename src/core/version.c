#include "core_int.h"
#include "dc_version_gen.h"

const char *dc_version(void) { return DC_VERSION_STRING_GEN; }
