# Run CMD; pass when it exits with EXPECT_EXIT and, if PASS_REGEX is given,
# its output (stdout + stderr) matches PASS_REGEX.
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 120)
set(all "${out}${err}")
message("${all}")
if(NOT rc STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "exit code ${rc}, expected ${EXPECT_EXIT}")
endif()
if(PASS_REGEX AND NOT all MATCHES "${PASS_REGEX}")
  message(FATAL_ERROR "output does not match: ${PASS_REGEX}")
endif()
