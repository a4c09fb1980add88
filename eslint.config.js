// Lint rules: typescript-eslint's recommended type-aware set, plus the few rules that keep the
// project's promises (no floating promises in cleanup paths, no stray console in library code).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'coverage/**',
      'examples/**/node_modules/**',
      'templates/**',
      // The pytest plugin's virtualenv (python/pytest-incluster/ci.sh makes it): third-party code.
      '**/.venv/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Every function stays readable in one screen (docs/architecture.md): a longer one is a
    // pipeline step waiting to be named. Every line counts, comments and blank lines too (that is
    // what a reader scrolls through), and so do the browser scripts under src/.
    files: ['src/**/*.ts', 'src/**/*.js'],
    rules: { 'max-lines-per-function': ['error', { max: 150, IIFEs: true }] },
  },
  {
    // Providers are private (docs/architecture.md): everything else in src/ reaches one only through
    // providers/registry.ts (cache-prune, lifecycle, the runner, the CLI alike). images/ and host/
    // below forbid providers/ altogether.
    files: ['src/**/*.ts'],
    ignores: ['src/cluster/providers/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)providers/(local|kind|existing)/',
              message:
                'a provider is private: go through src/cluster/providers/registry.ts, or move what is shared into src/cluster/images/ or src/cluster/host/',
            },
          ],
        },
      ],
    },
  },
  // The layers of src/cluster (docs/architecture.md): providers are private and never import each
  // other; what they share lives in images/ and host/, which never import a provider; host/ (engines,
  // Go builds, configs) is below images/ (recipes, the builder) and never imports it.
  ...['local', 'kind', 'existing'].map((provider) => ({
    files: [`src/cluster/providers/${provider}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `(^|/)(providers/)?(${['local', 'kind', 'existing'].filter((p) => p !== provider).join('|')})/`,
              message: `a provider never imports another provider: move what ${provider} shares into src/cluster/images/ or src/cluster/host/`,
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['src/cluster/images/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)providers/', message: 'images/ is shared by the providers and never imports one' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/cluster/host/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(providers|images)/',
              message: 'host/ is the lowest layer of src/cluster: it imports neither images/ nor a provider',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Browser JavaScript inlined into the HTML report: it runs in the page, never in Node.js.
    files: ['src/trace/render/html/*.js'],
    languageOptions: { sourceType: 'script', globals: { document: 'readonly' } },
  },
);
