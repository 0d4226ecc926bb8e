import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'wasm/**',
      'guests/examples/**',
      'test/fixtures/**',
      '.*/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The QuickJS prelude: scripts concatenated into one scope (host/sandbox/quickjs/prelude.ts),
    // so names cross files; tsconfig.guests.json type-checks them, names included.
    files: ['guests/js/**/*.js'],
    languageOptions: { sourceType: 'script' },
    rules: {
      'no-undef': 'off',
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
      'no-redeclare': 'off',
      // URL parsing and encodings match control characters on purpose.
      'no-control-regex': 'off',
    },
  },
)
