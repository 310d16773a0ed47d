# cmake/embed_asset.cmake on inputs made here: a file with awkward C++ and CMake characters is
# embedded verbatim; a file containing the raw string's end `)LS_ASSET"` fails with a message
# naming it and writes nothing.
#   cmake -DSCRIPT=cmake/embed_asset.cmake -DWORK_DIR=build/test-artifacts/embed_asset -P this file
foreach(var SCRIPT WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "-D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(embed input output out_rc out_err)
  execute_process(COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DNAME=kTest -DHEADER=test.h
                          -P ${SCRIPT}
                  RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
  set(${out_rc} "${rc}" PARENT_SCOPE)
  set(${out_err} "${err}" PARENT_SCOPE)
endfunction()

# 1. Quotes, backslashes, a raw string of another delimiter, CMake syntax, semicolons, UTF-8.
set(awkward "var a = \"x\\\\y\"; var r = /[\"']/g; // R\"(no)\" )\" \${NOT_A_VAR} [[x]] ; \\n é\n")
file(WRITE "${WORK_DIR}/awkward.js" "${awkward}")
embed("${WORK_DIR}/awkward.js" "${WORK_DIR}/awkward.cpp" rc err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "embedding awkward.js failed: ${err}")
endif()
file(READ "${WORK_DIR}/awkward.cpp" generated)
string(FIND "${generated}" "const char* const kTest = R\"LS_ASSET(${awkward})LS_ASSET\";" at)
if(at EQUAL -1)
  message(FATAL_ERROR "awkward.js is not embedded verbatim:\n${generated}")
endif()

# 2. The delimiter inside the file: a clear failure, no output.
file(WRITE "${WORK_DIR}/bad.js" "var s = ')LS_ASSET\"';\n")
embed("${WORK_DIR}/bad.js" "${WORK_DIR}/bad.cpp" rc err)
if(rc EQUAL 0)
  message(FATAL_ERROR "bad.js was embedded although it contains the raw string's end")
endif()
string(REGEX REPLACE "[ \n]+" " " err "${err}")  # CMake wraps long messages
string(FIND "${err}" "bad.js contains ')LS_ASSET\"'" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the failure does not name the file and the delimiter:\n${err}")
endif()
if(EXISTS "${WORK_DIR}/bad.cpp")
  message(FATAL_ERROR "bad.cpp was written although embedding failed")
endif()
message(STATUS "embed_asset: verbatim embedding and the delimiter check work")
