# What `cmake --install` puts under the prefix, by component:
#   server: bin/cua-mcp-server (stripped), its man page, its unit and default config, shared data;
#   debug:  the binary's debug information, lib/debug/.build-id/NN/REST.debug (gdb finds it there by
#           the binary's build id, as it finds a Debian -dbgsym package's).
# The Debian package (CPack) is made of the same two components: scripts/package.
include(GNUInstallDirs)

# The man page and the configuration reference come from the built binary itself (--help and
# --print-config): they list the same option table, so they cannot disagree with it.
find_program(HELP2MAN help2man)
if(NOT HELP2MAN)
  message(FATAL_ERROR "help2man is needed for the man page (scripts/setup.sh)")
endif()
set(man_page ${CMAKE_BINARY_DIR}/cua-mcp-server.1)
set(config_reference ${CMAKE_BINARY_DIR}/config-reference.toml)
add_custom_command(
  OUTPUT ${man_page}
  COMMAND /usr/bin/env -i PATH=/usr/bin:/bin ${HELP2MAN} --no-info --section=1
          "--name=an MCP server that gives desktop AI agents computers to use"
          --include=${CMAKE_CURRENT_SOURCE_DIR}/packaging/cua-mcp-server.h2m
          --output=${man_page} $<TARGET_FILE:cua-mcp-server>
  DEPENDS cua-mcp-server ${CMAKE_CURRENT_SOURCE_DIR}/packaging/cua-mcp-server.h2m
  COMMENT "Writing the man page from --help")
add_custom_command(
  OUTPUT ${config_reference}
  COMMAND /usr/bin/env -i PATH=/usr/bin:/bin $<TARGET_FILE:cua-mcp-server> --print-config
          > ${config_reference}
  DEPENDS cua-mcp-server
  COMMENT "Writing the configuration reference from --print-config")
add_custom_target(documentation ALL DEPENDS ${man_page} ${config_reference})

install(TARGETS cua-mcp-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
install(CODE "
  set(cua_installed \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/cua-mcp-server\")
  execute_process(COMMAND ${CMAKE_OBJCOPY} --strip-debug --strip-unneeded \${cua_installed}
                  RESULT_VARIABLE cua_failed)
  if(cua_failed)
    message(FATAL_ERROR \"could not strip \${cua_installed}\")
  endif()" COMPONENT server)
install(CODE "
  execute_process(COMMAND ${CMAKE_READELF} -n $<TARGET_FILE:cua-mcp-server> OUTPUT_VARIABLE cua_notes)
  string(REGEX MATCH \"Build ID: ([0-9a-f]+)\" cua_match \"\${cua_notes}\")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR \"the server has no build id: its debug information could not be found by it\")
  endif()
  string(SUBSTRING \${CMAKE_MATCH_1} 0 2 cua_head)
  string(SUBSTRING \${CMAKE_MATCH_1} 2 -1 cua_tail)
  set(cua_debug_dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/debug/.build-id/\${cua_head}\")
  file(MAKE_DIRECTORY \${cua_debug_dir})
  message(STATUS \"Installing: \${cua_debug_dir}/\${cua_tail}.debug\")
  execute_process(COMMAND ${CMAKE_OBJCOPY} --only-keep-debug --compress-debug-sections=zlib
                          $<TARGET_FILE:cua-mcp-server> \${cua_debug_dir}/\${cua_tail}.debug
                  RESULT_VARIABLE cua_failed)
  if(cua_failed)
    message(FATAL_ERROR \"could not write the debug information\")
  endif()" COMPONENT debug)

add_custom_command(
  OUTPUT ${man_page}.gz
  COMMAND gzip -9 -n -c ${man_page} > ${man_page}.gz
  DEPENDS ${man_page})
add_custom_target(man_page_gz ALL DEPENDS ${man_page}.gz)
install(FILES ${man_page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT server)
install(FILES ${config_reference} DESTINATION ${CMAKE_INSTALL_DATADIR}/cua-mcp-server COMPONENT server)
install(FILES packaging/copyright README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cua-mcp-server
        COMPONENT server)
# lib/systemd/system under /usr is where systemd looks on Debian 12 (merged /usr).
install(FILES packaging/cua-mcp-server.service DESTINATION lib/systemd/system COMPONENT server)
# The default config goes to /etc when the prefix is /usr (the package), else under the prefix.
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(cua_etc /etc/cua-mcp-server)
  else()
    set(cua_etc \"\${CMAKE_INSTALL_PREFIX}/etc/cua-mcp-server\")
  endif()
  # An installed config is the operator's: a direct install (no DESTDIR) does not overwrite it.
  if(EXISTS \${cua_etc}/config.toml AND \"\$ENV{DESTDIR}\" STREQUAL \"\")
    message(STATUS \"Keeping: \${cua_etc}/config.toml\")
  else()
    file(INSTALL DESTINATION \${cua_etc} TYPE FILE
         FILES \"${CMAKE_CURRENT_SOURCE_DIR}/packaging/config.toml\")
  endif()" COMPONENT server)

# The Debian packages: cua-mcp-server and cua-mcp-server-dbgsym.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cua-mcp-server)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "cua-mcp-server maintainers <cua-mcp-server@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MCP server that gives desktop AI agents computers to use")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "Every MCP session gets its own isolated computer (a private X desktop in a bubblewrap "
       "sandbox, or a remote Cua computer-server), with tools to look at it, act on it and hand "
       "it whole tasks. Runs on stdio for one client or as a service over Streamable HTTP for many.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES OFF) # the install rules strip, and keep the debug information
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server debug)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_SERVER_PACKAGE_NAME cua-mcp-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
set(CPACK_DEBIAN_SERVER_PACKAGE_SHLIBDEPS ON) # the linked libraries, by dpkg-shlibdeps
# What the binary does not link but runs or loads: libcurl (loaded on a model's first call), the
# desktops' programs and sandbox, and adduser for the service's user.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS
    "libcurl4, xvfb, bubblewrap, slirp4netns, matchbox-window-manager, xterm, xfonts-base, adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    "${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/conffiles;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postinst;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/prerm;${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_DEBUG_PACKAGE_NAME cua-mcp-server-dbgsym)
set(CPACK_DEBIAN_DEBUG_PACKAGE_SECTION debug)
set(CPACK_DEBIAN_DEBUG_PACKAGE_DEPENDS "cua-mcp-server (= ${PROJECT_VERSION})")
set(CPACK_COMPONENT_SERVER_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_COMPONENT_DEBUG_DESCRIPTION "debug symbols for cua-mcp-server")
include(CPack)
