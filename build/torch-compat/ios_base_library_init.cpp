// GCC 13's libstdc++ exports std::ios_base_library_init() (GLIBCXX_3.4.32) so that objects built with it
// initialise the standard streams once. Older libstdc++ initialises them itself; this stands in for the
// missing entry point so that TorchSharp's shim loads there.
#include <ios>

namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}
