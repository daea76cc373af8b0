import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.output/', '.wxt/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error', 'warn'] }],
      // Mail headers and file names are checked for control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // The fake Onventis page's own script runs in the browser.
    files: ['test/fixtures/onventis/**/*.js'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', Element: 'readonly', history: 'readonly' },
    },
  },
  {
    files: ['relay/cli/**', 'test/**'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
