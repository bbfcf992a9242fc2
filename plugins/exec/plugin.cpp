// exec.so: the entry point over feedwire::exec::Plugin (exec.hpp), kept apart so that the tests
// link the same code without the exported symbol.
#include "exec/exec.hpp"

FEEDWIRE_PLUGIN(feedwire::exec::Plugin)
