# Turn a file into a C source with a byte array and its length:
#   cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed.cmake
# Used for documents the server serves as they are (the OpenAPI description).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "/* generated from ${NAME}'s source file; do not edit */\n#include <stddef.h>\n"
  "const unsigned char ${NAME}[] = {${bytes}0x00};\nconst size_t ${NAME}_len = ${len};\n")
