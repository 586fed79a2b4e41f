import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'coverage/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Servers log through Fastify's pino; console is for CLI scripts only.
      'no-console': 'error',
    },
  },
  {
    files: ['scripts/**', 'packages/bench/**', 'packages/testkit/**', '**/*.test.ts', '**/testing/**', '**/test/**'],
    rules: { 'no-console': 'off' },
  },
);
