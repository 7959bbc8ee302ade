# cmake -DMIGRATIONS_DIR=<dir> -DOUTPUT=<file.cpp> -P embed_migrations.cmake
# Turns migrations/NNNN_name.sql into a C++ source defining kda::embedded_migrations(), so the
# binary carries its schema and never reads the source tree. Runs at build time; the build
# fails when a file is misnamed or the numbers are not 1, 2, 3, ... without gaps.
cmake_minimum_required(VERSION 3.25)

if(NOT MIGRATIONS_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DMIGRATIONS_DIR=<dir> -DOUTPUT=<file> -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

file(GLOB files LIST_DIRECTORIES false "${MIGRATIONS_DIR}/*.sql")
list(SORT files)
if(NOT files)
  message(FATAL_ERROR "${MIGRATIONS_DIR}: no migrations (expected 0001_init.sql, ...)")
endif()

set(delimiter "kda_sql")
set(literals "")
set(entries "")
set(expected 1)
foreach(file IN LISTS files)
  get_filename_component(file_name "${file}" NAME)
  if(NOT file_name MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "${file}: a migration is named NNNN_name.sql (name: a-z, 0-9, _)")
  endif()
  set(number_text "${CMAKE_MATCH_1}")
  math(EXPR number "${number_text}")
  if(NOT number EQUAL expected)
    message(FATAL_ERROR "${file}: migration ${number} found where ${expected} was expected; "
                        "migrations are numbered 1, 2, 3, ... without gaps or duplicates")
  endif()
  string(REGEX REPLACE "\\.sql$" "" migration_name "${file_name}")
  file(READ "${file}" sql)
  string(FIND "${sql}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file}: contains the raw-string delimiter )${delimiter}\"")
  endif()
  string(APPEND literals
    "// ${file_name}\n"
    "constexpr std::string_view sql_${number_text} = R\"${delimiter}(${sql})${delimiter}\";\n\n")
  string(APPEND entries "    Migration{${number}, \"${migration_name}\", sql_${number_text}},\n")
  math(EXPR expected "${expected} + 1")
endforeach()
math(EXPR count "${expected} - 1")

file(WRITE "${OUTPUT}"
  "// Generated at build time by src/store/embed_migrations.cmake from migrations/*.sql.\n"
  "// Do not edit: edit the .sql file, or add a new one.\n"
  "#include \"koodrive_audit/store.hpp\"\n\n"
  "#include <array>\n"
  "#include <string_view>\n\n"
  "namespace kda {\n\n"
  "namespace {\n\n"
  "${literals}"
  "constexpr std::array<Migration, ${count}> migrations{\n"
  "${entries}"
  "};\n\n"
  "}  // namespace\n\n"
  "std::span<const Migration> embedded_migrations() { return migrations; }\n\n"
  "}  // namespace kda\n")
