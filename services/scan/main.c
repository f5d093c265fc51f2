/*  r5-scan: find r5 token values in files or standard input (scan.h).

        r5-scan [--show-values] [FILE...]        report where values are (- or none: stdin)
        r5-scan --report URL --key PEM --key-id ID [FILE...]
                                                 also report them, signed, to an r5 gateway's
                                                 POST /secret-scanning/verify, and print its labels

    Exit status: 0 nothing found, 1 something found, 2 usage or read error,
    or a report that failed. A value is printed only with --show-values;
    otherwise its hint (r5p_…abcd). */
#include "scan.h"
#include "r5_build.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out, "usage: r5-scan [--show-values] [--report URL --key PEM_FILE --key-id ID] [FILE...]\n"
                  "  Finds r5 personal access tokens (r5p_) and session values (r5s_) whose checksum holds,\n"
                  "  in the files named (or standard input), and prints file:line, the kind and the hint.\n"
                  "  --show-values     print the values themselves instead of their hints\n"
                  "  --report URL      post the personal access tokens found to URL (an r5 gateway's\n"
                  "                    /secret-scanning/verify), signed with --key (EC P-256 private key,\n"
                  "                    PEM) under --key-id, and print the gateway's label for each\n"
                  "  Exit status: 0 none found, 1 found, 2 error.\n");
}

int
main (int argc, char *argv [])
{
    static const struct option options [] = {
        { "show-values", no_argument, NULL, 'v' },
        { "report", required_argument, NULL, 'r' },
        { "key", required_argument, NULL, 'k' },
        { "key-id", required_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    if (r5_build_version_asked ("r5-scan", argc, argv))
        return 0;
    bool show_values = false;
    const char *url = NULL, *key = NULL, *key_id = NULL;
    int option;
    while ((option = getopt_long (argc, argv, "h", options, NULL)) != -1)
        switch (option) {
            case 'v': show_values = true; break;
            case 'r': url = optarg; break;
            case 'k': key = optarg; break;
            case 'i': key_id = optarg; break;
            case 'h': s_usage (stdout); return 0;
            default:  s_usage (stderr); return 2;
        }
    if ((url || key || key_id) && !(url && key && key_id)) {
        fprintf (stderr, "r5-scan: --report needs --key and --key-id\n");
        return 2;
    }
    scan_t scan = { 0 };
    int rc = 0;
    if (optind == argc && scan_stream (&scan, stdin, "<stdin>"))
        rc = 2;
    for (int i = optind; i < argc; i++) {
        bool standard = strcmp (argv [i], "-") == 0;
        FILE *file = standard ? stdin : fopen (argv [i], "r");
        if (!file || scan_stream (&scan, file, standard ? "<stdin>" : argv [i])) {
            fprintf (stderr, "r5-scan: cannot read %s: %s\n", argv [i], strerror (errno));
            rc = 2;
        }
        if (file && !standard)
            fclose (file);
    }
    char error [512] = "";
    if (url && scan.count && scan_report (&scan, url, key, key_id, error, sizeof error)) {
        fprintf (stderr, "r5-scan: %s\n", error);
        rc = 2;
    }
    for (size_t i = 0; i < scan.count; i++) {
        const scan_finding_t *finding = &scan.findings [i];
        char hint [R5_TOKEN_HINT_SIZE];
        r5_token_hint (finding->value, hint);
        printf ("%s: r5 %s %s%s%s\n", finding->where, scan_kind_name (finding->kind),
                show_values ? finding->value : hint, finding->label ? " " : "",
                finding->label ? finding->label : "");
    }
    if (rc == 0 && scan.count)
        rc = 1;
    scan_clear (&scan);
    return rc;
}
