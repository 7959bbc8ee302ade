// Compiled into every executable of a KDA_SANITIZE build (CMakeLists.txt), so the options hold
// however a binary is started: by ctest, by hand, or as a child of a test (the daemon and the
// simulator). ASAN_OPTIONS / UBSAN_OPTIONS in the environment still override them one by one.
//
// ASan: leaks fail the process at exit; also catch a use of a dead stack frame (a coroutine
// holding a reference to its caller's local is the bug this code base is most exposed to) and
// a global constructor reading another that has not run yet.
// UBSan: the build has -fno-sanitize-recover=all, so a report already ends the process; the
// stack trace says where the value came from.

extern "C" {

// The runtime looks these up by name; `used` keeps them through -Wl,--gc-sections.
__attribute__((used, visibility("default"))) const char* __asan_default_options() {
  return "detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:"
         "strict_init_order=1";
}

__attribute__((used, visibility("default"))) const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}

}  // extern "C"
