# expect_fail.cmake — compile SRC and pass only when the compiler refuses it
# inside the BW_SQL / BW_SQL_INIT macros (so a typo or a missing header, which
# also fail, do not count). Used by the compile_fail.* tests in CMakeLists.txt:
#   cmake -DCC=… -DINC=… -DSRC=… -DVARIANT=n -P expect_fail.cmake
execute_process(
  COMMAND ${CC} -std=c17 -fsyntax-only -I${INC} -DVARIANT=${VARIANT} ${SRC}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SRC} (VARIANT=${VARIANT}) compiled, but BW_SQL must refuse a non-literal")
endif()
if(NOT out MATCHES "macro .?.?.?BW_SQL")
  message(FATAL_ERROR "${SRC} (VARIANT=${VARIANT}) failed, but not in BW_SQL:\n${out}")
endif()
message(STATUS "refused as expected (VARIANT=${VARIANT})")
