/*  test_gateway_cache: hits, invalidation by token and user, the generation
    rule that keeps a verdict raced by an invalidation out, and the feed rule:
    nothing is served or stored unless the event feed is proven current, and
    a lapse keeps out what was verified across it; an entry near its end is
    refreshed by one caller while the others keep using it. */
#include "gateway_cache.h"
#include "r5_test.h"
#include "r5_test_clock.h"

#include <czmq.h>
#include <string.h>

static gateway_principal_t
s_principal (const char *user, const char *token)
{
    gateway_principal_t principal;
    memset (&principal, 0, sizeof principal);
    snprintf (principal.user_id, sizeof principal.user_id, "%s", user);
    snprintf (principal.token_id, sizeof principal.token_id, "%s", token);
    return principal;
}

int
main (void)
{
    //  Time moves only when the test moves it.
    r5_test_clock_t clock;
    r5_test_clock_init (&clock);
    gateway_cache_t *cache = gateway_cache_new (30, 1000);
    gateway_cache_set_clock (cache, &clock.base);
    gateway_principal_t a = s_principal ("u1", "t1"), b = s_principal ("u1", "t2"), c = s_principal ("u2", "t3"), got;

    //  Until the feed is proven current, nothing is stored.
    CHECK (!gateway_cache_current (cache));
    gateway_cache_put (cache, "value-a", 7, &a, gateway_cache_generation (cache), 0);
    CHECK (gateway_cache_size (cache) == 0);
    CHECK (gateway_cache_get (cache, "value-a", 7, &got) == -1);
    //  A verification that started before the first proof is not stored either.
    uint64_t unproven = gateway_cache_generation (cache);
    gateway_cache_feed (cache, r5_clock_mono_ms (&clock.base) + 60000);
    CHECK (gateway_cache_current (cache));
    gateway_cache_put (cache, "value-a", 7, &a, unproven, 0);
    CHECK (gateway_cache_size (cache) == 0);
    gateway_cache_put (cache, "value-a", 7, &a, gateway_cache_generation (cache), 0);
    gateway_cache_put (cache, "value-b", 7, &b, gateway_cache_generation (cache), 0);
    gateway_cache_put (cache, "value-c", 7, &c, gateway_cache_generation (cache), 0);
    CHECK (gateway_cache_size (cache) == 3);
    CHECK (gateway_cache_get (cache, "value-a", 7, &got) == 0 && strcmp (got.token_id, "t1") == 0);
    CHECK (gateway_cache_get (cache, "value-x", 7, &got) == -1);

    gateway_cache_drop_token (cache, "t1");
    CHECK (gateway_cache_get (cache, "value-a", 7, &got) == -1);
    CHECK (gateway_cache_get (cache, "value-b", 7, &got) == 0);
    gateway_cache_drop_user (cache, "u1");
    CHECK (gateway_cache_get (cache, "value-b", 7, &got) == -1);
    CHECK (gateway_cache_get (cache, "value-c", 7, &got) == 0);

    //  A verification that read the generation before an invalidation is not cached.
    uint64_t before = gateway_cache_generation (cache);
    gateway_cache_drop_token (cache, "t9");
    gateway_cache_put (cache, "value-a", 7, &a, before, 0);
    CHECK (gateway_cache_get (cache, "value-a", 7, &got) == -1);

    //  A verdict never outlives the credential's own end (a session's expiry).
    gateway_cache_put (cache, "value-s", 7, &c, gateway_cache_generation (cache), r5_clock_now_ms (&clock.base) - 1);
    CHECK (gateway_cache_get (cache, "value-s", 7, &got) == -1);
    gateway_cache_put (cache, "value-t", 7, &c, gateway_cache_generation (cache), r5_clock_now_ms (&clock.base) + 60000);
    CHECK (gateway_cache_get (cache, "value-t", 7, &got) == 0);

    //  Refresh ahead, single flight: in the last quarter of an entry's life
    //  one caller is chosen to verify again; the others keep their hits.
    gateway_cache_put (cache, "value-r", 7, &c, gateway_cache_generation (cache), r5_clock_now_ms (&clock.base) + 3000);
    CHECK (gateway_cache_get (cache, "value-r", 7, &got) == GATEWAY_CACHE_HIT);
    r5_test_clock_advance (&clock, 2300);
    CHECK (gateway_cache_get (cache, "value-r", 7, &got) == GATEWAY_CACHE_REFRESH);
    CHECK (strcmp (got.token_id, "t3") == 0);
    CHECK (gateway_cache_get (cache, "value-r", 7, &got) == GATEWAY_CACHE_HIT);
    CHECK (gateway_cache_get (cache, "value-r", 7, &got) == GATEWAY_CACHE_HIT);
    //  A refresh that got no answer lets the next caller try.
    gateway_cache_release (cache, "value-r", 7);
    CHECK (gateway_cache_get (cache, "value-r", 7, &got) == GATEWAY_CACHE_REFRESH);
    //  A refreshed verdict refused because another token's change moved the
    //  generation meanwhile: the next caller refreshes.
    uint64_t refreshing = gateway_cache_generation (cache);
    gateway_cache_drop_token (cache, "t9");
    gateway_cache_put (cache, "value-r", 7, &c, refreshing, 0);
    CHECK (gateway_cache_get (cache, "value-r", 7, &got) == GATEWAY_CACHE_REFRESH);
    //  The refreshed verdict starts a new life.
    gateway_cache_put (cache, "value-r", 7, &c, gateway_cache_generation (cache), 0);
    CHECK (gateway_cache_get (cache, "value-r", 7, &got) == GATEWAY_CACHE_HIT);
    r5_test_clock_advance (&clock, 120);
    CHECK (gateway_cache_get (cache, "value-r", 7, &got) == GATEWAY_CACHE_HIT);

    gateway_cache_flush (cache);
    CHECK (gateway_cache_size (cache) == 0);
    gateway_cache_destroy (&cache);
    CHECK (cache == NULL);

    //  The proof runs out: nothing is served, everything goes, nothing is stored.
    cache = gateway_cache_new (30, 1000);
    gateway_cache_set_clock (cache, &clock.base);
    gateway_cache_feed (cache, r5_clock_mono_ms (&clock.base) + 30);
    uint64_t during = gateway_cache_generation (cache);
    gateway_cache_put (cache, "value-a", 7, &a, during, 0);
    CHECK (gateway_cache_get (cache, "value-a", 7, &got) == 0);
    r5_test_clock_advance (&clock, 40);
    CHECK (!gateway_cache_current (cache));
    CHECK (gateway_cache_get (cache, "value-a", 7, &got) == -1);
    CHECK (gateway_cache_size (cache) == 0);
    gateway_cache_put (cache, "value-b", 7, &b, gateway_cache_generation (cache), 0);
    CHECK (gateway_cache_size (cache) == 0);
    //  A verification that read the generation before the lapse and ends after
    //  the feed is current again is kept out, though no get saw the lapse.
    gateway_cache_feed (cache, r5_clock_mono_ms (&clock.base) + 30);
    uint64_t before_lapse = gateway_cache_generation (cache);
    r5_test_clock_advance (&clock, 40);
    gateway_cache_feed (cache, r5_clock_mono_ms (&clock.base) + 60000);
    gateway_cache_put (cache, "value-c", 7, &c, before_lapse, 0);
    CHECK (gateway_cache_get (cache, "value-c", 7, &got) == -1);
    //  A proof renewed in time keeps the entries.
    gateway_cache_put (cache, "value-c", 7, &c, gateway_cache_generation (cache), 0);
    gateway_cache_feed (cache, r5_clock_mono_ms (&clock.base) + 60000);
    CHECK (gateway_cache_get (cache, "value-c", 7, &got) == 0);
    gateway_cache_destroy (&cache);

    //  ttl 0: the cache is off.
    cache = gateway_cache_new (0, 1000);
    gateway_cache_set_clock (cache, &clock.base);
    gateway_cache_feed (cache, r5_clock_mono_ms (&clock.base) + 60000);
    gateway_cache_put (cache, "value-a", 7, &a, gateway_cache_generation (cache), 0);
    CHECK (gateway_cache_get (cache, "value-a", 7, &got) == -1);
    gateway_cache_destroy (&cache);
    return r5_test_report ("test_gateway_cache");
}
