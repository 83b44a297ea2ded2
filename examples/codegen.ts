// graphql-codegen's client preset: TypeScript types for every operation in examples/operations,
// generated from the API contract (schema.graphql). `npm run typecheck` runs it before tsc, so a
// schema change that breaks these operations, or the script that uses them, fails the build.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['examples/operations/*.graphql'],
  ignoreNoDocuments: false,
  // Relative imports with their extension, as Node's ESM resolution (and tsc's NodeNext) require.
  emitLegacyCommonJSImports: false,
  generates: {
    'examples/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Documents as typed strings: no graphql-js needed to send them.
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', Upload: 'Blob' },
      },
    },
  },
};

export default config;
