# Installs the build into a scratch prefix, builds examples/embed against the
# installed package with find_package(gumshoe), and runs it on a fixture.
# Fails on any step. Variables: SOURCE_DIR BUILD_DIR WORK_DIR DATA.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
# The command, its man page and its shell completions are installed too.
# (GNUInstallDirs' defaults on Debian.)
foreach(installed bin/gumshoe share/man/man1/gumshoe.1
        share/bash-completion/completions/gumshoe share/zsh/site-functions/_gumshoe)
  if(NOT EXISTS ${WORK_DIR}/prefix/${installed})
    message(FATAL_ERROR "cmake --install did not install ${installed}")
  endif()
endforeach()
file(READ ${WORK_DIR}/prefix/share/man/man1/gumshoe.1 man_page)
if(NOT man_page MATCHES "EXIT STATUS")
  message(FATAL_ERROR "the installed man page has no EXIT STATUS section")
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${WORK_DIR}/build -G Ninja
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/embed_example ${WORK_DIR}/store ${DATA}/embed/cloudtrail.json
    iam_user arn:aws:iam::111122223333:user/alice)
if(NOT last_output MATCHES "ingested 3 records \\(0 rejected\\)")
  message(FATAL_ERROR "unexpected ingest output:\n${last_output}")
endif()
if(NOT last_output MATCHES "out called_from: 2")
  message(FATAL_ERROR "pivot did not find alice's two source IPs:\n${last_output}")
endif()
message(STATUS "embed example OK:\n${last_output}")
