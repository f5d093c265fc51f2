// graphql-eslint over services/gateway/schema.graphql (node lint.mjs; CTest gql_schema_lint):
// the `schema-recommended` config, require-description widened to every field, argument,
// input field and enum value (issue 16: everything is described), and the four Relay rules.
// What is off or narrowed below is listed with its reason in docs/api.md ("Schema lint").
import graphql from '@graphql-eslint/eslint-plugin';

const recommended = graphql.configs['flat/schema-recommended'].rules;
const naming = recommended['@graphql-eslint/naming-convention'][1];

export default [
  {
    files: ['**/*.graphql'],
    languageOptions: {
      parser: graphql.parser,
      parserOptions: {
        graphQLConfig: { schema: new URL('../../../services/gateway/schema.graphql', import.meta.url).pathname },
      },
    },
    plugins: { '@graphql-eslint': graphql },
    rules: {
      ...recommended,
      '@graphql-eslint/require-description': ['error', {
        types: true, rootField: true, DirectiveDefinition: true, FieldDefinition: true,
        InputValueDefinition: true, EnumValueDefinition: true,
      }],
      '@graphql-eslint/naming-convention': ['error', {
        ...naming,
        // TokenScope's values (incidentsRead, ...) are the scope names of design.md; clients rely on them.
        EnumValueDefinition: { style: 'UPPER_CASE', ignorePattern: '^[a-z][A-Za-z]*(Read|Write)$' },
      }],
      '@graphql-eslint/strict-id-in-types': ['error', {
        acceptedIdNames: ['id'],
        acceptedIdTypes: ['ID'],
        // Values embedded in their parent, with no identity of their own.
        exceptions: {
          suffixes: ['Payload', 'Connection', 'Edge'],
          types: ['PageInfo', 'EffectivePermission', 'TokenEvent', 'TokenUse', 'TeamMember', 'EscalationStep', 'Shift', 'RateLimit'],
        },
      }],
      // Every connection pages both ways: first/after and last/before.
      '@graphql-eslint/relay-arguments': ['error', { includeBoth: true }],
      '@graphql-eslint/relay-connection-types': 'error',
      '@graphql-eslint/relay-edge-types': ['error', {
        withEdgeSuffix: true,
        // Off: there is no `Node` interface yet: issue 16 item 1.
        shouldImplementNode: false,
        // Off: `nodes` (GitHub's shortcut beside `edges`) and plain lists of values (scopes, members, steps) are not connections.
        listTypeCanWrapOnlyEdgeType: false,
      }],
      '@graphql-eslint/relay-page-info': 'error',
    },
  },
];
