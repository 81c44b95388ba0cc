# Turn files into a C source of byte arrays, built into the binary.
#
# One file, as a named array and its length (a document served as it is,
# like the OpenAPI description):
#   cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
#     -> const unsigned char symbol[]; const size_t symbol_len;
#
# Several files, as a table of struct bw_embedded (src/server/embedded.h),
# each entry named after its file, with STRIP removed from the end of the
# name (templates/login.html with STRIP=.html is "login"):
#   cmake -DFILES="a|b|c" -DOUT=file.c -DNAME=symbol [-DSTRIP=.ext] -P embed.cmake
#     -> const struct bw_embedded symbol[]; const size_t symbol_n;
# Every array ends with a NUL byte that the length does not count.

function(bw_embed_bytes path var lenvar)
  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  set(${var} "${bytes}0x00" PARENT_SCOPE)
  set(${lenvar} ${len} PARENT_SCOPE)
endfunction()

if(DEFINED IN)
  bw_embed_bytes("${IN}" bytes len)
  file(WRITE "${OUT}" "/* generated from ${NAME}'s source file; do not edit */\n#include <stddef.h>\n"
    "const unsigned char ${NAME}[] = {${bytes}};\nconst size_t ${NAME}_len = ${len};\n")
elseif(DEFINED FILES)
  string(REPLACE "|" ";" files "${FILES}")
  list(SORT files)
  set(body "")
  set(table "")
  set(i 0)
  foreach(f IN LISTS files)
    bw_embed_bytes("${f}" bytes len)
    get_filename_component(base "${f}" NAME)
    if(DEFINED STRIP)
      string(LENGTH "${STRIP}" sl)
      string(LENGTH "${base}" bl)
      math(EXPR keep "${bl} - ${sl}")
      string(SUBSTRING "${base}" ${keep} -1 tail)
      if(keep GREATER 0 AND tail STREQUAL STRIP)
        string(SUBSTRING "${base}" 0 ${keep} base)
      endif()
    endif()
    string(APPEND body "static const unsigned char ${NAME}_${i}[] = {${bytes}};\n")
    string(APPEND table "  {\"${base}\", ${NAME}_${i}, ${len}},\n")
    math(EXPR i "${i} + 1")
  endforeach()
  file(WRITE "${OUT}" "/* generated from the files of ${NAME}; do not edit */\n"
    "#include \"embedded.h\"\n${body}"
    "const struct bw_embedded ${NAME}[] = {\n${table}  {NULL, NULL, 0}};\n"
    "const size_t ${NAME}_n = ${i};\n")
else()
  message(FATAL_ERROR "embed.cmake: give IN or FILES")
endif()
