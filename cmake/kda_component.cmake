# kda_component(NAME SOURCES a.cpp ... [DEPENDS other components] [LIBS external targets])
# Declares the static library kda_NAME and records it in the global KDA_COMPONENTS for the core.
# DEPENDS names components by their short name; the build then enforces the dependency
# direction of STYLE.md: a component sees only the headers of what it depends on.
function(kda_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;LIBS" ${ARGN})
  set(target kda_${name})
  add_library(${target} STATIC ${ARG_SOURCES})
  target_link_libraries(${target} PUBLIC kda_options ${ARG_LIBS})
  foreach(dep ${ARG_DEPENDS})
    target_link_libraries(${target} PUBLIC kda_${dep})
  endforeach()
  set_property(GLOBAL APPEND PROPERTY KDA_COMPONENTS ${target})
endfunction()

# kda_unit_test(NAME SOURCES ... LIBS ...): a GoogleTest executable registered with ctest.
function(kda_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE kda_options ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    KDA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KDA_BINARY_DIR="${PROJECT_BINARY_DIR}")
  # Under the sanitizers, a report fails the test even when it comes from a child whose exit
  # code the test does not check (the simulator's stderr is the test's).
  set(sanitizer_report "")
  if(KDA_SANITIZE)
    set(sanitizer_report FAIL_REGULAR_EXPRESSION "SUMMARY: .*Sanitizer")
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}" ${sanitizer_report})
endfunction()
