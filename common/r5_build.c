/*  r5_build: version, build id and installed data directory.  */
#include "r5_build.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Set for this file alone by common/CMakeLists.txt, so a new commit
//  recompiles one file.
#ifndef R5_VERSION
#   error "R5_VERSION is defined by CMake"
#endif
#ifndef R5_BUILD_ID
#   define R5_BUILD_ID "unknown"
#endif
#ifndef R5_DATA_RELATIVE
#   define R5_DATA_RELATIVE "../share/r5"
#endif

const char *
r5_build_version (void)
{
    return R5_VERSION;
}

const char *
r5_build_id (void)
{
    return *R5_BUILD_ID ? R5_BUILD_ID : "unknown";
}

bool
r5_build_version_asked (const char *program, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp (argv [i], "--version") == 0) {
            printf ("%s %s (build %s)\n", program, r5_build_version (), r5_build_id ());
            fflush (stdout);
            return true;
        }
    return false;
}

int
r5_build_data_dir (const char *built_exe, char *path, size_t size)
{
    char self [PATH_MAX];
    ssize_t length = readlink ("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0)
        return -1;
    self [length] = 0;
    //  Compare real paths: the build tree may be reached through a symlink.
    char built [PATH_MAX];
    if (built_exe && realpath (built_exe, built) && strcmp (built, self) == 0)
        return -1;
    //  From the executable's directory, each "../" of the relative path
    //  drops one component, so the result reads /usr/local/share/r5.
    const char *relative = R5_DATA_RELATIVE;
    char *slash = strrchr (self, '/');
    if (!slash)
        return -1;
    *slash = 0;
    while (strncmp (relative, "../", 3) == 0 && (slash = strrchr (self, '/')) && slash != self) {
        *slash = 0;
        relative += 3;
    }
    int written = snprintf (path, size, "%s/%s", self, relative);
    return written > 0 && (size_t) written < size ? 0 : -1;
}
