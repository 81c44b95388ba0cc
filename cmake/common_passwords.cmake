# Turn a common-password word list (one password a line, "#!comment" lines
# skipped, the format of John the Ripper's password.lst that the Debian package
# john-data ships) into a C header with a sorted, lower-cased, de-duplicated
# table for src/lib/password_policy.c:
#   cmake -DIN=password.lst -DOUT=bw_common_passwords.h -P common_passwords.cmake
#
# The work is done on the hex form of the file, so no byte of a password can
# be taken for CMake list or escape syntax (';', '[', '\'). Sorting the hex
# strings sorts the passwords by byte value, the order the C lookup assumes.
# Only printable ASCII is accepted: a control or non-ASCII byte stops the build
# rather than being dropped or lower-cased wrongly.
if(NOT DEFINED IN OR NOT DEFINED OUT)
  message(FATAL_ERROR "usage: cmake -DIN=list -DOUT=header.h -P common_passwords.cmake")
endif()
file(READ "${IN}" hex HEX)
# one space after every byte, so "0a " only matches at a byte boundary
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\1 " hex "${hex}")
string(REPLACE "0d " "" hex "${hex}")
string(REPLACE "0a " ";" lines "${hex}")

set(words "")
set(skipped 0)
foreach(line IN LISTS lines)
  if(line STREQUAL "" OR line MATCHES "^23 21 ") # empty, or "#!" comment
    continue()
  endif()
  if(line MATCHES "(^| )([01][0-9a-f]|7f|[89a-f][0-9a-f]) ")
    message(FATAL_ERROR "common_passwords: ${IN}: a control or non-ASCII byte; refusing the list")
  endif()
  # ASCII upper case (41..5a) to lower case (61..7a)
  foreach(d 1 2 3 4 5 6 7 8 9 a b c d e f)
    string(REPLACE "4${d} " "6${d} " line "${line}")
  endforeach()
  foreach(d 0 1 2 3 4 5 6 7 8 9 a)
    string(REPLACE "5${d} " "7${d} " line "${line}")
  endforeach()
  string(REPLACE " " "" line "${line}")
  list(APPEND words "${line}")
endforeach()
list(REMOVE_DUPLICATES words)
list(SORT words)
list(LENGTH words count)
if(count LESS 1000)
  message(FATAL_ERROR "common_passwords: ${IN}: only ${count} passwords; is it the right file?")
endif()

set(maxlen 0)
set(body "")
foreach(w IN LISTS words)
  string(LENGTH "${w}" hexlen)
  math(EXPR len "${hexlen} / 2")
  if(len GREATER maxlen)
    set(maxlen ${len})
  endif()
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" lit "${w}")
  string(APPEND body "\t{\"${lit}\", ${len}},\n")
endforeach()
get_filename_component(src "${IN}" NAME)
file(WRITE "${OUT}.tmp"
  "/* generated from ${src} by cmake/common_passwords.cmake; do not edit */\n"
  "#define BW_COMMON_PASSWORDS_COUNT ${count}\n"
  "#define BW_COMMON_PASSWORDS_MAX_LEN ${maxlen}\n"
  "static const struct bw_str bw_common_passwords[BW_COMMON_PASSWORDS_COUNT] = {\n"
  "${body}};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
