# The judgebox binary, compiled and linked with musl-gcc (included from the
# top CMakeLists.txt when musl-gcc and the static libraries exist).
#
# CMake drives one C compiler per project, so the musl objects are custom
# commands. `judgebox` is an imported executable over the result, so
# $<TARGET_FILE:judgebox> (the tests) works as with the glibc build; the
# target that builds it is judgebox-bin.

# musl-gcc searches only musl's headers: give it the kernel's and the
# libraries' own (none of them includes a glibc header).
set(JB_MUSL_INC ${CMAKE_BINARY_DIR}/musl-include)
file(MAKE_DIRECTORY ${JB_MUSL_INC}/sys)
foreach(pair "linux:/usr/include/linux" "asm-generic:/usr/include/asm-generic"
             "asm:/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/asm"
             "protobuf-c:/usr/include/protobuf-c" "hiredis:/usr/include/hiredis"
             "jansson.h:/usr/include/jansson.h"
             "jansson_config.h:/usr/include/jansson_config.h"
             "seccomp.h:/usr/include/seccomp.h"
             "seccomp-syscalls.h:/usr/include/seccomp-syscalls.h"
             "sys/capability.h:/usr/include/sys/capability.h")
  string(REPLACE ":" ";" kv "${pair}")
  list(GET kv 0 link)
  list(GET kv 1 target)
  if(EXISTS ${target})
    file(CREATE_LINK ${target} ${JB_MUSL_INC}/${link} SYMBOLIC)
  endif()
endforeach()

set(JB_MUSL_SRC ${JB_CORE_SRC} ${CMAKE_SOURCE_DIR}/executor/main.c
    ${CMAKE_SOURCE_DIR}/executor/musl/chk.c ${CMAKE_SOURCE_DIR}/executor/musl/malloc.c)
set(JB_MUSL_HDRS)
foreach(dir ${JB_SRC_DIRS})
  file(GLOB hdrs CONFIGURE_DEPENDS ${dir}/*.h)
  list(APPEND JB_MUSL_HDRS ${hdrs})
endforeach()
list(APPEND JB_MUSL_HDRS ${CMAKE_SOURCE_DIR}/executor/musl/compat.h ${PB_DIR}/judgebox.pb-c.h)
set(JB_MUSL_FLAGS -std=gnu11 -O2 -g -D_GNU_SOURCE "-DJB_VERSION=\"${PROJECT_VERSION}\""
    "-DJB_POLICY_DIRS=\"${JB_POLICY_DIRS}\"" -include ${CMAKE_SOURCE_DIR}/executor/musl/compat.h
    -isystem ${JB_MUSL_INC} ${JB_IQUOTE} -I${PB_DIR})
if(HIREDIS_FOUND)
  list(APPEND JB_MUSL_FLAGS -DJB_HAVE_REDIS)
endif()

set(JB_MUSL_DIR ${CMAKE_BINARY_DIR}/musl-obj)
file(MAKE_DIRECTORY ${JB_MUSL_DIR})
set(JB_MUSL_OBJS)
foreach(src ${JB_MUSL_SRC} ${PB_DIR}/judgebox.pb-c.c)
  get_filename_component(base ${src} NAME_WE)
  set(obj ${JB_MUSL_DIR}/${base}.o)
  set(warn ${JB_WARN})
  if(src MATCHES "pb-c\\.c$")
    set(warn -w) # generated
  endif()
  add_custom_command(OUTPUT ${obj}
    COMMAND ${MUSL_GCC} ${JB_MUSL_FLAGS} ${warn} -c ${src} -o ${obj}
    DEPENDS ${src} ${JB_MUSL_HDRS} ${PB_DIR}/judgebox.pb-c.c
    COMMENT "musl-gcc ${base}.c" VERBATIM)
  list(APPEND JB_MUSL_OBJS ${obj})
endforeach()

list(REMOVE_ITEM JB_STATIC_LIBS ${JB_STATIC_c})
# Linked in musl-obj/ and copied to build/judgebox: a file dependency named
# like the imported target would be taken for the target.
set(JB_MUSL_LINKED ${JB_MUSL_DIR}/judgebox)
set(JB_MUSL_BIN ${CMAKE_BINARY_DIR}/judgebox)
add_custom_command(OUTPUT ${JB_MUSL_LINKED}
  COMMAND ${MUSL_GCC} -static -o ${JB_MUSL_LINKED} ${JB_MUSL_OBJS} ${JB_STATIC_LIBS}
  DEPENDS ${JB_MUSL_OBJS} ${JB_STATIC_LIBS}
  COMMENT "link judgebox (musl, static)" VERBATIM)
add_custom_target(judgebox-bin ALL
  COMMAND ${CMAKE_COMMAND} -E copy_if_different ${JB_MUSL_LINKED} ${JB_MUSL_BIN}
  DEPENDS ${JB_MUSL_LINKED} VERBATIM)
add_executable(judgebox IMPORTED GLOBAL)
set_target_properties(judgebox PROPERTIES IMPORTED_LOCATION ${JB_MUSL_BIN})
install(PROGRAMS ${JB_MUSL_BIN} DESTINATION bin)
