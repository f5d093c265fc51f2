// A Relay-style client paging one of r5's connections over HTTP (issue 16,
// item 6): Apollo Client's relayStylePagination, the cache policy that
// merges cursor connections as the Relay spec describes them (pages after
// `after` appended, pages before `before` prepended, pageInfo kept from the
// ends), walks the connection forwards with first/after and, with a fresh
// cache, backwards with last/before, through fetchMore.
//
//   node page.mjs BASE_URL TOKEN FIELD PAGE_SIZE
//
// Prints one JSON line: {forward: [ids], backward: [ids], forwardPages,
// backwardPages, totalCount, pageInfo: {forward, backward}}. Run by
// tests/integration/test_relay_client.py, which starts the suite.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { filter, firstValueFrom } from 'rxjs';

const [base, token, field, size] = process.argv.slice(2);
const pageSize = Number(size);

const query = gql(`
  query Page($first: Int, $after: String, $last: Int, $before: String) {
    ${field}(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`);

function client() {
  return new ApolloClient({
    link: new HttpLink({ uri: `${base}/graphql`, headers: { Authorization: `Bearer ${token}` } }),
    cache: new InMemoryCache({ typePolicies: { Query: { fields: { [field]: relayStylePagination() } } } }),
  });
}

// Every page of the connection in one direction; the cache's merged view.
async function walk(forwards) {
  const apollo = client();
  const observable = apollo.watchQuery({ query, variables: forwards ? { first: pageSize } : { last: pageSize } });
  // Watched, as a component would: fetchMore's pages land in its result.
  const watching = observable.subscribe(() => {});
  let result = await firstValueFrom(observable.pipe(filter((current) => !current.loading)));
  let pages = 1;
  for (;;) {
    if (result.error) throw result.error;
    const { pageInfo } = result.data[field];
    const more = forwards ? pageInfo.hasNextPage : pageInfo.hasPreviousPage;
    if (!more) break;
    const variables = forwards ? { first: pageSize, after: pageInfo.endCursor }
      : { last: pageSize, before: pageInfo.startCursor };
    const fetched = await observable.fetchMore({ variables });
    if (fetched.error) throw fetched.error;
    pages += 1;
    if (pages > 1000) throw new Error('the connection never ends');
    // The cache's merged connection, as the watching component sees it next.
    result = { data: apollo.readQuery({ query, variables: observable.variables }) };
  }
  const merged = result.data[field];
  watching.unsubscribe();
  apollo.stop();
  return { ids: merged.edges.map((edge) => edge.node.id), pages, totalCount: merged.totalCount,
    pageInfo: merged.pageInfo };
}

const forward = await walk(true);
const backward = await walk(false);
console.log(JSON.stringify({
  forward: forward.ids, backward: backward.ids, forwardPages: forward.pages, backwardPages: backward.pages,
  totalCount: forward.totalCount,
  pageInfo: { forward: forward.pageInfo, backward: backward.pageInfo },
}));
