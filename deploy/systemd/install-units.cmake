# Run by `cmake --install`: copies the units and example settings of
# deploy/systemd into share/r5/systemd, with ExecStart naming this install's
# bin/ instead of the default /usr/local/bin. CMAKE_INSTALL_PREFIX is the
# install-time one (--prefix); DESTDIR stages without changing the paths.
file(GLOB units "${R5_UNITS_SOURCE}/*.service" "${R5_UNITS_SOURCE}/*.env.example")
set(destination "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${R5_UNITS_DESTINATION}")
file(MAKE_DIRECTORY "${destination}")
foreach(unit ${units})
  get_filename_component(name "${unit}" NAME)
  file(READ "${unit}" text)
  string(REPLACE "/usr/local/bin/" "${CMAKE_INSTALL_PREFIX}/${R5_UNITS_BINDIR}/" text "${text}")
  message(STATUS "Installing: ${destination}/${name}")
  file(WRITE "${destination}/${name}" "${text}")
endforeach()
