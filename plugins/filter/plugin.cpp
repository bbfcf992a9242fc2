// filter.so: the entry point over feedwire::filter::Plugin (filter.hpp), kept apart so that the
// tests link the same code without the exported symbol.
#include "filter/filter.hpp"

FEEDWIRE_PLUGIN(feedwire::filter::Plugin)
