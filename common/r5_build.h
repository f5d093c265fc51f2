/*  r5_build: what a program knows about the build that made it: the
    project's version, a build id (the git commit at configure time, or
    "unknown"), and where its data are once installed.

    An installed program is relocatable: it finds its data in share/r5 of its
    own prefix, relative to the running executable (bin/../share/r5), so
    `cmake --install --prefix P`, DESTDIR staging and a copied tree all work.
    The executable CMake built in place is the exception: it uses the source
    tree, so the quick start and the tests run a build without installing. */
#ifndef R5_BUILD_H
#define R5_BUILD_H

#include <stdbool.h>
#include <stddef.h>

//  The project's version, e.g. "0.1.0" (borrowed).
const char *r5_build_version (void);

//  The build id: the git commit the build was configured at, or "unknown" (borrowed).
const char *r5_build_id (void);

//  When argv holds --version, print "<program> <version> (build <id>)" on
//  stdout and return true (the caller exits 0); otherwise return false.
bool r5_build_version_asked (const char *program, int argc, char **argv);

//  The installed data directory (<prefix>/share/r5) of the running
//  executable. built_exe is where the build wrote this executable. Returns 0
//  with the directory in path, or -1 when the running executable is the one
//  in the build tree (the caller then uses its source-tree defaults) or
//  cannot be located.
int r5_build_data_dir (const char *built_exe, char *path, size_t size);

#endif
